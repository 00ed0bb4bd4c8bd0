import * as openpgp from 'openpgp';

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

/**
 * Every armor block in the text, checksum-verified. openpgp.js reads only the first block of an
 * input, so two keys pasted one after the other would silently lose the second: we read them all.
 */
export async function dearmorAll(text: string): Promise<ArmorBlock[]> {
  const blocks: ArmorBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const { data } = await openpgp.unarmor(match[0]);
    if (!(data instanceof Uint8Array)) throw new Error('armor decoding returned a stream');
    blocks.push({ type: match[1] ?? '', bytes: data });
  }
  return blocks;
}

export function bytesToText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}
