/**
 * Enrollment: decide whether a member's public key may be stored, and store it in a minimal form.
 * Every refusal is a RefusedError whose one line says what is wrong and what to do; openpgp.js
 * messages never reach the administrator, because they name library internals, not the fix.
 */
import * as openpgp from 'openpgp';
import type { AnyPacket, PublicKey, Subkey } from 'openpgp';
import { RefusedError } from '../errors.js';
import { algorithmName, algorithmWeakness } from './algorithms.js';
import { strictConfig } from './config.js';
import { splitKeyInput, userIdEmail, type KeyBlock } from './key-input.js';
import { isoDay, primaryKeyProblem, usableComponent } from './key-state.js';

export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface MemberKeyInfo {
  /** Upper-case hex: 40 digits for v4 keys, 64 for v6. */
  fingerprint: string;
  /** GnuPG-style, primary then encryption key when they differ: 'ed25519/cv25519', 'rsa3072'. */
  algorithm: string;
  created: Date;
  /** When the key stops being usable for the list: the earliest expiry of primary, encryption and signing key. */
  expires: Date | null;
  /** User IDs with a valid, unrevoked self-signature. */
  userIds: string[];
  uidMatches: boolean;
  /** Expires within EXPIRY_WARNING_DAYS of `now`. */
  expiresSoon: boolean;
  /** The public key only: no third-party certifications, no photo IDs. This is what we store. */
  armored: string;
}

export interface InspectOptions {
  email: string;
  expectedFingerprint?: string;
  allowUidMismatch?: boolean;
  now: Date;
}

export function expiresWithinDays(info: Pick<MemberKeyInfo, 'expires'>, now: Date, days: number): boolean {
  return info.expires !== null && info.expires.getTime() - now.getTime() <= days * DAY_MS;
}

export async function inspectMemberKey(input: Uint8Array, opts: InspectOptions): Promise<MemberKeyInfo> {
  const email = opts.email.trim().toLowerCase();
  const expected = opts.expectedFingerprint === undefined ? undefined : normalizeFingerprint(opts.expectedFingerprint);
  const block = selectBlock(await splitKeyInput(input), email);
  refuseOldVersions(block.version);

  const key = await parseKey(block);
  const fingerprint = key.getFingerprint().toUpperCase();
  if (expected !== undefined && expected !== fingerprint) {
    throw new RefusedError(
      `the key's fingerprint is ${fingerprint}, not the expected ${expected}: this is not the key the member confirmed; check with them out of band`,
    );
  }
  const weakPrimary = algorithmWeakness(key.getAlgorithmInfo());
  if (weakPrimary) throw new RefusedError(`the key ${fingerprint} is refused: ${weakPrimary}; the member must create a new key (ed25519 or rsa3072+)`);

  const problem = await primaryKeyProblem(key, opts.now);
  if (problem) throw new RefusedError(`the key ${fingerprint} ${problem.detail}; ${fixFor(problem.kind)}`);

  const enc = await usableComponent(key, 'encrypt', opts.now);
  if (!enc.ok) throw new RefusedError(`the key ${fingerprint} has ${enc.why}; the member must add a valid encryption subkey (or extend it) and send the key again`);
  const sig = await usableComponent(key, 'sign', opts.now);
  if (!sig.ok) throw new RefusedError(`the key ${fingerprint} has ${sig.why}; members must sign their posts, so the key needs a valid signing key`);

  const userIds = await validUserIds(key, opts.now);
  const uidMatches = userIds.some((u) => userIdEmail(u) === email);
  if (!uidMatches && !opts.allowUidMismatch) {
    const has = userIds.length ? userIds.map((u) => `"${printable(u)}"`).join(', ') : 'none';
    throw new RefusedError(
      `the key ${fingerprint} has no valid user ID for ${email} (it has: ${has}); ask for the right key, or override the user-ID check once the member confirmed the fingerprint`,
    );
  }

  const expires = await effectiveExpiry(key, [enc.component, sig.component], opts.now);
  const info = {
    fingerprint,
    algorithm: describePair(key, enc.component),
    created: key.getCreationTime(),
    expires,
    userIds,
    uidMatches,
    armored: minimalArmor(key),
  };
  return { ...info, expiresSoon: expiresWithinDays(info, opts.now, EXPIRY_WARNING_DAYS) };
}

