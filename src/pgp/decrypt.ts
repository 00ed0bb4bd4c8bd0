/**
 * Inbound: from the bytes a member sent to plaintext plus signature reports, or a PgpError.
 *
 * The packet sequence is checked before openpgp.js parses anything (standards §11): only PKESK
 * packets, at most maxPkesk of them, then exactly one SEIPD (v1 or v2). Everything else (password
 * encryption, unauthenticated SED, LibrePGP OCB, bare literal/compressed/signed data, trailing
 * packets) is refused up front, so openpgp.js never decompresses or tries keys for hostile input.
 */
import * as openpgp from 'openpgp';
import type { PrivateKey, SignaturePacket } from 'openpgp';
import { bytesToText, dearmorAll, isBinaryOpenPgp } from './armor.js';
import { concatBytes, toHex } from './bytes.js';
import { strictConfig } from './config.js';
import { PgpError } from './errors.js';
import { PacketFormatError, scanPackets, Tag, type RawPacket } from './packets.js';
import { verifySignaturePackets, type SignatureReport, type VerificationCandidate } from './verify.js';

export { verifyCleartext, verifyDetached, verifyInlineSignatures } from './verify.js';
export type { SignatureReport, SignatureStatus, VerificationCandidate } from './verify.js';

export const DEFAULT_MAX_PKESK = 8;

export interface DecryptForListInput {
  /** What arrived: armored ("BEGIN PGP MESSAGE") or binary. */
  message: Uint8Array;
  listKey: PrivateKey;
  /** Cap on decompressed size: a small multiple of the SMTP size limit. */
  maxDecompressedBytes: number;
  maxPkesk?: number;
  /** Keys to check inline signatures against; without them every signature is 'unknown-key'. */
  candidates?: readonly VerificationCandidate[];
  now: Date;
}

export interface DecryptedForList {
  /** The literal data, byte-exact (format 'binary': CRLF preserved). */
  data: Uint8Array;
  /** One report per inline (RFC 3156 §6.2) signature. Empty: check for §6.1 inside the MIME. */
  signatures: SignatureReport[];
  /** Those signatures as binary packets, to re-check with other candidates (verifyInlineSignatures). */
  signaturePackets: Uint8Array;
}

export async function decryptForList(input: DecryptForListInput): Promise<DecryptedForList> {
  const maxPkesk = input.maxPkesk ?? DEFAULT_MAX_PKESK;
  if (!Number.isSafeInteger(input.maxDecompressedBytes) || input.maxDecompressedBytes <= 0) {
    throw new Error('maxDecompressedBytes must be a positive integer');
  }
  const binary = await messageBytes(input.message);
  const packets = scan(binary, maxPkesk);
  checkSequence(packets, maxPkesk);
  checkAddressedTo(packets, input.listKey);

  const config = strictConfig({ maxDecompressedMessageSize: input.maxDecompressedBytes });
  let message: openpgp.Message<Uint8Array>;
  try {
    message = await openpgp.readMessage({ binaryMessage: binary, config });
  } catch (err) {
    throw new PgpError('malformed', 'the OpenPGP message cannot be parsed', { cause: err });
  }
  let result: Awaited<ReturnType<typeof decryptBinary>>;
  try {
    result = await decryptBinary(message, input.listKey, config);
  } catch (err) {
    throw classifyDecryptError(err);
  }
  // No verificationKeys were given, so each entry's `verified` rejects ("could not find signing
  // key"); openpgp marks those rejections handled. We take only the packets and verify them
  // ourselves below, awaiting every result there.
  const sigPackets: SignaturePacket[] = [];
  for (const entry of result.signatures) sigPackets.push(...(await entry.signature).packets);
  const signatures = await verifySignaturePackets(sigPackets, { kind: 'binary', bytes: result.data }, {
    candidates: input.candidates ?? [],
    now: input.now,
  });
  return { data: result.data, signatures, signaturePackets: writeSignatures(sigPackets) };
}

async function decryptBinary(message: openpgp.Message<Uint8Array>, listKey: PrivateKey, config: openpgp.Config) {
  const result = await openpgp.decrypt({ message, decryptionKeys: listKey, format: 'binary', config });
  if (!(result.data instanceof Uint8Array)) throw new Error('decrypt returned a stream');
  return { data: result.data, signatures: result.signatures };
}

async function messageBytes(input: Uint8Array): Promise<Uint8Array> {
  if (input.length === 0) throw new PgpError('not-encrypted', 'the message is empty');
  if (isBinaryOpenPgp(input)) return input;
  let blocks;
  try {
    blocks = await dearmorAll(bytesToText(input));
  } catch (err) {
    throw new PgpError('malformed', 'the PGP armor is damaged (bad base64 or checksum)', { cause: err });
  }
  const [block, ...rest] = blocks;
  if (!block) throw new PgpError('not-encrypted', 'the message is not OpenPGP-encrypted');
  if (rest.length > 0) throw new PgpError('malformed', 'the body holds more than one PGP block');
  if (block.type !== 'MESSAGE') throw new PgpError('not-encrypted', `the body holds a PGP ${block.type}, not an encrypted message`);
  return block.bytes;
}

