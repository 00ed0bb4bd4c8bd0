import { guard } from './errors.js';
import type { MimeLimits } from './limits.js';
import { Budget, resolveLimits } from './limits.js';
import { decodeText } from './decode.js';
import { findArmorBlocks } from './armor.js';

export interface InlineText {
  /** The decrypted text, charset-decoded. */
  text: string;
  /**
   * The first cleartext-signed block (`-----BEGIN PGP SIGNED MESSAGE-----` … `-----END PGP SIGNATURE-----`)
   * as a string for openpgp's readCleartextMessage, or null when the text is not cleartext-signed.
   */
  cleartextSigned: string | null;
  /** Text outside that signed block, trimmed ("" when the block is everything). Non-empty means part of the message is unsigned. */
  unsignedText: string;
  /** Texts for TLP scanning: the whole text (dash-escaping does not touch labels) and, if signed, the block's signed text. */
  texts: string[];
}

/**
 * The plaintext of one inline-PGP text piece. `charset` is the charset of the text part the
 * armored block came in (TextPiece.charset): Enigmail and Mailvelope encrypt the text in that
 * charset; undeclared text is read as UTF-8 when valid, else Latin-1.
 */
export function parseInlineText(decrypted: Uint8Array, charset?: string | null, limits: Partial<MimeLimits> = {}): InlineText {
  return guard('decrypted text', () => {
    const budget = new Budget(resolveLimits(limits));
    const text = decodeText(decrypted, charset ?? undefined, budget);
    const block = findArmorBlocks(text, 'SIGNED MESSAGE', 1)[0];
    if (block === undefined) return { text, cleartextSigned: null, unsignedText: text.trim(), texts: [text] };
    const unsignedText = (text.slice(0, block.start) + text.slice(block.end)).trim();
    return { text, cleartextSigned: block.text, unsignedText, texts: [text, signedText(block.text)] };
  });
}

/** The signed text of a cleartext block: after the armor headers' blank line, before the signature, dash-escaping undone (RFC 4880 §7.1). */
function signedText(block: string): string {
  const body = /\r?\n\r?\n/.exec(block);
  const sig = block.lastIndexOf('-----BEGIN PGP SIGNATURE-----');
  if (body === null || sig === -1 || sig < body.index) return block;
  return block
    .slice(body.index + body[0].length, sig)
    .split(/\r?\n/)
    .map((l) => (l.startsWith('- ') ? l.slice(2) : l))
    .join('\n');
}
