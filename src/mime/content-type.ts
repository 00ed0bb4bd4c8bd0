import libmime from 'libmime';
import type { HeaderField } from './header-block.js';
import { single } from './header-block.js';

/** A parsed Content-Type (or Content-Disposition): lowercased value and parameters. */
export interface ContentType {
  /** e.g. "multipart/encrypted"; "text/plain" when the header is missing or unparseable (RFC 2045 §5.2). */
  mediaType: string;
  type: string;
  subtype: string;
  /** Parameters with lowercased names; RFC 2231 continuations and charsets already decoded. */
  params: Readonly<Record<string, string>>;
  /** The unfolded header value as received (empty when absent), for checks that need the quoting. */
  raw: string;
}

export interface Disposition {
  /** "inline", "attachment", or "" when the header is absent. */
  type: string;
  params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

export const DEFAULT_CONTENT_TYPE: ContentType = Object.freeze({
  mediaType: 'text/plain',
  type: 'text',
  subtype: 'plain',
  params: Object.freeze({ charset: 'us-ascii' }),
  raw: '',
});

function parseParams(value: string): { value: string; params: Record<string, string> } {
  const parsed = libmime.parseHeaderValue(value, { stripComments: true });
  const decoded = new Set(parsed.decodedParams);
  // A null-prototype copy, so a parameter named "__proto__" or "constructor" is just data.
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(parsed.params)) {
    if (typeof v !== 'string') continue;
    const key = k.toLowerCase();
    // Many clients put RFC 2047 words into name/filename although RFC 2047 §5 forbids it; decode them like MUAs do.
    params[key] = (key === 'name' || key === 'filename') && !decoded.has(k) ? libmime.decodeWords(v) : v;
  }
  return { value: parsed.value.trim().toLowerCase(), params };
}

export function parseContentType(fields: readonly HeaderField[], fallback: ContentType = DEFAULT_CONTENT_TYPE): ContentType {
  const field = single(fields, 'content-type');
  if (field === null) return fallback;
  const { value, params } = parseParams(field.value);
  const slash = value.indexOf('/');
  const type = value.slice(0, slash);
  const subtype = value.slice(slash + 1);
  // RFC 6838 §4.2 caps type and subtype names at 127 characters; longer ones are garbage, read as text/plain.
  if (slash <= 0 || type.length > 127 || subtype.length > 127 || !TOKEN.test(type) || !TOKEN.test(subtype)) {
    return { ...DEFAULT_CONTENT_TYPE, raw: field.value };
  }
  return { mediaType: value, type, subtype, params, raw: field.value };
}

export function parseDisposition(fields: readonly HeaderField[]): Disposition {
  const field = single(fields, 'content-disposition');
  if (field === null) return { type: '', params: Object.create(null) as Record<string, string> };
  const { value, params } = parseParams(field.value);
  return { type: value, params };
}

export function parseTransferEncoding(fields: readonly HeaderField[]): string {
  const field = single(fields, 'content-transfer-encoding');
  if (field === null) return '7bit';
  return field.value.replace(/\(.*?\)/g, '').trim().toLowerCase();
}

/**
 * Whether a parameter was written as a quoted-string in the raw header. RFC 3156 requires
 * protocol="application/pgp-encrypted" quoted ("/" is a tspecial); the parsed value cannot tell.
 */
export function paramIsQuoted(raw: string, name: string): boolean {
  const re = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(")?`, 'gi');
  let m: RegExpExecArray | null;
  let quoted = false;
  let seen = false;
  while ((m = re.exec(raw)) !== null) {
    seen = true;
    quoted = m[1] === '"';
  }
  return seen && quoted;
}
