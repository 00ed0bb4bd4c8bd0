import { normalizeAddress, splitAddress } from '../util/address.js';
import type { Target } from './types.js';

/**
 * Which list address a recipient is: the posting address, or one of its service addresses
 * (`-owner`, `-request`, `-comcheck`, `-bounces+<token>`). `isList` answers whether a base
 * address is a list; everything else is "no such list" (550 5.1.1 at RCPT).
 */
export async function resolveTarget(address: string, isList: (address: string) => Promise<boolean>): Promise<Target | null> {
  const a = normalizeAddress(address);
  if (a === null) return null;
  const { local, domain } = splitAddress(a);

  const bounce = /^(.+)-bounces\+([a-z0-9_-]{1,64})$/.exec(local);
  if (bounce?.[1] && bounce[2]) {
    const list = `${bounce[1]}@${domain}`;
    return (await isList(list)) ? { kind: 'bounce', list, token: bounce[2] } : null;
  }
  if (!local.includes('+') && (await isList(a))) return { kind: 'post', list: a };

  for (const kind of ['owner', 'request', 'comcheck'] as const) {
    const suffix = `-${kind}`;
    if (local.endsWith(suffix) && local.length > suffix.length) {
      const list = `${local.slice(0, -suffix.length)}@${domain}`;
      if (await isList(list)) return { kind, list };
    }
  }
  return null;
}
