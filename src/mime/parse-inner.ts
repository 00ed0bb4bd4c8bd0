import { guard, MimeError } from './errors.js';
import type { MimeLimits } from './limits.js';
import { Budget, resolveLimits } from './limits.js';
import { asBuffer, toCrlf } from './bytes.js';
import type { MimeNode } from './tree.js';
import { parseTree } from './tree.js';
import { paramIsQuoted } from './content-type.js';
import type { HeaderField } from './header-block.js';
import type { Mailbox } from './headers.js';
import { dateField, decodedSingle, fromField, idListField, mailboxList, messageIdField } from './headers.js';
import { decodedSize, decodeText, htmlVisibleText, transferDecode } from './decode.js';
import type { PartInfo } from './part-info.js';
import { isAttachmentLike, partFilename } from './part-info.js';
import type { RawEntity } from './entity.js';
import { rawEntity } from './entity.js';

/** RFC 1847 / RFC 3156 §5 signature found inside the encryption (§6.1). */
export interface SignedPart {
  /** The first part exactly as received, headers and body, with CRLF line ends: what the detached signature covers. */
  signedBytes: Uint8Array;
  /** The application/pgp-signature part's content, for openpgp's readSignature({armoredSignature}). */
  signatureArmored: string;
  /** Lowercased micalg parameter ("pgp-sha256"), null when absent. */
  micalg: string | null;
}

/** Where the protected headers were declared. "implicit": fields present without a marker, as Thunderbird reads them. */
export type ProtectedHeaderScheme = 'hp-cipher' | 'hp-clear' | 'memory-hole-v1' | 'implicit' | 'none';

export interface ProtectedHeaders {
  scheme: ProtectedHeaderScheme;
  subject: string | null;
  from: Mailbox | null;
  to: Mailbox[];
  cc: Mailbox[];
  date: Date | null;
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
}

export interface InnerMessage {
  signed: SignedPart | null;
  protectedHeaders: ProtectedHeaders;
  /**
   * Decoded text of every text/* part (attachments included), for TLP scanning. HTML parts appear
   * twice: as decoded source and as visible text (tags and comments removed, references
   * decoded). The Subject of every encapsulated message/rfc822 is included too.
   */
  texts: string[];
  /** Legacy display elements removed from `texts` (hp-legacy-display, text/rfc822-headers, a leading "Subject: …" line). */
  legacyDisplay: string[];
  /** The content entity (the signed part when signed), to embed byte-for-byte in the outbound message. */
  entity: RawEntity;
  attachments: PartInfo[];
}

const PROTECTED_FIELDS = ['subject', 'from', 'to', 'cc', 'date', 'message-id', 'in-reply-to', 'references'];

/** The decrypted content of a PGP/MIME message. Throws only MimeError. */
export function parseInner(decrypted: Uint8Array, limits: Partial<MimeLimits> = {}): InnerMessage {
  return guard('decrypted content', () => {
    const budget = new Budget(resolveLimits(limits));
    const root = parseTree(asBuffer(decrypted), budget);
    const { signed, content } = splitSigned(root, budget);
    const protectedHeaders = readProtectedHeaders(content, root);
    const { texts, legacyDisplay, attachments } = collect(content, protectedHeaders.subject, budget);
    return { signed, protectedHeaders, texts, legacyDisplay, entity: rawEntity(content), attachments };
  });
}

function splitSigned(root: MimeNode, budget: Budget): { signed: SignedPart | null; content: MimeNode } {
  const ct = root.contentType;
  if (ct.mediaType !== 'multipart/signed' || ct.params['protocol']?.toLowerCase() !== 'application/pgp-signature') {
    return { signed: null, content: root };
  }
  if (!paramIsQuoted(ct.raw, 'protocol')) {
    throw new MimeError('malformed', 'multipart/signed without a quoted protocol="application/pgp-signature"');
  }
  const [first, sig] = root.children;
  if (root.children.length !== 2 || first === undefined || sig === undefined) {
    throw new MimeError('malformed', 'multipart/signed must have exactly two parts');
  }
  if (sig.contentType.mediaType !== 'application/pgp-signature') {
    throw new MimeError('malformed', 'second part of multipart/signed is not application/pgp-signature');
  }
  const signatureArmored = transferDecode(sig, budget).toString('latin1');
  if (!signatureArmored.includes('-----BEGIN PGP SIGNATURE-----')) {
    throw new MimeError('malformed', 'signature part does not hold an armored OpenPGP signature');
  }
  // Sliced from the received bytes, never re-serialised: any other rendering breaks the signature.
  const signedBytes = Uint8Array.prototype.slice.call(toCrlf(first.src.subarray(first.start, first.end)));
  const micalg = ct.params['micalg']?.toLowerCase() ?? null;
  return { signed: { signedBytes, signatureArmored, micalg }, content: first };
}

function schemeOf(node: MimeNode): ProtectedHeaderScheme | null {
  const p = node.contentType.params;
  const hp = p['hp']?.toLowerCase();
  if (hp === 'cipher') return 'hp-cipher';
  if (hp === 'clear') return 'hp-clear';
  if (p['protected-headers']?.toLowerCase() === 'v1') return 'memory-hole-v1';
  return null;
}

/**
 * Protected headers live on the content entity; a client that put them on the multipart/signed
 * wrapper instead is read too. Two different Subjects are refused rather than picked between,
 * since the subject decides the TLP label.
 */
