import { expect } from 'chai';
import { parseInner } from '../../../src/mime/parse-inner.js';
import { parseOuter } from '../../../src/mime/parse-outer.js';
import { resolveLimits, DEFAULT_MIME_LIMITS } from '../../../src/mime/limits.js';
import { expectMimeError } from './helpers.js';

function nestedMultipart(levels: number): Buffer {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < levels; i++) {
    open.push(`Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`);
    close.push(`\r\n--b${i}--\r\n`);
  }
  return Buffer.from(`From: a@example.org\r\n${open.join('')}Content-Type: text/plain\r\n\r\nTLP:RED\r\n${close.reverse().join('')}`);
}

function nestedRfc822(levels: number): Buffer {
  return Buffer.from(`${'Content-Type: message/rfc822\r\n\r\n'.repeat(levels)}Content-Type: text/plain\r\n\r\nx\r\n`);
}

function manyParts(n: number): Buffer {
  return Buffer.from(`From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${'--b\r\n\r\nx\r\n'.repeat(n)}--b--\r\n`);
}

function timed(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

describe('mime: limits', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_MIME_LIMITS).to.deep.equal({ maxDepth: 16, maxParts: 500, maxHeaderBytes: 65536, maxDecodedBytes: 64 * 1024 * 1024 });
  });

  it('accepts exactly maxDepth levels and refuses one more', () => {
    expect(() => parseInner(nestedMultipart(15))).not.to.throw();
    expectMimeError(() => parseInner(nestedMultipart(16)), 'limit', /^MIME nesting deeper than 16 levels$/);
    expectMimeError(() => parseInner(nestedMultipart(3), { maxDepth: 3 }), 'limit', /deeper than 3 levels/);
  });

  it('refuses 10,000 levels of multipart nesting quickly, without a stack overflow', () => {
    const raw = nestedMultipart(10000);
    const ms = timed(() => {
      expectMimeError(() => parseInner(raw), 'limit', /nesting deeper than 16 levels/);
      expectMimeError(() => parseOuter(raw), 'limit', /nesting deeper than 16 levels/);
    });
    expect(ms).to.be.lessThan(1000);
  });

  it('refuses 10,000 levels of message/rfc822 nesting quickly', () => {
    const raw = nestedRfc822(10000);
    const ms = timed(() => expectMimeError(() => parseInner(raw), 'limit', /nesting deeper/));
    expect(ms).to.be.lessThan(1000);
  });

  it('still refuses deep nesting when the depth limit is huge (iterative parser, no recursion)', () => {
    expectMimeError(() => parseInner(nestedMultipart(10000), { maxDepth: 1_000_000, maxParts: 5000 }), 'limit', /more than 5000 parts/);
    expect(() => parseInner(nestedMultipart(2000), { maxDepth: 1_000_000, maxParts: 1_000_000 })).not.to.throw();
  });

  it('refuses a 100,000-part message quickly', () => {
    const raw = manyParts(100_000);
    const ms = timed(() => {
      expectMimeError(() => parseInner(raw), 'limit', /^MIME message has more than 500 parts$/);
      expectMimeError(() => parseOuter(raw), 'limit', /more than 500 parts/);
    });
    expect(ms).to.be.lessThan(1000);
  });

  it('parses 100,000 parts in linear time when the limit allows it', () => {
    const raw = manyParts(100_000);
    let texts = 0;
    const ms = timed(() => {
      texts = parseInner(raw, { maxParts: 200_000 }).texts.length;
    });
    expect(texts).to.equal(100_000);
    expect(ms).to.be.lessThan(5000);
  });

  it('refuses a header section over maxHeaderBytes, even without any line break', () => {
    const big = Buffer.from(`Subject: ${'a'.repeat(70_000)}\r\n\r\nbody\r\n`);
    expectMimeError(() => parseInner(big), 'limit', /header section larger than 65536 bytes/);
    const noBreak = Buffer.alloc(5_000_000, 0x61);
    expectMimeError(() => parseOuter(noBreak), 'limit', /header section/);
    const manyFields = Buffer.from(`${'X-A: b\r\n'.repeat(20_000)}\r\nbody`);
    expectMimeError(() => parseOuter(manyFields), 'limit', /header section/);
  });

  it('refuses decoded content over maxDecodedBytes', () => {
    const b64 = Buffer.alloc(30_000, 0x41).toString('base64');
    const raw = Buffer.from(`Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n`);
    expect(() => parseInner(raw)).not.to.throw();
    expectMimeError(() => parseInner(raw, { maxDecodedBytes: 10_000 }), 'limit', /decoded content larger than 10000 bytes/);
  });

  it('refuses nonsensical limits with a MimeError', () => {
    expectMimeError(() => resolveLimits({ maxDepth: 0 }), 'unsafe-value');
    expectMimeError(() => parseOuter(Buffer.from('x'), { maxParts: Number.NaN }), 'unsafe-value');
  });
});
