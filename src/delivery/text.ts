/**
 * Remote replies and bounce texts are written by strangers and end up in our log lines and in
 * notices to owners. One line, printable, bounded: a reply can then neither forge a log line
 * (CR/LF), reorder text on a terminal (bidi controls) nor flood the log.
 */

// C0/C1 controls, DEL, line/paragraph separators, bidi embeddings/overrides/isolates, BOM.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export const MAX_REPLY_CHARS = 300;

export function oneLine(text: string, max: number = MAX_REPLY_CHARS): string {
  const flat = text.replace(LONE_SURROGATE, '\ufffd').replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  let cut = max - 1;
  // Do not split a surrogate pair: half a character is not printable either.
  const last = flat.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${flat.slice(0, cut)}…`;
}
