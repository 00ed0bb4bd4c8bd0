import { guard, MimeError } from './errors.js';
import type { MimeLimits } from './limits.js';
import { Budget, resolveLimits } from './limits.js';
import { asBuffer } from './bytes.js';
import type { MimeNode } from './tree.js';
import { parseTree } from './tree.js';
import type { ContentType } from './content-type.js';
import { paramIsQuoted } from './content-type.js';
import type { Mailbox } from './headers.js';
import { dateField, decodedSingle, decodeUnstructured, fromField, idListField, keywordValues, messageIdField } from './headers.js';
import { fieldsNamed } from './header-block.js';
import { decodeText, htmlVisibleText, transferDecode } from './decode.js';
import { findArmorBlocks, holdsOpenPgpMessage } from './armor.js';
import type { PartInfo } from './part-info.js';
import { guessContentType, isAttachmentLike, partFilename } from './part-info.js';
import type { RawEntity } from './entity.js';
import { rawEntity } from './entity.js';

/** Header facts of the message as received. Everything is decoded; nothing here is safe to copy into an outbound header without re-encoding. */
export interface OuterHeaders {
  /** Null when there is no From field. More than one mailbox, or an invalid address, is a MimeError. */
  from: Mailbox | null;
  /** RFC 2047-decoded, controls removed; null when absent. */
  subject: string | null;
  /** `<id@host>`, null when absent or invalid. */
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
  date: Date | null;
  /** First Auto-Submitted keyword other than "no" (else "no" or null), lowercased. */
  autoSubmitted: string | null;
  /** Lowercased Precedence keyword; "bulk", "junk" or "list" win over anything else present. */
  precedence: string | null;
  /** Every X-Loop value, lowercased. */
  xLoop: string[];
  /** The list identifier inside <> of List-Id, lowercased; the decoded value when it has no <>. */
  listId: string | null;
  contentType: ContentType;
}

/** Ciphertext pieces of an inline-PGP message, each to be decrypted on its own. */
export type EncryptedPiece = TextPiece | AttachmentPiece;

export interface TextPiece {
  type: 'text';
  /** One armored `BEGIN PGP MESSAGE` block, as text. */
  armored: string;
  /** Charset of the text part, a hint for decoding the plaintext (Enigmail keeps it); null when undeclared. */
  charset: string | null;
}

export interface AttachmentPiece {
  type: 'attachment';
  /** The OpenPGP message, after transfer decoding. */
  data: Uint8Array;
  armored: boolean;
  /** File name with .pgp/.gpg/.asc removed ("" when the part had none). */
  filename: string;
  /** Type guessed from the remaining file name, application/octet-stream when unknown. */
  contentType: string;
}

export type OuterBody =
  | { kind: 'pgp-mime'; ciphertext: Uint8Array; armored: boolean }
  | { kind: 'inline'; pieces: EncryptedPiece[] }
  | { kind: 'partial'; pieces: EncryptedPiece[]; unencrypted: PartInfo[] }
  | { kind: 'plain'; entity: RawEntity };

export type OuterMessage = { headers: OuterHeaders; isReport: boolean } & OuterBody;

/**
 * The message as received over SMTP: header facts and what kind of encryption it carries.
 * Throws only MimeError (malformed RFC 3156 shapes, limits, ambiguous From, duplicate singleton fields).
 */
export function parseOuter(raw: Uint8Array, limits: Partial<MimeLimits> = {}): OuterMessage {
  return guard('message', () => {
    const budget = new Budget(resolveLimits(limits));
    const root = parseTree(asBuffer(raw), budget);
    const headers = outerHeaders(root);
    const isReport = root.contentType.mediaType === 'multipart/report';
    return { headers, isReport, ...classify(root, budget) };
  });
}

function outerHeaders(root: MimeNode): OuterHeaders {
  const f = root.headers;
  const auto = keywordValues(f, 'auto-submitted');
  const prec = keywordValues(f, 'precedence');
  const listIdField = fieldsNamed(f, 'list-id')[0];
  let listId: string | null = null;
  if (listIdField !== undefined) {
    const m = /<([^<>]*)>/.exec(listIdField.value);
    listId = (m?.[1] ?? decodeUnstructured(listIdField.value)).trim().toLowerCase();
  }
  return {
    from: fromField(f),
    subject: decodedSingle(f, 'subject'),
    messageId: messageIdField(f),
    inReplyTo: idListField(f, 'in-reply-to'),
    references: idListField(f, 'references'),
    date: dateField(f),
    autoSubmitted: auto.find((v) => v !== 'no') ?? auto[0] ?? null,
    precedence: prec.find((v) => v === 'bulk' || v === 'junk' || v === 'list') ?? prec[0] ?? null,
    xLoop: fieldsNamed(f, 'x-loop').map((x) => decodeUnstructured(x.value).toLowerCase()),
    listId,
    contentType: root.contentType,
  };
}