function readProtectedHeaders(content: MimeNode, root: MimeNode): ProtectedHeaders {
  const outer = root === content ? [] : root.headers.filter((f) => PROTECTED_FIELDS.includes(f.name));
  const merged: HeaderField[] = [...content.headers];
  for (const name of PROTECTED_FIELDS) {
    if (!merged.some((f) => f.name === name)) merged.push(...outer.filter((f) => f.name === name));
  }
  if (outer.length > 0) {
    const a = decodedSingle(content.headers, 'subject');
    const b = decodedSingle(root.headers, 'subject');
    if (a !== null && b !== null && a !== b) throw new MimeError('malformed', 'conflicting protected Subject fields');
  }
  const present = merged.some((f) => PROTECTED_FIELDS.includes(f.name));
  const scheme = schemeOf(content) ?? schemeOf(root) ?? (present ? 'implicit' : 'none');
  return {
    scheme,
    subject: decodedSingle(merged, 'subject'),
    from: fromField(merged),
    to: mailboxList(merged, 'to'),
    cc: mailboxList(merged, 'cc'),
    date: dateField(merged),
    messageId: messageIdField(merged),
    inReplyTo: idListField(merged, 'in-reply-to'),
    references: idListField(merged, 'references'),
  };
}

function collect(content: MimeNode, subject: string | null, budget: Budget): Pick<InnerMessage, 'texts' | 'legacyDisplay' | 'attachments'> {
  const texts: string[] = [];
  const legacyDisplay: string[] = [];
  const attachments: PartInfo[] = [];
  let firstPlain = true;
  const pending: MimeNode[] = [content];
  while (pending.length > 0) {
    const node = pending.pop() as MimeNode;
    const ct = node.contentType;
    const info = (): PartInfo => ({ contentType: ct.mediaType, filename: partFilename(node), size: decodedSize(node, budget) });
    if (ct.type === 'multipart') {
      for (let i = node.children.length - 1; i >= 0; i--) pending.push(node.children[i] as MimeNode);
      continue;
    }
    if (node.children.length > 0) {
      // An encapsulated message: readers show it inline, Subject included, so it is scanned too.
      if (node.disposition.type === 'attachment' || partFilename(node) !== null) attachments.push(info());
      const inner = node.children[0] as MimeNode;
      const s = decodedSingle(inner.headers, 'subject');
      if (s !== null) texts.push(s);
      pending.push(inner);
      continue;
    }
    if (ct.type !== 'text') {
      attachments.push(info());
      continue;
    }
    if (isAttachmentLike(node)) attachments.push(info());
    let text = decodeText(transferDecode(node, budget), ct.params['charset'], budget);
    if (ct.subtype === 'rfc822-headers' && schemeOf(node) !== null) {
      legacyDisplay.push(text);
      continue;
    }
    if (ct.params['hp-legacy-display'] === '1') {
      const split = ct.subtype === 'html' ? splitHtmlLegacyDisplay(text) : splitPlainLegacyDisplay(text);
      if (split.display !== null) legacyDisplay.push(split.display);
      text = split.rest;
    } else if (ct.subtype === 'plain' && firstPlain && subject !== null) {
      const split = splitSubjectLine(text, subject);
      if (split.display !== null) legacyDisplay.push(split.display);
      text = split.rest;
    }
    if (ct.subtype === 'plain') firstPlain = false;
    texts.push(text);
    if (ct.subtype === 'html') texts.push(htmlVisibleText(text));
  }
  return { texts, legacyDisplay, attachments };
}

interface Split {
  display: string | null;
  rest: string;
}

/** RFC 9788 text/plain legacy display: header-like lines at the very top, ended by a blank line. */
function splitPlainLegacyDisplay(text: string): Split {
  const m = /^((?:[A-Za-z][A-Za-z0-9-]*:[^\r\n]*\r?\n)+)\r?\n/.exec(text);
  return m === null ? { display: null, rest: text } : { display: m[1] as string, rest: text.slice(m[0].length) };
}

/**
 * RFC 9788 text/html legacy display: the first div of class header-protection-legacy-display.
 * Found with indexOf rather than a regular expression, which would backtrack quadratically over
 * a hostile run of unclosed "<div" tags.
 */
function splitHtmlLegacyDisplay(html: string): Split {
  const marker = html.indexOf('header-protection-legacy-display');
  if (marker === -1) return { display: null, rest: html };
  const lower = html.toLowerCase();
  const open = lower.lastIndexOf('<div', marker);
  const openEnd = html.indexOf('>', marker);
  if (open === -1 || openEnd === -1 || html.lastIndexOf('>', marker) > open) return { display: null, rest: html };
  const close = lower.indexOf('</div>', openEnd);
  const end = close === -1 ? html.length : close + 6;
  return { display: htmlVisibleText(html.slice(open, end)), rest: html.slice(0, open) + html.slice(end) };
}

/**
 * A first body line repeating the protected Subject (older clients' legacy display). Only an exact
 * repeat is removed, so nothing that is not already scanned as the Subject can disappear this way.
 */
function splitSubjectLine(text: string, subject: string): Split {
  const m = /^Subject:[ \t]*([^\r\n]*)\r?\n(?:\r?\n)?/.exec(text);
  if (m === null || (m[1] as string).trim() !== subject.trim()) return { display: null, rest: text };
  return { display: m[0], rest: text.slice(m[0].length) };
}
