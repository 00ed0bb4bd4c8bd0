/**
 * VERP (https://cr.yp.to/proto/verp.txt): every copy leaves with its own envelope sender
 * `<list-local>-bounces+<token>@<list-domain>`, so a bounce names the delivery it is about without
 * us having to trust anything in its body. The token is opaque here; the queue makes it and maps
 * it back to one delivery.
 */
import { normalizeAddress, splitAddress } from '../util/address.js';

/** Tokens are plain: they must survive every MTA's local-part handling unquoted. */
const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
const VERP_LOCAL = /^(.+)-bounces\+([^+@]+)$/i;

export function verpAddress(list: string, token: string): string {
  if (!TOKEN.test(token)) throw new RangeError(`VERP token must match ${TOKEN.source}`);
  const normalized = normalizeAddress(list);
  if (normalized === null) throw new RangeError(`not a list address: ${list}`);
  const { local, domain } = splitAddress(normalized);
  return `${local}-bounces+${token}@${domain}`;
}

/**
 * The list and token of a VERP bounce address, or null for anything else. The local part is
 * matched case-insensitively and the list comes back lower-cased; the token keeps its case
 * (some MTAs fold case, so the queue should not rely on case to tell tokens apart).
 */
export function parseVerp(address: string): { list: string; token: string } | null {
  if (address.length > 320) return null;
  const bare = address.trim().replace(/^<(.*)>$/, '$1');
  const at = bare.lastIndexOf('@');
  if (at <= 0) return null;
  const m = VERP_LOCAL.exec(bare.slice(0, at));
  if (!m?.[1] || !m[2] || !TOKEN.test(m[2])) return null;
  const list = normalizeAddress(`${m[1]}@${bare.slice(at + 1)}`);
  return list === null ? null : { list, token: m[2] };
}