function scan(binary: Uint8Array, maxPkesk: number): RawPacket[] {
  try {
    // PKESKs plus one data packet; anything longer is refused without walking it further.
    return scanPackets(binary, maxPkesk + 1);
  } catch (err) {
    if (err instanceof PacketFormatError && err.reason === 'limit') {
      throw new PgpError('too-large', `the message is encrypted to more than ${maxPkesk} recipients (or has trailing packets)`);
    }
    throw new PgpError('malformed', 'the OpenPGP packet structure is damaged', { cause: err });
  }
}

function checkSequence(packets: readonly RawPacket[], maxPkesk: number): void {
  let pkesks = 0;
  while (packets[pkesks]?.tag === Tag.pkesk) pkesks++;
  const data = packets[pkesks];
  if (!data) throw new PgpError('malformed', 'the message has session-key packets but no encrypted data');
  switch (data.tag) {
    case Tag.seipd:
      if (data.firstOctet !== 1 && data.firstOctet !== 2) throw new PgpError('malformed', `unknown encrypted-data packet version ${data.firstOctet ?? 'none'}`);
      break;
    case Tag.skesk:
      throw new PgpError('not-for-list', "the message is password-encrypted; encrypt it to the list's key instead");
    case Tag.sed:
      throw new PgpError('decrypt-failed', 'the message uses obsolete encryption without integrity protection; use a current OpenPGP client');
    case Tag.aead:
      throw new PgpError('decrypt-failed', 'the message uses LibrePGP OCB encryption, which is not supported; use a standard (SEIPD) encrypted message');
    case Tag.literal:
    case Tag.compressed:
    case Tag.signature:
    case Tag.onePassSignature:
      throw new PgpError('not-encrypted', 'the message is not encrypted (signed or plain OpenPGP data only)');
    default:
      throw new PgpError('malformed', `unexpected OpenPGP packet type ${data.tag} where encrypted data should be`);
  }
  if (pkesks === 0) throw new PgpError('malformed', 'the encrypted data has no session-key packet');
  if (pkesks > maxPkesk) throw new PgpError('too-large', `the message is encrypted to more than ${maxPkesk} recipients`);
  if (packets.length > pkesks + 1) throw new PgpError('malformed', 'the message has packets after the encrypted data');
}

function checkAddressedTo(packets: readonly RawPacket[], listKey: PrivateKey): void {
  const ours = new Set(listKey.getKeyIDs().map((id) => id.toHex().toUpperCase()));
  const addressed = packets.filter((p) => p.tag === Tag.pkesk).map(pkeskRecipient);
  if (!addressed.some((id) => id === 'wildcard' || (id !== null && ours.has(id)))) {
    throw new PgpError('not-for-list', "the message is not encrypted to this list's key");
  }
}

/** The 16-hex key ID a PKESK names, 'wildcard' for an anonymous recipient, null if unreadable. */
function pkeskRecipient(p: RawPacket): string | 'wildcard' | null {
  const body = p.body;
  if (!body) return null;
  if (body[0] === 3) {
    const id = body.subarray(1, 9);
    if (id.length !== 8) return null;
    return id.every((b) => b === 0) ? 'wildcard' : toHex(id);
  }
  if (body[0] === 6) {
    const n = body[1] ?? 0;
    if (n === 0) return 'wildcard';
    const fpr = body.subarray(3, 2 + n);
    // v4 key IDs are the last 8 octets of the fingerprint, v6 key IDs the first 8.
    if (body[2] === 4 && fpr.length === 20) return toHex(fpr.subarray(12));
    if (body[2] === 6 && fpr.length === 32) return toHex(fpr.subarray(0, 8));
  }
  return null;
}

function classifyDecryptError(err: unknown): PgpError {
  const text = err instanceof Error ? err.message : String(err);
  if (/decompressed message size exceeded/i.test(text)) {
    return new PgpError('too-large', 'the message decompresses to more than the size limit', { cause: err });
  }
  if (/grammar/i.test(text)) return new PgpError('malformed', 'the decrypted OpenPGP data is not a valid message', { cause: err });
  return new PgpError('decrypt-failed', "the message cannot be decrypted with the list's key", { cause: err });
}

function writeSignatures(packets: readonly SignaturePacket[]): Uint8Array {
  if (packets.length === 0) return new Uint8Array(0);
  const list = new openpgp.PacketList<SignaturePacket>();
  list.push(...packets);
  const bytes = new openpgp.Signature(list).write();
  if (!(bytes instanceof Uint8Array)) throw new Error('signature serialisation returned a stream');
  return concatBytes([bytes]);
}
