import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { MimeError } from '../../../src/mime/errors.js';
import type { MimeErrorCode } from '../../../src/mime/errors.js';
import type { RandomSource } from '../../../src/mime/random.js';

const dir = fileURLToPath(new URL('../../fixtures/mime/', import.meta.url));

/** A fixture as stored (LF line ends), or converted to CRLF as it arrives over SMTP. */
export function fixture(name: string, lineEnds: 'lf' | 'crlf' = 'lf'): Buffer {
  const raw = readFileSync(dir + name);
  return lineEnds === 'lf' ? raw : Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

export function crlf(text: string): Buffer {
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
}

/** Deterministic "randomness" so built messages are stable in tests. */
export function seededRandom(seed = 1): RandomSource {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
}

export function expectMimeError(fn: () => unknown, code?: MimeErrorCode, message?: RegExp): MimeError {
  try {
    fn();
  } catch (err: unknown) {
    expect(err, String(err)).to.be.instanceOf(MimeError);
    const e = err as MimeError;
    if (code !== undefined) expect(e.code).to.equal(code);
    if (message !== undefined) expect(e.message).to.match(message);
    return e;
  }
  expect.fail('expected a MimeError');
}

export function text(b: Uint8Array): string {
  return Buffer.from(b).toString('utf8');
}

export const ARMOR = [
  '-----BEGIN PGP MESSAGE-----',
  '',
  'hF4DR2b2udXyHrYSAQdAq1ZGc0uKb6e1dTB3xY2p9jVdG0N4Zt5m6xYc3W1fQhIw',
  '=Jx2F',
  '-----END PGP MESSAGE-----',
].join('\n');

/** A minimal RFC 3156 message with the given Content-Type line and parts, for shape tests. */
export function pgpMime(contentType: string, parts: string[], boundary = 'b'): Buffer {
  return crlf(
    ['From: a@example.org', 'Subject: ...', 'MIME-Version: 1.0', contentType, '', ...parts.flatMap((p) => [`--${boundary}`, p]), `--${boundary}--`, ''].join('\n'),
  );
}

export const CONTROL = 'Content-Type: application/pgp-encrypted\n\nVersion: 1\n';
export const PAYLOAD = `Content-Type: application/octet-stream; name="encrypted.asc"\n\n${ARMOR}\n`;
