/**
 * Finding TLP labels in free text, fail-closed: anything that plausibly reads as a label counts as
 * the label it names, because an extra label can only raise a message's effective label.
 *
 * Grammar, on the folded text (see tlp-fold.ts: case, lookalikes and invisibles already gone):
 *   label     = "TLP" separator colour
 *   separator = any run of characters that are neither letters nor digits (":", " ", "-", "_",
 *               "/", "(", "*", ...), possibly empty, containing at most one line break
 *               (a hard-wrapped label counts; "TLP." at the end of a paragraph does not reach
 *               the next one)
 *   colour    = RED | AMBER [amber-tail] | GREEN | CLEAR | WHITE   (WHITE is TLP 1.0's CLEAR)
 * A colour followed by a letter is the start of a longer word and not a label (TLP:REDUCE,
 * TLP:AMBERISH), unless the letters are "TLP" (a following label: TLP:REDTLP:GREEN is two labels).
 * Digits end a word (TLP:RED2 is RED). Nothing is required before "TLP": no word ends in it.
 *
 * AMBER is where the prefix trap lives, so its tail is read before AMBER is settled:
 *   - AMBER followed directly by letters starting with STRICT (AMBERSTRICT) is AMBER+STRICT;
 *   - AMBER, a separator, then a word starting with STRICT (AMBER STRICT, AMBER + STRICT,
 *     AMBER-STRICT, AMBER+STRICTLY) is AMBER+STRICT;
 *   - AMBER followed by a "+" in its separator is AMBER+STRICT whatever comes after: the "+" says
 *     "more restricted than AMBER" and the only such restriction TLP defines is STRICT
 *     (AMBER+, AMBER+STRIKT, AMBER+ORG). If the word glued to the "+" is RED, it is RED.
 */
import type { TlpLabel } from './tlp-labels.js';
import { foldText } from './tlp-fold.js';
import { maxTlp } from './tlp-labels.js';

export interface TlpFinding {
  /** The label the text names, canonical. */
  readonly label: TlpLabel;
  /** The original text that was read as the label. */
  readonly match: string;
  /** UTF-16 offset of `match` in the original text. */
  readonly index: number;
}

const COLOURS: ReadonlyArray<readonly [string, TlpLabel]> = [
  ['RED', 'TLP:RED'],
  ['AMBER', 'TLP:AMBER'],
  ['GREEN', 'TLP:GREEN'],
  ['CLEAR', 'TLP:CLEAR'],
  ['WHITE', 'TLP:CLEAR'],
];

const LETTER = /^\p{L}$/u;
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;

function charAt(s: string, i: number): string {
  const cp = s.codePointAt(i);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

function isLetter(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0x80) return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  return i < s.length && LETTER.test(charAt(s, i));
}

function isLetterOrDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0x80) return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  return i < s.length && LETTER_OR_DIGIT.test(charAt(s, i));
}

function step(s: string, i: number): number {
  return (s.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
}

interface Separator {
  /** First position after the separator. */
  readonly end: number;
  /** Position just after the last "+" in it, or -1. */
  readonly afterPlus: number;
}

/** Null when the run holds a second line break: that is a paragraph break, not a label. */
function readSeparator(s: string, start: number): Separator | null {
  let i = start;
  let breaks = 0;
  let afterPlus = -1;
  while (i < s.length && !isLetterOrDigit(s, i)) {
    const c = s.charCodeAt(i);
    if (c === 0x0d && s.charCodeAt(i + 1) === 0x0a) {
      i += 1; // CRLF is one break
    }
    if (c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c || c === 0x85 || c === 0x2028 || c === 0x2029) {
      breaks += 1;
      if (breaks > 1) return null;
    }
    if (c === 0x2b) afterPlus = i + 1;
    i += step(s, i);
  }
  return { end: i, afterPlus };
}

function letterRunEnd(s: string, start: number): number {
  let i = start;
  while (i < s.length && isLetter(s, i)) i += step(s, i);
  return i;
}

/** A colour ends at a non-letter, or where another label starts. */
function endsWord(s: string, i: number): boolean {
  return !isLetter(s, i) || s.startsWith('TLP', i);
}

interface Read {
  readonly label: TlpLabel;
  readonly end: number;
}

function readAmberTail(s: string, afterAmber: number): Read {
  const strict: TlpLabel = 'TLP:AMBER+STRICT';
  if (s.startsWith('STRICT', afterAmber)) return { label: strict, end: gluedWordEnd(s, afterAmber) };
  const sep = readSeparator(s, afterAmber);
  if (sep === null) return { label: 'TLP:AMBER', end: afterAmber };
  const wordEnd = letterRunEnd(s, sep.end);
  const word = s.slice(sep.end, wordEnd);
  const glued = sep.afterPlus >= 0 && sep.afterPlus === sep.end;
  if (word === 'STRICT' || (glued && word.startsWith('STRICT'))) {
    return { label: strict, end: gluedWordEnd(s, sep.end) };
  }
  if (glued && word !== '' && !word.includes('TLP')) {
    const named = COLOURS.find(([colour]) => colour === word);
    return { label: named ? maxTlp(strict, named[1]) : strict, end: wordEnd };
  }
  if (sep.afterPlus >= 0) return { label: strict, end: sep.afterPlus };
  // "AMBER strictly ..." still reads as AMBER+STRICT; the prose after it is left alone.
  if (word.startsWith('STRICT')) return { label: strict, end: afterAmber };
  return { label: 'TLP:AMBER', end: afterAmber };
}

/** The letters of a word glued to a restriction, unless they hide the start of another label. */
function gluedWordEnd(s: string, start: number): number {
  const end = letterRunEnd(s, start);
  const tlp = s.indexOf('TLP', start + 6);
  return tlp >= 0 && tlp < end ? start + 6 : end;
}

function readLabel(s: string, afterTlp: number): Read | null {
  const sep = readSeparator(s, afterTlp);
  if (sep === null) return null;
  for (const [colour, label] of COLOURS) {
    if (!s.startsWith(colour, sep.end)) continue;
    const end = sep.end + colour.length;
    if (colour === 'AMBER') {
      if (isLetter(s, end) && !s.startsWith('STRICT', end) && !s.startsWith('TLP', end)) return null;
      return readAmberTail(s, end);
    }
    return endsWord(s, end) ? { label, end } : null;
  }
  return null;
}

/**
 * Every label in `text`, in order, non-overlapping. Never throws; linear in the input (each
 * character is visited a bounded number of times; no regular expression backtracks over the text).
 */
export function findTlpLabels(text: string): TlpFinding[] {
  const folded = foldText(text);
  const s = folded.text;
  const findings: TlpFinding[] = [];
  let at = 0;
  for (;;) {
    const start = s.indexOf('TLP', at);
    if (start < 0) break;
    const read = readLabel(s, start + 3);
    if (read === null) {
      at = start + 3;
      continue;
    }
    const index = folded.from[start] ?? 0;
    const end = folded.to[read.end - 1] ?? text.length;
    findings.push({ label: read.label, match: text.slice(index, end), index });
    at = read.end;
  }
  return findings;
}
