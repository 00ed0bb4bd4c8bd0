/**
 * Turning what an administrator handed us (armored or binary, possibly several blocks) into one
 * candidate public-key block, refusing secret keys before openpgp.js ever parses them.
 */
import { RefusedError } from '../errors.js';
import { bytesToText, dearmorAll, isBinaryOpenPgp } from './armor.js';
import { concatBytes } from './bytes.js';
import { PacketFormatError, scanPackets, Tag, type RawPacket } from './packets.js';

/** Far above any sane key; a bigger input is almost certainly a flooded certificate. */
export const MAX_KEY_INPUT_BYTES = 1024 * 1024;

export interface KeyBlock {
  bytes: Uint8Array;
  version: number;
  /** User ID strings as found (not yet checked for valid self-signatures). */
  rawUserIds: string[];
}

const SECRET_REFUSAL =
  'the key file contains SECRET key material: it was not stored; ask the member to send only the public key ' +
  '(gpg --armor --export <fingerprint>) and, since the secret key has left their hands, to consider it exposed';

export async function splitKeyInput(input: Uint8Array): Promise<KeyBlock[]> {
  if (input.length === 0) throw new RefusedError('the key file is empty');
  if (input.length > MAX_KEY_INPUT_BYTES) {
    throw new RefusedError(
      `the key file is larger than ${MAX_KEY_INPUT_BYTES / 1024} KiB (a flooded certificate?); ` +
        'export it with: gpg --armor --export-options export-minimal --export <fingerprint>',
    );
  }
  const binary = await toBinary(input);
  let packets: RawPacket[];
  try {
    packets = scanPackets(binary);
  } catch (err) {
    if (err instanceof PacketFormatError) throw new RefusedError(`the key file is not valid OpenPGP data (${err.message})`);
    throw err;
  }
  if (packets.some((p) => p.tag === Tag.secretKey || p.tag === Tag.secretSubkey)) throw new RefusedError(SECRET_REFUSAL);
  return groupIntoKeys(binary, packets);
}

async function toBinary(input: Uint8Array): Promise<Uint8Array> {
  if (isBinaryOpenPgp(input)) return input;
  let blocks;
  try {
    blocks = await dearmorAll(bytesToText(input));
  } catch {
    throw new RefusedError('the key file has damaged ASCII armor (bad base64 or checksum); export the key again');
  }
  if (blocks.length === 0) throw new RefusedError('the key file holds neither an armored nor a binary OpenPGP key');
  if (blocks.some((b) => b.type === 'PRIVATE KEY BLOCK')) throw new RefusedError(SECRET_REFUSAL);
  const other = blocks.find((b) => b.type !== 'PUBLIC KEY BLOCK');
  if (other) throw new RefusedError(`the key file holds a "PGP ${other.type}", not a public key block`);
  return concatBytes(blocks.map((b) => b.bytes));
}

function groupIntoKeys(binary: Uint8Array, packets: RawPacket[]): KeyBlock[] {
  const first = packets[0];
  if (!first || first.tag !== Tag.publicKey) {
    throw new RefusedError('the key file does not start with a public key packet; it is not an exported OpenPGP key');
  }
  const keys: KeyBlock[] = [];
  let current: { start: number; end: number; version: number; rawUserIds: string[] } | null = null;
  const close = (): void => {
    if (current) keys.push({ bytes: binary.slice(current.start, current.end), version: current.version, rawUserIds: current.rawUserIds });
  };
  for (const p of packets) {
    if (p.tag === Tag.publicKey) {
      close();
      current = { start: p.start, end: p.end, version: p.body?.[0] ?? 0, rawUserIds: [] };
    } else if (current) {
      current.end = p.end;
      if (p.tag === Tag.userId && p.body) current.rawUserIds.push(new TextDecoder().decode(p.body));
    }
  }
  close();
  return keys;
}

/** The address in a user ID ("Name <a@b>" or a bare "a@b"), lower-cased; '' if none. */
export function userIdEmail(userId: string): string {
  const open = userId.lastIndexOf('<');
  const close = userId.lastIndexOf('>');
  const candidate = open !== -1 && close > open ? userId.slice(open + 1, close) : userId;
  return /^[^\s@<>]+@[^\s@<>]+$/.test(candidate.trim()) ? candidate.trim().toLowerCase() : '';
}
