/**
 * src/mime: PGP/MIME and inline PGP around the cryptography. Pure functions: no I/O, no openpgp;
 * randomness is injected. Everything thrown is a MimeError.
 */
export { MimeError } from './errors.js';
export type { MimeErrorCode } from './errors.js';
export { DEFAULT_MIME_LIMITS, resolveLimits } from './limits.js';
export type { MimeLimits } from './limits.js';
export type { ContentType } from './content-type.js';
export type { Mailbox } from './headers.js';
export type { PartInfo } from './part-info.js';
export type { RawEntity } from './entity.js';
export { parseOuter } from './parse-outer.js';
export type { OuterMessage, OuterBody, OuterHeaders, EncryptedPiece, TextPiece, AttachmentPiece } from './parse-outer.js';
export { parseInner } from './parse-inner.js';
export type { InnerMessage, SignedPart, ProtectedHeaders, ProtectedHeaderScheme } from './parse-inner.js';
export { parseInlineText } from './inline.js';
export type { InlineText } from './inline.js';
export { buildInnerMessage } from './build-inner.js';
export type { InnerMessageParams, InnerContent, OutgoingAttachment } from './build-inner.js';
export { prepareOuter, prepareOuterParts, buildOuterMessage, renderSharedOuterFields, MAX_REFERENCES, MAX_IN_REPLY_TO } from './build-outer.js';
export type { SharedOuterHeaders, OuterFactory, OuterPartsFactory, RenderedField } from './build-outer.js';
export type { MailboxInput } from './header-encode.js';
export { formatDate } from './header-encode.js';
export { listIdHeader, listIdentifier, listUriHeader } from './list-headers.js';
export { newMessageId } from './random.js';
export type { RandomSource } from './random.js';
export { isValidMessageId, isValidAddress } from './validate.js';
