import { MimeError } from './errors.js';

/** Injected randomness (crypto.randomBytes in the daemon, a seeded function in tests), so builders stay pure. */
export type RandomSource = (bytes: number) => Uint8Array;

export function randomHex(random: RandomSource, bytes: number): string {
  const r = random(bytes);
  if (r.length !== bytes) throw new MimeError('unsafe-value', 'random source returned the wrong number of bytes');
  return Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('hex');
}

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** `<32 hex digits@hostname>`: 128 random bits, so ids never collide and reveal nothing about the content or the time. */
export function newMessageId(hostname: string, random: RandomSource): string {
  if (!HOSTNAME.test(hostname) || hostname.length > 200) throw new MimeError('unsafe-value', 'hostname is not valid for a Message-ID');
  return `<${randomHex(random, 16)}@${hostname.toLowerCase()}>`;
}

/** A multipart boundary: never occurs in armor or base64 (it contains "_" and ".") and is quoted where used. */
export function newBoundary(random: RandomSource): string {
  return `=_csirt.${randomHex(random, 16)}`;
}
