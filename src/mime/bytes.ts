/** Byte-level helpers shared by the parser and the builders. Buffers are views; nothing here copies unless it says so. */

export const CR = 0x0d;
export const LF = 0x0a;
export const CRLF = '\r\n';

export function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/**
 * Converts every bare LF to CRLF and leaves existing CRLF alone. This is the canonical form
 * RFC 3156 §5 signs and the line end everything we send uses. Returns the input itself when
 * there is nothing to convert.
 */
export function toCrlf(buf: Buffer): Buffer {
  let bare = 0;
  let i = buf.indexOf(LF);
  while (i !== -1) {
    if (i === 0 || buf[i - 1] !== CR) bare++;
    i = buf.indexOf(LF, i + 1);
  }
  if (bare === 0) return buf;
  const out = Buffer.allocUnsafe(buf.length + bare);
  let o = 0;
  let from = 0;
  i = buf.indexOf(LF);
  while (i !== -1) {
    if (i === 0 || buf[i - 1] !== CR) {
      o += buf.copy(out, o, from, i);
      out[o++] = CR;
      from = i;
    }
    i = buf.indexOf(LF, i + 1);
  }
  o += buf.copy(out, o, from);
  return out.subarray(0, o);
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export function isValidUtf8(buf: Uint8Array): boolean {
  try {
    utf8Strict.decode(buf);
    return true;
  } catch {
    return false;
  }
}

/** Header bytes: RFC 6532 allows raw UTF-8; anything else 8-bit is legacy and read as Latin-1 so no byte is lost. */
export function decodeHeaderBytes(buf: Uint8Array): string {
  for (const b of buf) {
    if (b >= 0x80) return isValidUtf8(buf) ? Buffer.from(buf).toString('utf8') : Buffer.from(buf).toString('latin1');
  }
  return asBuffer(buf).toString('latin1');
}

export function isSevenBitPrintable(buf: Uint8Array, allowLineEnds: boolean): boolean {
  for (const b of buf) {
    if (b === 0x09) continue;
    if (allowLineEnds && (b === CR || b === LF)) continue;
    if (b < 0x20 || b > 0x7e) return false;
  }
  return true;
}

/**
 * Iterates the lines of buf[start, end). `contentEnd` excludes the line end; `next` is where the
 * following line starts. The bounded view keeps indexOf from scanning past `end`, which would make
 * nested ranges quadratic.
 */
export interface Line {
  start: number;
  contentEnd: number;
  next: number;
}

export function* lines(buf: Buffer, start: number, end: number): Generator<Line> {
  const view = buf.subarray(0, end);
  let pos = start;
  while (pos < end) {
    const lf = view.indexOf(LF, pos);
    if (lf === -1) {
      const contentEnd = end > pos && buf[end - 1] === CR ? end - 1 : end;
      yield { start: pos, contentEnd, next: end };
      return;
    }
    const contentEnd = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf;
    yield { start: pos, contentEnd, next: lf + 1 };
    pos = lf + 1;
  }
}
