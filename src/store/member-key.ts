import type { MemberKeyInfo } from '../pgp/key-check.js';
import type { MemberRecord } from './records.js';

/** The fields of a member record that follow from their enrolled key (add, update-key, key by mail). */
export type MemberKeyFields = Pick<
  MemberRecord,
  'fingerprint' | 'publicKey' | 'keyAlgorithm' | 'keyCreated' | 'keyExpires' | 'allowUidMismatch' | 'keyUpdatedAt'
>;

export function memberKeyFields(info: MemberKeyInfo, at: Date): MemberKeyFields {
  return {
    fingerprint: info.fingerprint,
    publicKey: info.armored,
    keyAlgorithm: info.algorithm,
    keyCreated: info.created.toISOString(),
    keyExpires: info.expires ? info.expires.toISOString() : null,
    allowUidMismatch: !info.uidMatches,
    keyUpdatedAt: at.toISOString(),
  };
}
