/**
 * The OpenPGP armor checksum (RFC 4880 §6.1), table-driven, plus "combine": because a CRC is
 * linear over GF(2), crc(prefix ‖ body) can be computed from crc(prefix) and two per-body values
 * in constant time. The fan-out uses that to checksum one copy per member without re-reading a
 * 10 MiB body each time.
 */
export const CRC24_INIT = 0xb704ce;
const POLY = 0x1864cfb;
const MASK = 0xffffff;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 16;
    for (let b = 0; b < 8; b++) {
      c <<= 1;
      if (c & 0x1000000) c ^= POLY;
    }
    t[i] = c & MASK;
  }
  return t;
})();

/** The CRC register after feeding `data` into a register holding `state`. */
export function crc24Update(state: number, data: Uint8Array): number {
  let crc = state;
  for (let i = 0; i < data.length; i++) {
    crc = ((crc << 8) ^ (TABLE[((crc >> 16) ^ (data[i] as number)) & 0xff] as number)) & MASK;
  }
  return crc;
}

export function crc24(data: Uint8Array): number {
  return crc24Update(CRC24_INIT, data);
}

/** A linear map on 24-bit registers, as the images of the 24 unit vectors. */
type LinearMap = Uint32Array<ArrayBuffer>;

function apply(map: LinearMap, v: number): number {
  let out = 0;
  for (let j = 0; v !== 0; j++, v >>>= 1) if (v & 1) out ^= map[j] as number;
  return out;
}

function compose(a: LinearMap, b: LinearMap): LinearMap {
  const out = new Uint32Array(24);
  for (let j = 0; j < 24; j++) out[j] = apply(a, b[j] as number);
  return out;
}

/** The map "feed n zero bytes" (what the register does to its old contents over n bytes). */
export function zeroBytesShift(n: number): LinearMap {
  let base: LinearMap = new Uint32Array(24);
  for (let j = 0; j < 24; j++) base[j] = crc24Update(1 << j, Uint8Array.of(0));
  let result: LinearMap = new Uint32Array(24);
  for (let j = 0; j < 24; j++) result[j] = 1 << j;
  for (let k = n; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) result = compose(base, result);
    base = compose(base, base);
  }
  return result;
}

/**
 * crc(prefix ‖ body) from the register after the prefix, the body's CRC from a zero register
 * (crc24Update(0, body)) and zeroBytesShift(body.length).
 */
export function crc24Combine(prefixState: number, bodyFromZero: number, shift: LinearMap): number {
  return (apply(shift, prefixState) ^ bodyFromZero) & MASK;
}
