/**
 * Writing "BEGIN PGP MESSAGE" armor, fast, for the fan-out.
 *
 * The CRC24 footer is always written: RFC 9580 §6.2 says it SHOULD NOT be, but GnuPG 2.2 cannot
 * find the end of the base64 without it when the data needs no "=" padding (it reads the END line
 * as data: "invalid radix64 character 2D"). Lines are 64 characters, as GnuPG writes them.
 *
 * BodyArmorer serves "one body, many PKESK prefixes": the body's base64 (one per alignment) and its
 * CRC contribution are computed once, so each further copy costs work proportional to the PKESK,
 * not to the body. openpgp.armor took ~125 ms per copy of a 10 MiB message.
 */
import { concatBytes } from './bytes.js';
import { CRC24_INIT, crc24, crc24Combine, crc24Update, zeroBytesShift } from './crc24.js';

const BEGIN = '-----BEGIN PGP MESSAGE-----\n\n';
const END = '-----END PGP MESSAGE-----\n';
const LINE = 64;

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Lines of `LINE` characters, the first one `firstLine` long; every line ends with "\n". */
function wrap(b64: string, firstLine: number): string {
  if (b64.length === 0) return '';
  const lines = 1 + Math.ceil(Math.max(0, b64.length - firstLine) / LINE);
  const out = Buffer.allocUnsafe(b64.length + lines);
  let at = out.write(b64.slice(0, firstLine), 0, 'latin1');
  out[at++] = 0x0a;
  for (let i = firstLine; i < b64.length; i += LINE) {
    at += out.write(b64.slice(i, i + LINE), at, 'latin1');
    out[at++] = 0x0a;
  }
  return out.toString('latin1', 0, at);
}

function checksumLine(crc: number): string {
  return `=${base64(Uint8Array.of((crc >> 16) & 0xff, (crc >> 8) & 0xff, crc & 0xff))}\n`;
}

export function armorMessage(bytes: Uint8Array): string {
  return BEGIN + wrap(base64(bytes), LINE) + checksumLine(crc24(bytes)) + END;
}

/** Lines of `LINE` characters with CRLF ends, the first one `firstLine` long, as bytes. */
function wrapCrlf(b64: string, firstLine: number): Buffer {
  if (b64.length === 0) return Buffer.alloc(0);
  const lines = 1 + Math.ceil(Math.max(0, b64.length - firstLine) / LINE);
  const out = Buffer.allocUnsafe(b64.length + 2 * lines);
  let at = out.write(b64.slice(0, firstLine), 0, 'latin1');
  at = out.writeUInt16BE(0x0d0a, at);
  for (let i = firstLine; i < b64.length; i += LINE) {
    at += out.write(b64.slice(i, i + LINE), at, 'latin1');
    at = out.writeUInt16BE(0x0d0a, at);
  }
  return out.subarray(0, at);
}

/**
 * base64 of `data` in CRLF lines, the first line `firstLine` characters long, written straight
 * into one Buffer a slice at a time: a 10 MiB body never becomes a 14 MiB string first.
 * `endLine`: an empty input still ends the (partial) first line.
 */
function crlfBase64(data: Uint8Array, firstLine: number, endLine: boolean): Buffer {
  const total = Math.ceil(data.length / 3) * 4;
  if (total === 0) return Buffer.from(endLine ? '\r\n' : '', 'latin1');
  const lines = 1 + Math.ceil(Math.max(0, total - firstLine) / LINE);
  const out = Buffer.allocUnsafe(total + 2 * lines);
  const src = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  // The first line holds firstLine characters (a multiple of 4: 3 input bytes each), then full lines
  // of 64; encode 3072 input bytes (64 lines) per step to keep the temporary strings small.
  const firstBytes = Math.min(src.length, (firstLine / 4) * 3);
  at += out.write(src.toString('base64', 0, firstBytes), at, 'latin1');
  at = out.writeUInt16BE(0x0d0a, at);
  const STEP = (LINE / 4) * 3 * 64;
  for (let i = firstBytes; i < src.length; i += STEP) {
    const chunk = src.toString('base64', i, Math.min(src.length, i + STEP));
    for (let j = 0; j < chunk.length; j += LINE) {
      at += out.write(chunk.slice(j, j + LINE), at, 'latin1');
      at = out.writeUInt16BE(0x0d0a, at);
    }
  }
  return out.subarray(0, at);
}

