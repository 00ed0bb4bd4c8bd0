import { RefusedError } from '../errors.js';
import { normalizeAddress, SERVICE_SUFFIXES, splitAddress } from '../util/address.js';

/** Validation of what administrators type, with messages that say what is wrong. */

export function memberAddress(input: string): string {
  const a = normalizeAddress(input);
  if (a === null) throw new RefusedError(`"${printable(input)}" is not a valid e-mail address`);
  return a;
}

export function listAddress(input: string): string {
  const a = normalizeAddress(input);
  if (a === null) throw new RefusedError(`"${printable(input)}" is not a valid list address (expected local@domain)`);
  const { local } = splitAddress(a);
  if (local.includes('+')) throw new RefusedError(`list address ${a} must not contain "+" (it is used for bounce addresses)`);
  for (const s of SERVICE_SUFFIXES) {
    if (local.endsWith(`-${s}`)) {
      throw new RefusedError(`list address ${a} must not end in "-${s}": that is a service address of another list`);
    }
  }
  return a;
}

/** Free text that ends up in headers or tables: no control characters, bounded length. */
export function label(input: string | undefined, what: string, max = 200): string {
  const v = (input ?? '').trim();
  if (/[\x00-\x1f\x7f]/.test(v)) throw new RefusedError(`${what} must not contain control characters or line breaks`);
  if (v.length > max) throw new RefusedError(`${what} is longer than ${max} characters`);
  return v;
}

/** Keep user input safe to echo in one line of an error message. */
export function printable(s: string): string {
  const clean = s.replace(/[\x00-\x1f\x7f]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}
