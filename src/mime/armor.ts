/** Finding OpenPGP data in text and bytes. Recognition only: nothing here parses packets beyond the first header octet. */

export interface ArmorBlock {
  /** Offsets into the text: from the start of the BEGIN line to the end of the END line. */
  start: number;
  end: number;
  text: string;
}

/**
 * Armored blocks of the given kind ("MESSAGE", "SIGNED MESSAGE"). The BEGIN line must start a
 * line: a quoted block ("> -----BEGIN") in a reply is text, not encryption. A BEGIN without its
 * END is not a block either (it cannot be decrypted), so that text counts as clear text.
 */
export function findArmorBlocks(text: string, kind: 'MESSAGE' | 'SIGNED MESSAGE', max: number): ArmorBlock[] {
  const begin = `-----BEGIN PGP ${kind}-----`;
  const endMarker = kind === 'MESSAGE' ? '-----END PGP MESSAGE-----' : '-----END PGP SIGNATURE-----';
  const blocks: ArmorBlock[] = [];
  let from = 0;
  while (blocks.length < max) {
    const b = text.indexOf(begin, from);
    if (b === -1) break;
    if (b !== 0 && text[b - 1] !== '\n' && text[b - 1] !== '\r') {
      from = b + begin.length;
      continue;
    }
    const e = text.indexOf(endMarker, b + begin.length);
    if (e === -1) break;
    const end = e + endMarker.length;
    blocks.push({ start: b, end, text: text.slice(b, end) });
    from = end;
  }
  return blocks;
}

/**
 * Bytes that hold an OpenPGP message and nothing else: one ASCII-armored message with only
 * whitespace around it (text outside the armor would travel unencrypted), or a binary packet
 * stream opening with a PKESK or SKESK packet.
 */
export function holdsOpenPgpMessage(data: Uint8Array): { armored: boolean } | null {
  const first = data[0];
  if (first === undefined) return null;
  if (first & 0x80) {
    const tag = first & 0x40 ? first & 0x3f : (first >> 2) & 0x0f;
    return tag === 1 || tag === 3 ? { armored: false } : null;
  }
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1').trim();
  if (!text.startsWith('-----BEGIN PGP MESSAGE-----') || !text.endsWith('-----END PGP MESSAGE-----')) return null;
  return text.indexOf('-----BEGIN PGP', 1) === -1 ? { armored: true } : null;
}
