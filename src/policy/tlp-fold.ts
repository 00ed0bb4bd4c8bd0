/**
 * Folding text for the TLP scanner: one upper-case string that reads the way a person reads the
 * original, plus a map back to the original offsets so findings can point at (and rewrite) the
 * text the sender typed.
 *
 * Fail-closed means lookalikes must read as what they look like: NFKD turns fullwidth, circled,
 * mathematical and ligature letters into plain ones, combining marks are dropped (`RÉD` is RED),
 * invisible format characters (zero-width space, soft hyphen, bidi controls) vanish, and a small
 * table maps the Cyrillic, Greek and small-capital letters that look like the Latin letters of the
 * label words.
 */
export interface FoldedText {
  /** Upper-case folded text. */
  readonly text: string;
  /** For each UTF-16 unit of `text`: start offset in the original of the code point it came from. */
  readonly from: readonly number[];
  /** For each UTF-16 unit of `text`: end offset (exclusive) in the original, including invisible characters that follow. */
  readonly to: readonly number[];
}

const LOOKALIKES: Readonly<Record<string, string>> = {
  // Cyrillic
  'А': 'A', 'а': 'A', 'В': 'B', 'Е': 'E', 'е': 'E', 'Н': 'H', 'І': 'I', 'і': 'I', 'М': 'M',
  'Р': 'P', 'р': 'P', 'С': 'C', 'с': 'C', 'Т': 'T', 'Ѕ': 'S', 'ѕ': 'S', 'Ԁ': 'D', 'ԁ': 'D',
  'Ԝ': 'W', 'ԝ': 'W',
  // Greek
  'Α': 'A', 'α': 'A', 'Β': 'B', 'Ε': 'E', 'Η': 'H', 'Ι': 'I', 'Μ': 'M', 'Ν': 'N', 'Ρ': 'P', 'ρ': 'P',
  'Τ': 'T', 'Ϲ': 'C', 'ϲ': 'C',
  // Latin small capitals ("fancy text" generators)
  'ᴀ': 'A', 'ʙ': 'B', 'ᴄ': 'C', 'ᴅ': 'D', 'ᴇ': 'E', 'ɢ': 'G', 'ʜ': 'H', 'ɪ': 'I', 'ʟ': 'L',
  'ᴍ': 'M', 'ɴ': 'N', 'ᴘ': 'P', 'ʀ': 'R', 'ꜱ': 'S', 'ᴛ': 'T', 'ᴡ': 'W',
  // Plus signs NFKD leaves alone
  '➕': '+',
};

const MARK = /\p{M}/gu;
const FORMAT = /^\p{Cf}$/u;

const cache = new Map<number, string>();

function foldCodePoint(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp).toUpperCase();
  const cached = cache.get(cp);
  if (cached !== undefined) return cached;
  const ch = String.fromCodePoint(cp);
  let folded = '';
  if (!FORMAT.test(ch)) {
    for (const part of ch.normalize('NFKD').replace(MARK, '')) folded += LOOKALIKES[part] ?? part;
    folded = folded.toUpperCase();
  }
  // Bounded: the cache only holds code points seen, at most 1.1 M, in practice a few hundred.
  if (cache.size < 65536) cache.set(cp, folded);
  return folded;
}

export function foldText(original: string): FoldedText {
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  let i = 0;
  while (i < original.length) {
    const cp = original.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    const folded = foldCodePoint(cp);
    if (folded === '') {
      // Invisible: belongs to the character before it, so a rewrite replaces it too.
      if (to.length > 0) to[to.length - 1] = i + width;
    } else {
      text += folded;
      for (let k = 0; k < folded.length; k++) {
        from.push(i);
        to.push(i + width);
      }
    }
    i += width;
  }
  return { text, from, to };
}