function classify(root: MimeNode, budget: Budget): OuterBody {
  if (root.contentType.mediaType === 'multipart/encrypted') return pgpMime(root, budget);
  const pieces: EncryptedPiece[] = [];
  const unencrypted: PartInfo[] = [];
  const pending: MimeNode[] = [root];
  while (pending.length > 0) {
    const node = pending.pop() as MimeNode;
    const ct = node.contentType;
    if (ct.type === 'multipart' && ct.subtype !== 'encrypted') {
      for (let i = node.children.length - 1; i >= 0; i--) pending.push(node.children[i] as MimeNode);
    } else if (ct.type === 'multipart' || ct.type === 'message') {
      // A nested multipart/encrypted (Exchange-mangled PGP/MIME) or a forwarded message: not
      // something we can decrypt piecewise, so it counts as content that is not encrypted.
      unencrypted.push({ contentType: ct.mediaType, filename: partFilename(node), size: node.end - node.bodyStart });
    } else if (isAttachmentLike(node)) {
      attachmentLeaf(node, budget, pieces, unencrypted);
    } else {
      textLeaf(node, budget, pieces, unencrypted);
    }
  }
  if (pieces.length === 0) return { kind: 'plain', entity: rawEntity(root) };
  if (unencrypted.length === 0) return { kind: 'inline', pieces };
  return { kind: 'partial', pieces, unencrypted };
}

function textLeaf(node: MimeNode, budget: Budget, pieces: EncryptedPiece[], unencrypted: PartInfo[]): void {
  const charset = node.contentType.params['charset'];
  const text = decodeText(transferDecode(node, budget), charset, budget);
  const info = (size: number): PartInfo => ({ contentType: node.contentType.mediaType, filename: null, size });
  if (node.contentType.mediaType !== 'text/plain') {
    // Inline PGP lives in text/plain; an HTML or other text part with anything visible is clear text.
    const visible = node.contentType.subtype === 'html' ? htmlVisibleText(text) : text;
    if (visible.trim().length > 0) unencrypted.push(info(text.length));
    return;
  }
  const blocks = findArmorBlocks(text, 'MESSAGE', budget.limits.maxParts);
  let outside = 0;
  let at = 0;
  for (const b of blocks) {
    outside += text.slice(at, b.start).trim().length;
    at = b.end;
    budget.addPart();
    pieces.push({ type: 'text', armored: b.text, charset: charset ?? null });
  }
  outside += text.slice(at).trim().length;
  if (outside > 0) unencrypted.push(info(outside));
}

function attachmentLeaf(node: MimeNode, budget: Budget, pieces: EncryptedPiece[], unencrypted: PartInfo[]): void {
  const data = transferDecode(node, budget);
  const filename = partFilename(node);
  const pgp = holdsOpenPgpMessage(data);
  const namedPgp = filename !== null && /\.(pgp|gpg|asc)$/i.test(filename);
  if (pgp !== null && (node.contentType.mediaType === 'application/pgp-encrypted' || namedPgp)) {
    const original = namedPgp ? (filename as string).slice(0, -4) : (filename ?? '');
    pieces.push({ type: 'attachment', data, armored: pgp.armored, filename: original, contentType: guessContentType(original) });
    return;
  }
  unencrypted.push({ contentType: node.contentType.mediaType, filename, size: data.length });
}

/** RFC 3156 §4, checked strictly: anything with the multipart/encrypted label but another shape is refused, not guessed at. */
function pgpMime(root: MimeNode, budget: Budget): OuterBody {
  const ct = root.contentType;
  if (ct.params['protocol']?.toLowerCase() !== 'application/pgp-encrypted' || !paramIsQuoted(ct.raw, 'protocol')) {
    throw new MimeError('malformed', 'multipart/encrypted without protocol="application/pgp-encrypted"');
  }
  const [control, payload] = root.children;
  if (root.children.length !== 2 || control === undefined || payload === undefined) {
    throw new MimeError('malformed', 'multipart/encrypted must have exactly two parts');
  }
  if (control.contentType.mediaType !== 'application/pgp-encrypted') {
    throw new MimeError('malformed', 'first part of multipart/encrypted is not application/pgp-encrypted');
  }
  const version = decodeText(transferDecode(control, budget), 'us-ascii', budget);
  if (!/^[ \t]*Version:[ \t]*1[ \t]*\r?$/im.test(version)) {
    throw new MimeError('malformed', 'application/pgp-encrypted part lacks "Version: 1"');
  }
  if (payload.contentType.mediaType !== 'application/octet-stream') {
    throw new MimeError('malformed', 'second part of multipart/encrypted is not application/octet-stream');
  }
  const ciphertext = transferDecode(payload, budget);
  const pgp = holdsOpenPgpMessage(ciphertext);
  if (pgp === null) throw new MimeError('malformed', 'encrypted part does not hold an OpenPGP message');
  return { kind: 'pgp-mime', ciphertext, armored: pgp.armored };
}
