import { guard, MimeError } from './errors.js';
import { asBuffer, toCrlf } from './bytes.js';
import type { MailboxInput } from './header-encode.js';
import { addressListField, cleanIdList, foldTokens, formatDate, messageIdField, paramField, unstructuredField } from './header-encode.js';
import { listIdHeader, listUriHeader } from './list-headers.js';
import type { RandomSource } from './random.js';
import { newBoundary } from './random.js';
import { isValidAddress } from './validate.js';

/** Caps on what we repeat from the thread: enough for threading, bounded in size. */
export const MAX_REFERENCES = 20;
export const MAX_IN_REPLY_TO = 5;

/**
 * The outer headers every copy of one list message shares. The same object is handed to
 * buildInnerMessage, which records each of these fields as an `HP-Outer` field (RFC 9788), so the
 * two can never disagree. To is not here: it names the member and differs per copy.
 */
export interface SharedOuterHeaders {
  /** The list address, usually with the sender's name ("Alice Example via csirt-nl"). */
  from: MailboxInput;
  replyTo?: readonly MailboxInput[];
  /** The placeholder subject, e.g. "[csirt-nl] TLP:AMBER ..."; the real subject travels encrypted. */
  subject: string;
  date: Date;
  messageId: string;
  /** Invalid ids are dropped; at most MAX_IN_REPLY_TO kept. */
  inReplyTo?: readonly string[];
  /** Invalid ids are dropped; the last MAX_REFERENCES kept. */
  references?: readonly string[];
  /** RFC 2919: `List-Id: "<name>" <local.domain>` derived from the list address. */
  list: { name: string; address: string };
  /** RFC 2369 URIs (mailto:, https:), leftmost preferred. */
  listPost?: readonly string[];
  listHelp?: readonly string[];
  listOwner?: readonly string[];
  /** Our loop marker, the list address. */
  xLoop: string;
  /** Set for mail the list generates itself (com-check pings: "auto-generated"). */
  autoSubmitted?: 'auto-generated' | 'auto-replied';
}

export interface RenderedField {
  name: string;
  /** The complete field, folded, without its final CRLF. */
  field: string;
}

/** The shared outer fields in the order they are sent. Pure and deterministic: the inner message's HP-Outer fields are made from this same list. */
export function renderSharedOuterFields(h: SharedOuterHeaders): RenderedField[] {
  const out: RenderedField[] = [];
  const add = (name: string, field: string): void => {
    out.push({ name, field });
  };
  add('From', addressListField('From', [h.from]));
  add('Subject', unstructuredField('Subject', h.subject));
  add('Date', foldTokens('Date', [formatDate(h.date)]));
  add('Message-ID', messageIdField('Message-ID', h.messageId));
  const irt = cleanIdList(h.inReplyTo ?? [], MAX_IN_REPLY_TO);
  if (irt.length > 0) add('In-Reply-To', foldTokens('In-Reply-To', irt));
  const refs = cleanIdList(h.references ?? [], MAX_REFERENCES);
  if (refs.length > 0) add('References', foldTokens('References', refs));
  if (h.replyTo !== undefined && h.replyTo.length > 0) add('Reply-To', addressListField('Reply-To', h.replyTo));
  add('List-Id', listIdHeader(h.list.name, h.list.address));
  if (h.listPost !== undefined && h.listPost.length > 0) add('List-Post', listUriHeader('List-Post', h.listPost));
  if (h.listHelp !== undefined && h.listHelp.length > 0) add('List-Help', listUriHeader('List-Help', h.listHelp));
  if (h.listOwner !== undefined && h.listOwner.length > 0) add('List-Owner', listUriHeader('List-Owner', h.listOwner));
  if (!isValidAddress(h.xLoop)) throw new MimeError('unsafe-value', 'X-Loop value is not a valid address');
  add('X-Loop', foldTokens('X-Loop', [h.xLoop]));
  add('Precedence', 'Precedence: list');
  if (h.autoSubmitted !== undefined) {
    if (h.autoSubmitted !== 'auto-generated' && h.autoSubmitted !== 'auto-replied') {
      throw new MimeError('unsafe-value', 'Auto-Submitted value is not valid');
    }
    add('Auto-Submitted', `Auto-Submitted: ${h.autoSubmitted}`);
  }
  return out;
}

