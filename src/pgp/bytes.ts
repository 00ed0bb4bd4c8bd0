import { createHash } from 'node:crypto';

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  // A fresh array that owns its memory: holding it never pins a larger (pooled) buffer.
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export function sha256(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** CR, LF and CRLF all become CRLF: the form OpenPGP text signatures hash. */
export function canonicalizeEol(bytes: Uint8Array): Uint8Array {
  const isLoneEol = (i: number): boolean =>
    (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a) || (bytes[i] === 0x0a && bytes[i - 1] !== 0x0d);
  let extra = 0;
  for (let i = 0; i < bytes.length; i++) if (isLoneEol(i)) extra++;
  const out = new Uint8Array(bytes.length + extra);
  let at = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (isLoneEol(i)) {
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    } else {
      out[at++] = b;
    }
  }
  return out;
}
