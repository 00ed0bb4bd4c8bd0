import libmime from 'libmime';
import { MimeError } from './errors.js';
import { isValidAddress, isValidMessageId, stripControls } from './validate.js';

/**
 * Writing header fields. Every value is rebuilt from decoded text: controls become spaces,
 * non-ASCII becomes RFC 2047 encoded-words, long values are folded at token boundaries, and the
 * finished field passes `checkField` (7-bit printable, CRLF only as a fold, lines ≤ 998) or the
 * build fails. Nothing from the network is ever copied into a field as bytes.
 */

export const FOLD_AT = 78;
const HARD_LIMIT = 998;
/** Decoded subject/description text beyond this is cut before encoding. */
const MAX_UNSTRUCTURED = 900;
const MAX_NAME = 200;

export interface MailboxInput {
  address: string;
  /** Display name; empty or absent for a bare address. */
  name?: string;
}

const FIELD_NAME = /^[!-9;-~]+$/;

/** The final gate for everything we emit: a field is one logical line of printable ASCII, folded only by CRLF + WSP. */
export function checkField(field: string): string {
  const colon = field.indexOf(':');
  if (colon <= 0 || !FIELD_NAME.test(field.slice(0, colon))) throw new MimeError('unsafe-value', 'header field name is not valid');
  const physical = field.split('\r\n');
  physical.forEach((line, i) => {
    if (line.length > HARD_LIMIT) throw new MimeError('unsafe-value', 'header line longer than 998 octets');
    if (!/^[\t\x20-\x7e]*$/.test(line)) throw new MimeError('unsafe-value', 'header value is not 7-bit printable');
    if (i > 0 && !/^[ \t]\S/.test(line)) throw new MimeError('unsafe-value', 'header folding would start a new field');
  });
  return field;
}

/** Joins tokens with single spaces, breaking lines before a token that would pass FOLD_AT. Tokens never contain spaces. */
export function foldTokens(name: string, tokens: readonly string[]): string {
  let out = '';
  let line = `${name}:`;
  let onLine = 0;
  for (const t of tokens) {
    if (t.length === 0) continue;
    if (onLine > 0 && line.length + 1 + t.length > FOLD_AT) {
      out += `${line}\r\n`;
      line = ` ${t}`;
    } else {
      line += ` ${t}`;
    }
    onLine++;
  }
  return checkField(out + line);
}

function isPrintableAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** Encoded-words split to stay far below the 75-character limit of RFC 2047 §2. */
function encodedWords(text: string, encoding: 'Q' | 'B'): string[] {
  return libmime.encodeWord(text, encoding, 40).split(/\s+/).filter((w) => w.length > 0);
}

/**
 * Unstructured text (Subject, Content-Description). ASCII stays readable; non-ASCII, an apparent
 * encoded-word ("=?", which a reader would decode) or a word too long to fold is encoded whole.
 */
export function unstructuredField(name: string, text: string): string {
  const clean = stripControls(text).slice(0, MAX_UNSTRUCTURED);
  const words = clean.split(' ');
  const plain = isPrintableAscii(clean) && !clean.includes('=?') && words.every((w) => w.length <= 70);
  return foldTokens(name, plain ? words : encodedWords(clean, 'Q'));
}

/** Display name tokens: a quoted-string when ASCII, else B encoded-words (always safe in a phrase, RFC 2047 §5(3)). */
export function phraseTokens(name: string): string[] {
  const clean = stripControls(name).slice(0, MAX_NAME);
  if (clean.length === 0) return [];
  if (isPrintableAscii(clean) && !clean.includes('=?')) return [`"${clean.replace(/(["\\])/g, '\\$1')}"`];
  return encodedWords(clean, 'B');
}

export function mailboxTokens(m: MailboxInput): string[] {
  if (!isValidAddress(m.address)) throw new MimeError('unsafe-value', 'mailbox address is not valid');
  const phrase = phraseTokens(m.name ?? '');
  return phrase.length === 0 ? [m.address] : [...phrase, `<${m.address}>`];
}

export function addressListField(name: string, mailboxes: readonly MailboxInput[]): string {
  if (mailboxes.length === 0) throw new MimeError('unsafe-value', 'address list is empty');
  const tokens: string[] = [];
  mailboxes.forEach((m, i) => {
    const t = mailboxTokens(m);
    if (i < mailboxes.length - 1) t[t.length - 1] += ',';
    tokens.push(...t);
  });
  return foldTokens(name, tokens);
}

/** Valid ids only (invalid ones are dropped, not repaired), de-duplicated, the last `cap` kept. */
export function cleanIdList(ids: readonly string[], cap: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ids) {
    if (!isValidMessageId(id) || seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out.slice(-cap);
}

export function messageIdField(name: string, id: string): string {
  if (!isValidMessageId(id)) throw new MimeError('unsafe-value', 'Message-ID is not valid');
  return foldTokens(name, [id]);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC. */
export function formatDate(d: Date): string {
  if (!Number.isFinite(d.getTime())) throw new MimeError('unsafe-value', 'date is not valid');
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A Content-Type or Content-Disposition from a value and parameters. Short printable values are
 * quoted when needed; anything else goes through RFC 2231 continuations (libmime.buildHeaderParam).
 */
export function paramField(name: string, value: string, params: ReadonlyArray<readonly [string, string]>): string {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z/-]+$/.test(value)) throw new MimeError('unsafe-value', 'MIME type is not valid');
  const tokens: string[] = [value];
  for (const [key, raw] of params) {
    if (!TOKEN.test(key)) throw new MimeError('unsafe-value', 'MIME parameter name is not valid');
    const v = stripControls(raw).slice(0, 500);
    const pieces: Array<[string, string]> = [];
    // Always quoted (except RFC 2231 extended values, which cannot be): some readers only
    // recognise protected-headers="v1" and protocol="..." in their quoted form.
    const quote = (x: string): string => `"${x.replace(/(["\\])/g, '\\$1')}"`;
    if (isPrintableAscii(v) && v.length <= 60) {
      pieces.push([key, quote(v)]);
    } else {
      for (const p of libmime.buildHeaderParam(key, v, 50)) {
        const pv = String(p.value);
        pieces.push([p.key, p.key.endsWith('*') ? pv : quote(pv)]);
      }
    }
    for (const [k, pv] of pieces) {
      tokens[tokens.length - 1] += ';';
      tokens.push(`${k}=${pv}`);
    }
  }
  return foldTokens(name, tokens);
}