/** Builds one member's copy: only the To field and the ciphertext differ between copies. */
export type OuterFactory = (to: MailboxInput | string, armored: string | Uint8Array) => Uint8Array;

const BEGIN = '-----BEGIN PGP MESSAGE-----';
const END = '-----END PGP MESSAGE-----';

/**
 * Renders everything the copies share once (header fields, boundary, the RFC 3156 control part)
 * and returns a factory that only formats To and splices in the armored ciphertext, so the
 * per-recipient cost is a few small string operations and one concat.
 */
interface Template {
  prefix: Buffer;
  middle: Buffer;
  closing: Buffer;
  delimiter: string;
}

function template(shared: SharedOuterHeaders, random: RandomSource): Template {
  const fields = renderSharedOuterFields(shared);
  const boundary = newBoundary(random);
  const [from, ...rest] = fields;
  const crlf = (s: string): string => `${s}\r\n`;
  const prefix = Buffer.from(crlf((from as RenderedField).field), 'latin1');
  const middle = Buffer.from(
    rest.map((f) => crlf(f.field)).join('') +
      crlf('MIME-Version: 1.0') +
      crlf(paramField('Content-Type', 'multipart/encrypted', [['protocol', 'application/pgp-encrypted'], ['boundary', boundary]])) +
      crlf('') +
      crlf('This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)') +
      crlf(`--${boundary}`) +
      crlf('Content-Type: application/pgp-encrypted') +
      crlf('Content-Description: PGP/MIME version identification') +
      crlf('') +
      crlf('Version: 1') +
      crlf('') +
      crlf(`--${boundary}`) +
      crlf('Content-Type: application/octet-stream; name="encrypted.asc"') +
      crlf('Content-Description: OpenPGP encrypted message') +
      crlf('Content-Disposition: inline; filename="encrypted.asc"') +
      crlf(''),
    'latin1',
  );
  return { prefix, middle, closing: Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'), delimiter: `--${boundary}` };
}

function toFieldOf(to: MailboxInput | string): Buffer {
  const mailbox = typeof to === 'string' ? { address: to } : to;
  return Buffer.from(`${addressListField('To', [mailbox])}\r\n`, 'latin1');
}

/**
 * Renders everything the copies share once (header fields, boundary, the RFC 3156 control part)
 * and returns a factory that only formats To and splices in the armored ciphertext, so the
 * per-recipient cost is a few small string operations and one concat.
 */
export function prepareOuter(shared: SharedOuterHeaders, random: RandomSource): OuterFactory {
  return guard('outer message', () => {
    const t = template(shared, random);
    return (to, armored) =>
      guard('outer message', () => {
        const body = checkArmor(armored, t.delimiter);
        return Buffer.concat([t.prefix, toFieldOf(to), t.middle, body, t.closing]);
      });
  });
}

/**
 * The same message as a list of buffers, for large bodies: the armor comes in parts (the body's
 * base64 is one Buffer shared by every copy, see pgp/armor-writer.ts) and is never copied or
 * joined; the parts go to the socket as they are. Each part is checked once (the shared one is
 * remembered), so a 10 MiB body costs its checks once per message, not once per member.
 */
export type OuterPartsFactory = (to: MailboxInput | string, armor: readonly Uint8Array[]) => Buffer[];

export function prepareOuterParts(shared: SharedOuterHeaders, random: RandomSource): OuterPartsFactory {
  return guard('outer message', () => {
    const t = template(shared, random);
    return (to, armor) =>
      guard('outer message', () => {
        const parts = armor.map(asBuffer);
        checkArmorParts(parts);
        // The armor's last CRLF is the one that belongs to the closing delimiter.
        return [t.prefix, toFieldOf(to), t.middle, ...parts, t.closing.subarray(2)];
      });
  });
}

/** One copy without a template; for a single message (a notice, a test). */
export function buildOuterMessage(shared: SharedOuterHeaders, to: MailboxInput | string, armored: string | Uint8Array, random: RandomSource): Uint8Array {
  return prepareOuter(shared, random)(to, armored);
}

/** What one armor part looks like, remembered for parts shared by many copies. */
interface PartShape {
  /** Characters before its first CRLF (all of it when it has none). */
  lead: number;
  /** Characters after its last CRLF; -1 when it has no CRLF. */
  trail: number;
  /** Longest line strictly inside it. */
  inner: number;
}
const shapes = new WeakMap<Buffer, PartShape>();
/** Armor is base64, "=", "-", spaces and letters of the BEGIN/END lines: nothing else, and CRLF only. */
const NOT_ARMOR = /[^A-Za-z0-9+/= \r\n-]|\r(?!\n)|(?<!\r)\n/;

function shapeOf(part: Buffer): PartShape {
  const known = shapes.get(part);
  if (known) return known;
  const text = part.toString('latin1');
  if (NOT_ARMOR.test(text)) throw new MimeError('unsafe-value', 'ciphertext is not 7-bit armor with CRLF line ends');
  let inner = 0;
  const first = text.indexOf('\r\n');
  let last = first;
  for (let at = first; at !== -1; ) {
    const next = text.indexOf('\r\n', at + 2);
    if (next === -1) break;
    inner = Math.max(inner, next - at - 2);
    last = next;
    at = next;
  }
  const shape = first === -1 ? { lead: text.length, trail: -1, inner: 0 } : { lead: first, trail: text.length - last - 2, inner };
  shapes.set(part, shape);
  return shape;
}

function checkArmorParts(parts: readonly Buffer[]): void {
  if (parts.length === 0) throw new MimeError('unsafe-value', 'no ciphertext');
  let open = 0;
  for (const p of parts) {
    const s = shapeOf(p);
    if (s.trail === -1) {
      open += s.lead;
    } else {
      if (open + s.lead > 998 || s.inner > 998) throw new MimeError('unsafe-value', 'ciphertext line longer than 998 octets');
      open = s.trail;
    }
    if (open > 998) throw new MimeError('unsafe-value', 'ciphertext line longer than 998 octets');
  }
  const head = asBuffer(parts[0] as Uint8Array).toString('latin1', 0, BEGIN.length);
  const lastPart = parts[parts.length - 1] as Buffer;
  const tail = lastPart.toString('latin1', Math.max(0, lastPart.length - END.length - 2));
  if (head !== BEGIN || tail !== `${END}\r\n`) throw new MimeError('unsafe-value', 'ciphertext is not one armored OpenPGP message');
  // The MIME boundary holds "_" (newBoundary), which armor never does (NOT_ARMOR): it cannot occur
  // in a part or across two.
}

/**
 * The ciphertext must be exactly one armored message of 7-bit lines, because it is pasted into
 * the body unchanged: anything else could end the part early or smuggle in MIME structure.
 */
function checkArmor(armored: string | Uint8Array, delimiter: string): Buffer {
  // Native string scans: this runs once per recipient, so no byte loop in JavaScript.
  const raw = typeof armored === 'string' ? armored : asBuffer(armored).toString('latin1');
  if (/[^\t\r\n\x20-\x7e]|\r(?!\n)/.test(raw)) throw new MimeError('unsafe-value', 'ciphertext is not 7-bit armor');
  for (let at = 0; at < raw.length; ) {
    const lf = raw.indexOf('\n', at);
    const stop = lf === -1 ? raw.length : lf;
    const length = stop - at - (stop > at && raw[stop - 1] === '\r' ? 1 : 0);
    if (length > 998) throw new MimeError('unsafe-value', 'ciphertext line longer than 998 octets');
    if (lf === -1) break;
    at = lf + 1;
  }
  const text = raw.trim();
  if (!text.startsWith(BEGIN) || !text.endsWith(END) || text.indexOf(BEGIN, 1) !== -1) {
    throw new MimeError('unsafe-value', 'ciphertext is not one armored OpenPGP message');
  }
  if (text.includes(delimiter)) throw new MimeError('unsafe-value', 'ciphertext contains the MIME boundary');
  return toCrlf(Buffer.from(text, 'latin1'));
}
