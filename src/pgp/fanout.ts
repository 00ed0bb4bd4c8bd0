/**
 * Sign once, encrypt many (design.md). The list signs the inner MIME entity once and encrypts it
 * once under a fresh AES-256 session key (SEIPD v1, what GnuPG 2.2 reads); each member's copy is
 * that same encrypted packet preceded by one PKESK wrapping the session key to the member's key.
 * A copy therefore costs one public-key operation.
 *
 * The session key is also wrapped to the list's own key (listPkesk), so the spool holds only
 * ciphertext and a worker restarted after a crash can recover the key and finish the fan-out.
 */
import { randomBytes } from 'node:crypto';
import * as openpgp from 'openpgp';
import type { PrivateKey, PublicKey, SessionKey, SignaturePacket } from 'openpgp';
import { BodyArmorer } from './armor-writer.js';
import { strictConfig } from './config.js';
import { usableUntil } from './key-check.js';
import { nativeRecipient, type NativeRecipient } from './native-wrap.js';
import { scanPackets, Tag } from './packets.js';
import { inlineWrapper, type Wrapper } from './wrap-threads.js';

export interface SealedForList {
  /** In memory only; never store it unwrapped. */
  sessionKey: SessionKey;
  /** One SEIPD v1 packet holding one-pass signature, literal data, signature (RFC 3156 §6.2 combined form). */
  body: Uint8Array;
  /** The session key wrapped to the list's own encryption key (one PKESK packet). */
  listPkesk: Uint8Array;
  /** e.g. 'pgp-sha512': the hash of the list's signature, for a multipart/signed rendering. */
  micalg: string;
}

export async function sealForList(input: { inner: Uint8Array; listKey: PrivateKey; now?: Date }): Promise<SealedForList> {
  const date = input.now ?? new Date();
  const config = strictConfig();
  // Chosen here rather than by generateSessionKey, which would follow key preferences: every
  // OpenPGP implementation in use reads AES-256, and no AEAD means SEIPD v1 for GnuPG 2.2.
  const sessionKey: SessionKey = { data: new Uint8Array(randomBytes(32)), algorithm: 'aes256' };
  const literal = await openpgp.createMessage({ binary: input.inner, format: 'binary', date });
  // Signed separately first so that the signature packet (and its hash) can be inspected.
  const signed = await openpgp.sign({ message: literal, signingKeys: input.listKey, format: 'object', date, config });
  const signature = signed.packets.find((p): p is SignaturePacket => p instanceof openpgp.SignaturePacket);
  if (!signature || signature.hashAlgorithm === null) throw new Error('signing produced no signature packet');
  const micalg = `pgp-${openpgp.enums.read(openpgp.enums.hash, signature.hashAlgorithm).toLowerCase()}`;
  // No encryption keys: the output is the encrypted data packet alone.
  const body = await openpgp.encrypt({ message: signed, sessionKey, format: 'binary', date, config });
  assertSinglePacket(body, Tag.seipd, 'sealed body');
  const listPkesk = await wrapForRecipient(sessionKey, input.listKey.toPublic(), date);
  return { sessionKey, body, listPkesk, micalg };
}

/** After a crash: unwrap the session key stored with the spooled body. */
export async function recoverSessionKey(input: { listPkesk: Uint8Array; listKey: PrivateKey }): Promise<SessionKey> {
  assertSinglePacket(input.listPkesk, Tag.pkesk, 'list PKESK');
  const config = strictConfig();
  const message = await openpgp.readMessage({ binaryMessage: input.listPkesk, config });
  const keys = await openpgp.decryptSessionKeys({ message, decryptionKeys: input.listKey, config });
  const key = keys[0];
  if (keys.length !== 1 || !key || key.algorithm !== 'aes256' || key.data.length !== 32) {
    throw new Error('the stored session key does not unwrap to one AES-256 key');
  }
  return { data: key.data, algorithm: 'aes256' };
}

