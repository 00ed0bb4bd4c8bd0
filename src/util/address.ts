/**
 * E-mail addresses as administrators type them and as envelopes carry them. We compare addresses
 * case-insensitively (every real mail system does), so they are stored lower-cased.
 */
const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*$/;

export function normalizeAddress(input: string): string | null {
  const a = input.trim().toLowerCase();
  if (a.length > 254) return null;
  const at = a.lastIndexOf('@');
  if (at <= 0 || at === a.length - 1) return null;
  const local = a.slice(0, at);
  const domain = a.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local) || !DOMAIN.test(domain)) return null;
  return a;
}

export function splitAddress(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf('@');
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** The service addresses a list answers besides its posting address. */
export const SERVICE_SUFFIXES = ['owner', 'request', 'comcheck', 'bounces'] as const;
export type ServiceSuffix = (typeof SERVICE_SUFFIXES)[number];

export function serviceAddress(list: string, suffix: ServiceSuffix): string {
  const { local, domain } = splitAddress(list);
  return `${local}-${suffix}@${domain}`;
}
