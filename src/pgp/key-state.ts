/**
 * Why a key or one of its subkeys is unusable at a given date, in words we can show an
 * administrator. openpgp.js answers these questions only by throwing ("Primary key is expired"),
 * so we ask the narrower questions ourselves rather than parse its error messages.
 */
import type { Key, PublicKey, Subkey } from 'openpgp';
import * as openpgp from 'openpgp';
import { algorithmBlindConfig, strictConfig } from './config.js';
import { algorithmName, algorithmWeakness } from './algorithms.js';

export type KeyProblemKind = 'revoked' | 'expired' | 'invalid';

export interface KeyProblem {
  kind: KeyProblemKind;
  /** A phrase that completes "the key ...", e.g. "expired on 2025-01-01". */
  detail: string;
}

export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The primary key and its self-signatures at `date`: revoked, expired, or not validly self-signed. */
export async function primaryKeyProblem(key: Key, date: Date): Promise<KeyProblem | null> {
  const config = strictConfig();
  if (await key.isRevoked(undefined, undefined, date, config)) {
    return { kind: 'revoked', detail: `was revoked by its owner${revocationReason(key)}` };
  }
  try {
    await key.verifyPrimaryKey(date, undefined, config);
    return null;
  } catch {
    // Fall through to find out why.
  }
  if (key.getCreationTime() > date) {
    return { kind: 'invalid', detail: `has a creation time in the future (${key.getCreationTime().toISOString()}): check the clock of the machine that made it` };
  }
  const expires = await key.getExpirationTime(undefined, config);
  if (expires instanceof Date && expires <= date) {
    return { kind: 'expired', detail: `expired on ${isoDay(expires)}` };
  }
  if (await everyUserIdRevoked(key, date)) {
    return { kind: 'revoked', detail: 'has all its user IDs revoked' };
  }
  if (namesDesignatedRevoker(key)) {
    return { kind: 'invalid', detail: 'names a designated revoker, which this software cannot honour' };
  }
  return { kind: 'invalid', detail: 'has no valid self-signature (it is damaged or was tampered with)' };
}

/** A subkey's binding at `date`, assuming the primary key is fine. */
export async function subkeyProblem(subkey: Subkey, date: Date): Promise<KeyProblem | null> {
  const config = strictConfig();
  try {
    await subkey.verify(date, config);
    return null;
  } catch {
    // Fall through to find out why.
  }
  for (const binding of subkey.bindingSignatures) {
    if (await subkey.isRevoked(binding, subkey.mainKey.keyPacket, date, config)) {
      return { kind: 'revoked', detail: 'was revoked' };
    }
  }
  const expires = await subkey.getExpirationTime(date, config);
  if (expires instanceof Date && expires <= date) {
    return { kind: 'expired', detail: `expired on ${isoDay(expires)}` };
  }
  return { kind: 'invalid', detail: 'has no valid binding signature' };
}

export type Usage = 'encrypt' | 'sign';

const USAGE_FLAGS: Record<Usage, number> = {
  encrypt: openpgp.enums.keyFlags.encryptCommunication | openpgp.enums.keyFlags.encryptStorage,
  sign: openpgp.enums.keyFlags.signData,
};

/**
 * The component openpgp.js will actually use for `usage` at `date` under our strict policy, or a
 * phrase explaining why there is none (completing "it has ...", e.g. "no encryption subkey").
 * Assumes primaryKeyProblem() returned null.
 */
export async function usableComponent(
  key: PublicKey,
  usage: Usage,
  date: Date,
): Promise<{ ok: true; component: Key | Subkey } | { ok: false; kind: KeyProblemKind | 'missing' | 'weak'; why: string }> {
  const pick = (config: openpgp.Config): Promise<Key | Subkey> =>
    usage === 'encrypt'
      ? key.getEncryptionKey(undefined, date, undefined, config)
      : key.getSigningKey(undefined, date, undefined, config);
  try {
    return { ok: true, component: await pick(strictConfig()) };
  } catch {
    // Explain below.
  }
  const noun = usage === 'encrypt' ? 'encryption' : 'signing';
  try {
    const weak = await pick(algorithmBlindConfig());
    const info = weak.getAlgorithmInfo();
    return { ok: false, kind: 'weak', why: `only a weak ${noun} key (${algorithmName(info)}): ${algorithmWeakness(info) ?? 'refused by policy'}` };
  } catch {
    // Not an algorithm problem either.
  }
  const flag = USAGE_FLAGS[usage];
  const capable = key.subkeys.filter((s) => s.bindingSignatures.some((b) => ((b.keyFlags?.[0] ?? 0) & flag) !== 0));
  for (const kind of ['revoked', 'expired', 'invalid'] as const) {
    for (const subkey of capable) {
      const problem = await subkeyProblem(subkey, date);
      if (problem?.kind === kind) return { ok: false, kind, why: `only ${usage === 'encrypt' ? 'an' : 'a'} ${noun} subkey that ${problem.detail}` };
    }
  }
  const what = usage === 'encrypt'
    ? 'no encryption subkey'
    : 'no signing-capable key (its primary key may only certify and no valid signing subkey exists)';
  return { ok: false, kind: 'missing', why: what };
}

function revocationReason(key: Key): string {
  const reason = key.revocationSignatures.find((s) => s.reasonForRevocationString)?.reasonForRevocationString;
  return reason ? ` (reason given: "${reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 80)}")` : '';
}

async function everyUserIdRevoked(key: Key, date: Date): Promise<boolean> {
  const users = key.users.filter((u) => u.userID !== null);
  if (users.length === 0 || users.every((u) => u.revocationSignatures.length === 0)) return false;
  for (const user of users) {
    try {
      await user.verify(date, strictConfig());
      return false;
    } catch {
      // This one is unusable; keep looking.
    }
  }
  return true;
}

function namesDesignatedRevoker(key: Key): boolean {
  return key.users.some((u) => u.selfCertifications.some((s) => s.revocationKeyClass !== null));
}
