import * as openpgp from 'openpgp';
import { crc24 } from './crc24.js';

export interface ArmorBlock {
  /** The word(s) after "BEGIN PGP", e.g. "PUBLIC KEY BLOCK", "PRIVATE KEY BLOCK", "MESSAGE". */
  type: string;
  bytes: Uint8Array;
}

const BLOCK = /^-----BEGIN PGP ([A-Z0-9 ,/]+)-----[ \t]*\r?$[\s\S]*?^-----END PGP \1-----[ \t]*\r?$/gm;

/** Binary OpenPGP always starts with a packet header, whose top bit is set; armor starts with text. */
export function isBinaryOpenPgp(bytes: Uint8Array): boolean {
  return bytes.length > 0 && ((bytes[0] as number) & 0x80) !== 0;
}

const CHECKSUM_LINE = /^=([A-Za-z0-9+/]{4})[ \t]*\r?$/m;

/**
 * Every armor block in the text. openpgp.js reads only the first block of an input, so two keys
 * pasted one after the other would silently lose the second: we read them all. openpgp.js 6 also
 * ignores the CRC24 line (RFC 9580 made it optional); we check it when present, so that a key
 * damaged by copy and paste is reported as damaged, not as some parse error further on.
 */
export async function dearmorAll(text: string): Promise<ArmorBlock[]> {
  const blocks: ArmorBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const { data } = await openpgp.unarmor(match[0]);
    if (!(data instanceof Uint8Array)) throw new Error('armor decoding returned a stream');
    const checksum = CHECKSUM_LINE.exec(match[0])?.[1];
    if (checksum !== undefined && Buffer.from(checksum, 'base64').readUIntBE(0, 3) !== crc24(data)) {
      throw new Error('armor checksum mismatch');
    }
    blocks.push({ type: match[1] ?? '', bytes: data });
  }
  return blocks;
}

export function bytesToText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}