/**
 * One PKESK packet: the session key wrapped to `recipientKey`'s current encryption subkey. Throws
 * if the key has none usable at `now` (expired, revoked, weak): never a plaintext fall-back.
 * Reuse the same PublicKey object across messages: openpgp.js caches its self-signature checks.
 * `wrapper` does the arithmetic for Curve25519 keys (the daemon's wrap threads; inline otherwise).
 */
export async function wrapForRecipient(
  sessionKey: SessionKey,
  recipientKey: PublicKey,
  now: Date = new Date(),
  wrapper: Wrapper = inlineWrapper,
): Promise<Uint8Array> {
  if (sessionKey.aeadAlgorithm) throw new Error('AEAD session keys would need SEIPD v2, which GnuPG 2.2 cannot read');
  const native = await nativeRecipientFor(recipientKey, now);
  if (native) return wrapper.wrap(native, sessionKey.data, sessionKey.algorithm);
  return openpgp.encryptSessionKey({
    data: sessionKey.data,
    algorithm: sessionKey.algorithm,
    encryptionKeys: recipientKey,
    format: 'binary',
    date: now,
    config: strictConfig(),
  });
}

/** Which subkey a key encrypts to is settled by openpgp.js (validity, expiry, revocation, our
 * algorithm policy); the native path only takes over the arithmetic. The choice is remembered until
 * that subkey or the key could expire, and at most an hour (usableUntil). */
const nativeRecipients = new WeakMap<PublicKey, { from: number; until: number; recipient: NativeRecipient | null }>();

async function nativeRecipientFor(key: PublicKey, now: Date): Promise<NativeRecipient | null> {
  const t = now.getTime();
  const hit = nativeRecipients.get(key);
  if (hit && t >= hit.from && t < hit.until) return hit.recipient;
  const config = strictConfig();
  // Throws for a key with no usable encryption subkey at `now`: never a plaintext fall-back.
  const enc = await key.getEncryptionKey(undefined, now, undefined, config);
  const recipient = enc.keyPacket.version === 4 ? nativeRecipient(enc.keyPacket.write()) : null;
  nativeRecipients.set(key, { from: t, until: await usableUntil(key, now), recipient });
  return recipient;
}

/** The shared body's armor work, done once per body (the same Uint8Array object) and dropped with it. */
const armorers = new WeakMap<Uint8Array, BodyArmorer>();

/**
 * A complete armored OpenPGP message: the recipient's PKESK followed by the shared body. The body
 * must not be modified after its first use here (its armor is cached).
 */
export function assembleArmored(pkesk: Uint8Array, body: Uint8Array): string {
  return armorerFor(pkesk, body).armor(pkesk);
}

/**
 * The same armored message with CRLF line ends, as parts: the recipient's head, the body's
 * base64 (one Buffer shared by every copy of the message) and the footer. See BodyArmorer.
 */
export function assembleArmoredParts(pkesk: Uint8Array, body: Uint8Array): Buffer[] {
  return armorerFor(pkesk, body).armorParts(pkesk);
}

function armorerFor(pkesk: Uint8Array, body: Uint8Array): BodyArmorer {
  const packets = scanPackets(pkesk);
  if (packets.length === 0 || !packets.every((p) => p.tag === Tag.pkesk)) throw new Error('assembleArmored: first argument must be PKESK packets');
  assertSinglePacket(body, Tag.seipd, 'sealed body');
  let armorer = armorers.get(body);
  if (!armorer) {
    armorer = new BodyArmorer(body);
    armorers.set(body, armorer);
  }
  return armorer;
}

function assertSinglePacket(bytes: Uint8Array, tag: number, what: string): void {
  const packets = scanPackets(bytes, 1);
  if (packets.length !== 1 || packets[0]?.tag !== tag) throw new Error(`${what} is not a single packet of type ${tag}`);
}
