/**
 * Wrapping a session key for a Curve25519 (legacy ECDH, RFC 6637 + RFC 4880bis) recipient with
 * node:crypto directly. This is the one public-key operation per copy (design.md "sign once,
 * encrypt many"); openpgp.js does the same through WebCrypto promises at about a tenth of the
 * speed. The output is a standard v3 PKESK packet: GnuPG, Sequoia and openpgp.js read it (tested in
 * test/unit/pgp/native-wrap.test.ts and the GnuPG/Sequoia end-to-end tests). Keys of any other
 * kind are wrapped by openpgp.js (fanout.ts falls back); nothing here ever yields plaintext.
 */
import crypto from 'node:crypto';
import { concatBytes } from './bytes.js';

/** OID 1.3.6.1.4.1.3029.1.5.1 (Curve25519 in its legacy OpenPGP encoding). */
const CURVE25519_OID = Buffer.from('2b060104019755010501', 'hex');
const ALGO_ECDH = 18;
const HASHES: Record<number, string> = { 8: 'sha256', 9: 'sha384', 10: 'sha512' };
const KEK_BYTES: Record<number, number> = { 7: 16, 8: 24, 9: 32 };
const SESSION_ALGOS: Record<string, number> = { aes128: 7, aes192: 8, aes256: 9 };
const AES_KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');
/** SubjectPublicKeyInfo DER up to the key: SEQUENCE, AlgorithmIdentifier (1.3.101.110), BIT STRING. */
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');
/** The Curve25519 base point, u = 9. */
const X25519_BASE = crypto.createPublicKey({ key: Buffer.concat([X25519_SPKI, Buffer.from([9]), Buffer.alloc(31)]), format: 'der', type: 'spki' });

/** What one recipient's encryption subkey needs for every wrap, computed once. */
export interface NativeRecipient {
  keyId: Uint8Array;
  /** The 32-byte u-coordinate (what a wrap thread gets instead of the KeyObject). */
  point: Uint8Array;
  publicKey: crypto.KeyObject;
  /** RFC 6637 §8 KDF parameter: curve OID, algorithm, KDF params, "Anonymous Sender    ", fingerprint. */
  param: Uint8Array;
  hash: string;
  kekBytes: number;
}

/**
 * Reads a v4 public (sub)key packet body; returns null for anything but ECDH over Curve25519
 * with a KDF we know (those go through openpgp.js).
 */
export function nativeRecipient(packetBody: Uint8Array): NativeRecipient | null {
  const b = Buffer.from(packetBody.buffer, packetBody.byteOffset, packetBody.byteLength);
  if (b.length < 8 || b[0] !== 4 || b[5] !== ALGO_ECDH) return null;
  let o = 6;
  const oidLen = b[o] ?? 0;
  const oid = b.subarray(o + 1, o + 1 + oidLen);
  if (!oid.equals(CURVE25519_OID)) return null;
  o += 1 + oidLen;
  const bits = b.readUInt16BE(o);
  const qLen = (bits + 7) >> 3;
  const q = b.subarray(o + 2, o + 2 + qLen);
  o += 2 + qLen;
  // Native point format: 0x40 followed by the 32-byte u-coordinate.
  if (q.length !== 33 || q[0] !== 0x40) return null;
  const kdf = b.subarray(o, o + 4);
  if (kdf.length !== 4 || kdf[0] !== 3 || kdf[1] !== 1) return null;
  const hash = HASHES[kdf[2] ?? 0];
  const kekBytes = KEK_BYTES[kdf[3] ?? 0];
  if (!hash || !kekBytes) return null;
  if (o + 4 !== b.length) return null;

  const header = Buffer.alloc(3);
  header[0] = 0x99;
  header.writeUInt16BE(b.length, 1);
  const fingerprint = crypto.createHash('sha1').update(header).update(b).digest();
  const point = q.subarray(1);
  const publicKey = x25519PublicKey(point);
  const param = Buffer.concat([
    Buffer.from([oidLen]),
    oid,
    Buffer.from([ALGO_ECDH]),
    kdf,
    Buffer.from('Anonymous Sender    ', 'latin1'),
    fingerprint,
  ]);
  // Each in a store of its own (concatBytes): small Buffers share 8 KiB pool slabs, and a
  // structured clone (to a wrap thread) copies a view's whole backing store.
  const own = (b: Uint8Array): Uint8Array => concatBytes([b]);
  return { keyId: own(fingerprint.subarray(12)), point: own(point), publicKey, param: own(param), hash, kekBytes };
}

/** Made once per recipient and cached, so the slower DER import (OpenSSL decoders) does not matter. */
export function x25519PublicKey(point: Uint8Array): crypto.KeyObject {
  if (point.length !== 32) throw new Error('an X25519 public key is 32 octets');
  return crypto.createPublicKey({ key: Buffer.concat([X25519_SPKI, point]), format: 'der', type: 'spki' });
}

/** One v3 PKESK packet wrapping `sessionKey` (an AES key) for the recipient. */
export function nativeWrap(r: NativeRecipient, sessionKey: Uint8Array, algorithm: string): Uint8Array {
  const algoId = SESSION_ALGOS[algorithm];
  if (algoId === undefined) throw new Error(`session-key algorithm ${algorithm} is not wrapped natively`);
  // m = algorithm || key || checksum (sum of the key octets mod 65536), then PKCS#5 padding to 8.
  let sum = 0;
  for (const x of sessionKey) sum = (sum + x) & 0xffff;
  const plain = Buffer.concat([Buffer.from([algoId]), sessionKey, Buffer.from([sum >> 8, sum & 0xff])]);
  const pad = 8 - (plain.length % 8);
  const m = Buffer.concat([plain, Buffer.alloc(pad, pad)]);

  const eph = crypto.generateKeyPairSync('x25519');
  const shared = crypto.diffieHellman({ privateKey: eph.privateKey, publicKey: r.publicKey });
  // The ephemeral public key is X25519(k, 9): an agreement with the base point. Not export(): JWK
  // export of a freshly generated key can deadlock in Node 20 (it holds the key's lock while
  // allocating; a GC then runs the finished key-generation job's destructor, which takes the same
  // lock; seen here about once in ten runs of 5,000 wraps), and DER export goes through OpenSSL's
  // encoders at half the speed of a second agreement.
  const ephPub = crypto.diffieHellman({ privateKey: eph.privateKey, publicKey: X25519_BASE });
  const kek = crypto
    .createHash(r.hash)
    .update(Buffer.from([0, 0, 0, 1]))
    .update(shared)
    .update(r.param)
    .digest()
    .subarray(0, r.kekBytes);
  const cipher = crypto.createCipheriv(`id-aes${r.kekBytes * 8}-wrap`, kek, AES_KW_IV);
  const wrapped = Buffer.concat([cipher.update(m), cipher.final()]);

  // v3 PKESK: version, key ID, algorithm, MPI of the ephemeral point (0x40 || u: 263 bits),
  // then the wrapped key with a one-octet length.
  const body = Buffer.concat([
    Buffer.from([3]),
    r.keyId,
    Buffer.from([ALGO_ECDH, 0x01, 0x07, 0x40]),
    ephPub,
    Buffer.from([wrapped.length]),
    wrapped,
  ]);
  // New-format packet header, tag 1; these bodies are always under 192 octets.
  return Buffer.concat([Buffer.from([0xc1, body.length]), body]);
}
