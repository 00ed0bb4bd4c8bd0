/**
 * The list's own key: generated once, stored passphrase-protected in a 0600 file, unlocked into
 * memory at start-up. The passphrase is never put into an error message or a log line.
 */
import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import type { PrivateKey } from 'openpgp';
import { RefusedError } from '../errors.js';
import { strictConfig } from './config.js';
import { assertPrivateFileMode } from './secret-file.js';

export { assertPrivateFileMode, writePrivateFile, writeSecretKeyFile } from './secret-file.js';

export interface GenerateListKeyInput {
  name: string;
  address: string;
  passphrase: string;
  /** Further addresses the key should carry a user ID for (the list's service addresses), so mail
   * clients find the list key when a member replies to a com-check or writes to -request. */
  aliases?: readonly string[];
  /** Creation time of the key and its self-signatures. */
  now?: Date;
}

export interface GeneratedListKey {
  /** Encrypted with the passphrase (iterated+salted S2K, AES-256 CFB: what GnuPG 2.2 reads). */
  armoredSecret: string;
  armoredPublic: string;
  fingerprint: string;
}

/**
 * A v4 key: Ed25519 (legacy) primary for certify+sign and a Cv25519 ECDH encryption subkey, no
 * expiry. This is openpgp.js's default with v6Keys off, and what GnuPG 2.2, Sequoia and every
 * Autocrypt client read (standards §3).
 */
export async function generateListKey(input: GenerateListKeyInput): Promise<GeneratedListKey> {
  const name = input.name.trim();
  const address = input.address.trim();
  if (!name || /[<>()\u0000-\u001f\u007f]/.test(name)) {
    throw new RefusedError('the list name must be non-empty and contain no <, >, parentheses or control characters');
  }
  if (!/^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/.test(address)) {
    throw new RefusedError(`the list address "${address.slice(0, 100)}" is not an e-mail address`);
  }
  if (input.passphrase.length === 0) throw new RefusedError('the list key passphrase must not be empty');
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name, email: address }, ...(input.aliases ?? []).map((email) => ({ name, email }))],
    passphrase: input.passphrase,
    keyExpirationTime: 0,
    date: input.now ?? new Date(),
    format: 'object',
    config: strictConfig(),
  });
  const config = strictConfig();
  return {
    armoredSecret: privateKey.armor(config),
    armoredPublic: publicKey.armor(config),
    fingerprint: publicKey.getFingerprint().toUpperCase(),
  };
}

/** Reads and unlocks the list key. The returned key holds decrypted secret material: keep it in memory only. */
export async function loadListKey(path: string, passphrase: string): Promise<PrivateKey> {
  await assertPrivateFileMode(path);
  const armored = await readFile(path, 'utf8');
  let locked: PrivateKey;
  try {
    locked = await openpgp.readPrivateKey({ armoredKey: armored, config: strictConfig() });
  } catch {
    throw new RefusedError(`${path} does not hold an armored OpenPGP private key`);
  }
  if (locked.getKeys().some((k) => k.isDecrypted())) {
    throw new RefusedError(`${path} holds a secret key that is not protected by a passphrase; re-create it with a passphrase`);
  }
  let key: PrivateKey;
  try {
    key = await openpgp.decryptKey({ privateKey: locked, passphrase, config: strictConfig() });
  } catch {
    // Deliberately no detail from the library: nothing about the attempt should reach a log.
    throw new RefusedError(`cannot unlock the list key in ${path}: wrong passphrase`);
  }
  try {
    // date null: check structure (signing and encryption capability), not the wall clock.
    await key.getSigningKey(undefined, null, undefined, strictConfig());
    await key.getEncryptionKey(undefined, null, undefined, strictConfig());
  } catch {
    throw new RefusedError(`the key in ${path} cannot both sign and decrypt; it is not a usable list key`);
  }
  return key;
}
