import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser';
import { MimeError } from './errors.js';
import type { HeaderField } from './header-block.js';
import { fieldsNamed, single } from './header-block.js';
import { isValidAddress, isValidMessageId, stripControls } from './validate.js';

/** A mailbox from a header: address lowercased and syntax-checked, display name RFC 2047-decoded. */
export interface Mailbox {
  address: string;
  name: string;
}

/** Parsing keeps at most this many ids per field; outbound References are capped lower (see build). */
const MAX_IDS_PARSED = 100;
/** Decoded unstructured values longer than this are cut; nobody writes a 4,000-character subject. */
const MAX_TEXT = 4000;

export function decodeUnstructured(value: string): string {
  let decoded: string;
  try {
    decoded = libmime.decodeWords(value);
  } catch {
    decoded = value;
  }
  return stripControls(decoded).slice(0, MAX_TEXT);
}

export function decodedSingle(fields: readonly HeaderField[], name: string): string | null {
  const f = single(fields, name);
  return f === null ? null : decodeUnstructured(f.value);
}

/** Every valid `<id@host>` in a field's value, in order, invalid ones dropped. */
export function parseIdList(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(/<[^<>]*>/g)) {
    const id = m[0];
    if (isValidMessageId(id)) out.push(id);
  }
  return out.length > MAX_IDS_PARSED ? out.slice(-MAX_IDS_PARSED) : out;
}

export function idListField(fields: readonly HeaderField[], name: string): string[] {
  const f = single(fields, name);
  return f === null ? [] : parseIdList(f.value);
}

export function messageIdField(fields: readonly HeaderField[]): string | null {
  return idListField(fields, 'message-id')[0] ?? null;
}

export function dateField(fields: readonly HeaderField[]): Date | null {
  const f = single(fields, 'date');
  if (f === null || f.value.length > 200) return null;
  const t = Date.parse(f.value.replace(/\([^()]*\)/g, ' '));
  return Number.isFinite(t) ? new Date(t) : null;
}

/** Mailboxes of an address-list field; groups are flattened, entries without a valid address dropped. */
export function mailboxList(fields: readonly HeaderField[], name: string): Mailbox[] {
  const out: Mailbox[] = [];
  for (const f of fieldsNamed(fields, name)) {
    for (const a of addressparser(f.value, { flatten: true })) {
      const address = a.address.trim().toLowerCase();
      if (isValidAddress(address)) out.push({ address, name: decodeUnstructured(a.name).slice(0, 200) });
    }
  }
  return out;
}

/**
 * The sender. Missing gives null; anything that does not name exactly one valid mailbox is refused,
 * because membership is decided on this address and an ambiguous one must never be guessed at.
 */
export function fromField(fields: readonly HeaderField[]): Mailbox | null {
  const f = single(fields, 'from');
  if (f === null) return null;
  const found = addressparser(f.value, { flatten: true });
  const first = found[0];
  if (found.length !== 1 || first === undefined) throw new MimeError('malformed', 'From must name exactly one mailbox');
  const address = first.address.trim().toLowerCase();
  if (!isValidAddress(address)) throw new MimeError('malformed', 'From address is not a valid address');
  return { address, name: decodeUnstructured(first.name).slice(0, 200) };
}

/** First token of each keyword field (Auto-Submitted: auto-replied; x=y → "auto-replied"), lowercased. */
export function keywordValues(fields: readonly HeaderField[], name: string): string[] {
  return fieldsNamed(fields, name).map((f) => {
    const kw = f.value.replace(/\([^()]*\)/g, ' ').split(';')[0]?.trim().toLowerCase() ?? '';
    return stripControls(kw).slice(0, 100);
  });
}
