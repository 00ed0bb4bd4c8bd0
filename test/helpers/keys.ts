import * as openpgp from 'openpgp';
import type { PrivateKey, PublicKey } from 'openpgp';

export interface TestMember {
  email: string;
  name: string;
  key: PrivateKey;
  publicKey: PublicKey;
  armoredPublic: string;
  fingerprint: string;
}

/** A member with a fresh v4 Ed25519/Cv25519 key, unprotected (test only). */
export async function makeMember(email: string, name = email.split('@')[0] ?? email, opts: { expiresInSeconds?: number; date?: Date } = {}): Promise<TestMember> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name, email }],
    format: 'armored',
    ...(opts.expiresInSeconds ? { keyExpirationTime: opts.expiresInSeconds } : {}),
    ...(opts.date ? { date: opts.date } : {}),
  });
  const key = await openpgp.readPrivateKey({ armoredKey: privateKey });
  const pub = await openpgp.readKey({ armoredKey: publicKey });
  return { email, name, key, publicKey: pub, armoredPublic: publicKey, fingerprint: pub.getFingerprint().toUpperCase() };
}

export async function readPublic(armored: string): Promise<PublicKey> {
  return openpgp.readKey({ armoredKey: armored });
}

/** Decrypt a copy as its member would, and report who signed it. */
export async function decryptCopy(
  armored: string,
  member: PrivateKey,
  listKey: PublicKey,
  /** Verify as of this time (the daemon's ManualClock may be ahead of the real one). */
  date?: Date,
): Promise<{ data: Uint8Array; signedByList: boolean }> {
  const message = await openpgp.readMessage({ armoredMessage: armored });
  const { data, signatures } = await openpgp.decrypt({
    message,
    decryptionKeys: member,
    verificationKeys: listKey,
    format: 'binary',
    ...(date ? { date } : {}),
  });
  let signedByList = false;
  for (const s of signatures) {
    try {
      await s.verified;
      signedByList = true;
    } catch {
      signedByList = false;
    }
  }
  return { data, signedByList };
}