export type KeyUsability = { ok: true } | { ok: false; reason: 'expired' | 'revoked' | 'no-encryption-key' | 'invalid' };

/** Delivery-time check of a stored key: it may have expired (or been revoked) since enrollment. */
export async function checkKeyUsable(armored: string, now: Date): Promise<KeyUsability> {
  let key: PublicKey;
  try {
    key = await openpgp.readKey({ armoredKey: armored, config: strictConfig() });
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  return checkParsedKeyUsable(key, now);
}

/** The same check for a key already parsed (the daemon keeps members' keys parsed). */
export async function checkParsedKeyUsable(key: PublicKey, now: Date): Promise<KeyUsability> {
  if (key.isPrivate()) return { ok: false, reason: 'invalid' };
  const problem = await primaryKeyProblem(key, now);
  if (problem) return { ok: false, reason: problem.kind };
  const enc = await usableComponent(key, 'encrypt', now);
  if (enc.ok) return { ok: true };
  if (enc.kind === 'revoked' || enc.kind === 'expired') return { ok: false, reason: enc.kind };
  return { ok: false, reason: 'no-encryption-key' };
}

/** Usability is re-checked at least this often, even for keys that never expire. */
const RECHECK_MS = 60 * 60 * 1000;

/**
 * Until when a check at `now` that found `key` usable for encryption may be trusted: the earliest
 * expiry of the key and of the subkey it encrypts to, and at most RECHECK_MS. A missing validity
 * answer means "check again now".
 */
export async function usableUntil(key: PublicKey, now: Date): Promise<number> {
  const config = strictConfig();
  let until = now.getTime() + RECHECK_MS;
  const primary = await key.getExpirationTime(undefined, config);
  if (primary === null) return now.getTime();
  if (primary instanceof Date) until = Math.min(until, primary.getTime());
  const enc = await key.getEncryptionKey(undefined, now, undefined, config);
  // A key that encrypts with its primary has no subkey expiry of its own.
  if (!('bindingSignatures' in enc)) return until;
  const sub = await enc.getExpirationTime(now, config);
  if (sub === null) return now.getTime();
  if (sub instanceof Date) until = Math.min(until, sub.getTime());
  return until;
}

function normalizeFingerprint(raw: string): string {
  const hex = raw.replace(/[\s:]/g, '').replace(/^0x/i, '').toUpperCase();
  if (/^[0-9A-F]{16}$/.test(hex) || /^[0-9A-F]{8}$/.test(hex)) {
    throw new RefusedError('the expected fingerprint is a key ID; give the full 40-hex-digit fingerprint (key IDs can be forged)');
  }
  if (!/^([0-9A-F]{40}|[0-9A-F]{64})$/.test(hex)) {
    throw new RefusedError(`the expected fingerprint "${printable(raw)}" is not 40 (or 64) hex digits`);
  }
  return hex;
}

function selectBlock(blocks: KeyBlock[], email: string): KeyBlock {
  const only = blocks[0];
  if (blocks.length === 1 && only) return only;
  const matching = blocks.filter((b) => b.rawUserIds.some((u) => userIdEmail(u) === email));
  const chosen = matching[0];
  if (matching.length === 1 && chosen) return chosen;
  throw new RefusedError(
    `the key file holds ${blocks.length} keys and ${matching.length === 0 ? 'none of them has' : `${matching.length} of them have`} a user ID for ${email}; ` +
      'give exactly one key (gpg --armor --export <fingerprint>)',
  );
}

function refuseOldVersions(version: number): void {
  if (version === 2 || version === 3) {
    throw new RefusedError('the key is a version 3 (PGP 2.x) key, which relies on MD5 and is no longer safe; the member must create a new key');
  }
  if (version === 5) {
    throw new RefusedError('the key is a version 5 (LibrePGP) key, which is not supported; the member should export a v4 key');
  }
  if (version !== 4 && version !== 6) throw new RefusedError(`the key has an unknown key-packet version ${version}`);
}

async function parseKey(block: KeyBlock): Promise<PublicKey> {
  let key: PublicKey;
  try {
    key = await openpgp.readKey({ binaryKey: block.bytes, config: strictConfig() });
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : 'unknown error';
    throw new RefusedError(`the key cannot be parsed (${printable(why ?? '')}); export it again with gpg --armor --export <fingerprint>`);
  }
  // splitKeyInput already refused secret packets; this guards that promise.
  if (key.isPrivate()) throw new RefusedError('the key file contains SECRET key material: it was not stored');
  return key;
}

function fixFor(kind: 'revoked' | 'expired' | 'invalid'): string {
  switch (kind) {
    case 'revoked':
      return 'ask the member for their current key';
    case 'expired':
      return 'the member must extend it (gpg --quick-set-expire <fingerprint> 1y) and send the key again';
    case 'invalid':
      return 'ask the member to export the key again';
  }
}

async function validUserIds(key: PublicKey, now: Date): Promise<string[]> {
  const valid: string[] = [];
  for (const user of key.users) {
    if (!user.userID) continue;
    try {
      await user.verify(now, strictConfig());
      valid.push(user.userID.userID);
    } catch {
      // Revoked or not self-signed: not a user ID the key holder stands behind.
    }
  }
  return valid;
}

async function effectiveExpiry(key: PublicKey, components: readonly (PublicKey | Subkey)[], now: Date): Promise<Date | null> {
  const config = strictConfig();
  const times: (Date | number | null)[] = [await key.getExpirationTime(undefined, config)];
  for (const c of components) {
    if (c !== key && 'mainKey' in c) times.push(await c.getExpirationTime(now, config));
  }
  const dates = times.filter((t): t is Date => t instanceof Date);
  if (dates.length === 0) return null;
  return new Date(Math.min(...dates.map((d) => d.getTime())));
}

function describePair(key: PublicKey, enc: PublicKey | Subkey): string {
  const primary = algorithmName(key.getAlgorithmInfo());
  const sub = algorithmName(enc.getAlgorithmInfo());
  return primary === sub ? primary : `${primary}/${sub}`;
}

const CERTIFICATIONS = new Set<number>([
  openpgp.enums.signature.certGeneric,
  openpgp.enums.signature.certPersona,
  openpgp.enums.signature.certCasual,
  openpgp.enums.signature.certPositive,
  openpgp.enums.signature.certRevocation,
]);

/**
 * The key as we store it: third-party certifications and photo IDs dropped (they are large, reveal
 * the member's social graph, and play no part in our checks), everything self-signed kept.
 */
function minimalArmor(key: PublicKey): string {
  const primaryId = key.getKeyID();
  const kept = new openpgp.PacketList<AnyPacket>();
  let inUserAttribute = false;
  for (const packet of key.toPublic().toPacketList()) {
    if (packet instanceof openpgp.UserAttributePacket) {
      inUserAttribute = true;
      continue;
    }
    if (packet instanceof openpgp.UserIDPacket || packet instanceof openpgp.PublicSubkeyPacket) inUserAttribute = false;
    if (inUserAttribute) continue;
    if (
      packet instanceof openpgp.SignaturePacket &&
      packet.signatureType !== null &&
      CERTIFICATIONS.has(packet.signatureType) &&
      !packet.issuerKeyID.equals(primaryId)
    ) {
      continue;
    }
    kept.push(packet);
  }
  return new openpgp.PublicKey(kept).armor(strictConfig());
}

function printable(s: string): string {
  // One line, no terminal or bidi control characters; other Unicode (names) stays readable.
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?').slice(0, 120);
}