const BEGIN_CRLF = Buffer.from('-----BEGIN PGP MESSAGE-----\r\n\r\n', 'latin1');
const END_CRLF = '-----END PGP MESSAGE-----\r\n';

export class BodyArmorer {
  private readonly body: Uint8Array;
  /** CRLF tails as bytes, for armorParts: one Buffer shared by every copy with that alignment. */
  private readonly tailBuffers = new Map<string, Buffer>();
  private readonly bodyCrcFromZero: number;
  private readonly shift: ReturnType<typeof zeroBytesShift>;
  /** Wrapped base64 of body[k..], keyed by `${k}:${first-line room}`. */
  private readonly tails = new Map<string, string>();

  /** `body` must not change afterwards. */
  constructor(body: Uint8Array) {
    this.body = body;
    this.bodyCrcFromZero = crc24Update(0, body);
    this.shift = zeroBytesShift(body.length);
  }

  /** Exactly armorMessage(prefix ‖ body). */
  armor(prefix: Uint8Array): string {
    // Borrow k body bytes so the head is a whole number of base64 groups; the rest is cached.
    const k = (3 - (prefix.length % 3)) % 3;
    if (this.body.length < k) return armorMessage(concatBytes([prefix, this.body]));
    const head = base64(concatBytes([prefix, this.body.subarray(0, k)]));
    const partial = head.length % LINE;
    const full = head.length - partial;
    const crc = crc24Combine(crc24Update(CRC24_INIT, prefix), this.bodyCrcFromZero, this.shift);
    return BEGIN + wrap(head.slice(0, full), LINE) + head.slice(full) + this.tail(k, partial) + checksumLine(crc) + END;
  }

  /**
   * The same armor as armor(prefix), with CRLF line ends, as three Buffers: the copy's own head,
   * the body's base64 (shared, never copied per recipient) and the checksum and END line. For
   * large bodies this is what keeps a fan-out of 10 MiB to a hundred members in bounded memory.
   */
  armorParts(prefix: Uint8Array): Buffer[] {
    const k = (3 - (prefix.length % 3)) % 3;
    if (this.body.length < k) {
      return [Buffer.from(armorMessage(concatBytes([prefix, this.body])).replace(/\n/g, '\r\n'), 'latin1')];
    }
    const head = base64(concatBytes([prefix, this.body.subarray(0, k)]));
    const partial = head.length % LINE;
    const full = head.length - partial;
    const crc = crc24Combine(crc24Update(CRC24_INIT, prefix), this.bodyCrcFromZero, this.shift);
    const headBuf = Buffer.concat([BEGIN_CRLF, wrapCrlf(head.slice(0, full), LINE), Buffer.from(head.slice(full), 'latin1')]);
    const foot = Buffer.from(checksumLine(crc).replace('\n', '\r\n') + END_CRLF, 'latin1');
    return [headBuf, this.tailBuffer(k, partial), foot];
  }

  private tailBuffer(k: number, partial: number): Buffer {
    const key = `${k}:${partial}`;
    let tail = this.tailBuffers.get(key);
    if (tail === undefined) {
      tail = crlfBase64(this.body.subarray(k), LINE - partial, partial > 0);
      this.tailBuffers.set(key, tail);
    }
    return tail;
  }

  private tail(k: number, partial: number): string {
    const key = `${k}:${partial}`;
    let tail = this.tails.get(key);
    if (tail === undefined) {
      const b64 = base64(this.body.subarray(k));
      tail = b64.length === 0 ? (partial > 0 ? '\n' : '') : wrap(b64, LINE - partial);
      this.tails.set(key, tail);
    }
    return tail;
  }
}
