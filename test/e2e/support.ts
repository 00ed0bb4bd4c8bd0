import { expect } from 'chai';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Built } from '../fixtures/clients/common.js';
import type { Sink, SunkMessage } from '../helpers/sink.js';
import { armoredPart } from '../helpers/mail.js';

/** Shared checks of the end-to-end suites: what a copy at the smarthost must look like. */

export const LIST = 'csirt@lists.test';
export const PREFIX = '[csirt]';

/** The copies that arrive after `before` messages were already in the sink: wait for n, then a moment for strays. */
export async function newCopies(sink: Sink, before: number, n: number, settleMs = 150): Promise<SunkMessage[]> {
  await sink.waitFor(before + n, 30_000);
  await new Promise((r) => setTimeout(r, settleMs));
  const got = sink.messages.slice(before);
  expect(got, `copies after message ${before}: ${got.map((m) => m.rcptTo.join(',')).join(' ')}`).to.have.length(n);
  return got;
}

export function copyFor(copies: readonly SunkMessage[], email: string): SunkMessage {
  const c = copies.find((m) => m.rcptTo.length === 1 && m.rcptTo[0] === email.toLowerCase());
  if (!c) throw new Error(`no copy for ${email} among ${copies.map((m) => m.rcptTo.join(',')).join(' ')}`);
  return c;
}

/** The armored OpenPGP message of a PGP/MIME copy (its second part), with a final line end. */
export function armoredOf(raw: Buffer): string {
  return armoredPart(raw) + '\r\n';
}

/** The list's inner entity is multipart/mixed: [notice, the member's content]. Returns both, raw. */
export function innerParts(inner: Buffer): { notice: Buffer; content: Buffer } {
  const headEnd = inner.indexOf('\r\n\r\n');
  expect(headEnd, 'inner header block').to.be.greaterThan(0);
  const head = inner.subarray(0, headEnd).toString('latin1').replace(/\r\n[ \t]+/g, ' ');
  const b = /^content-type:\s*multipart\/mixed;.*?boundary="?([^";\r\n]+)"?/im.exec(head)?.[1];
  if (!b) throw new Error(`inner entity is not multipart/mixed: ${head}`);
  const delim = Buffer.from(`--${b}\r\n`, 'latin1');
  const first = inner.indexOf(delim, headEnd);
  const second = inner.indexOf(Buffer.from(`\r\n--${b}\r\n`, 'latin1'), first + delim.length);
  const close = inner.lastIndexOf(Buffer.from(`\r\n--${b}--`, 'latin1'));
  expect(first, 'first part').to.be.greaterThan(0);
  expect(second, 'second part').to.be.greaterThan(first);
  expect(close, 'closing delimiter').to.be.greaterThan(second);
  return {
    notice: inner.subarray(first + delim.length, second),
    content: inner.subarray(second + delim.length + 2, close),
  };
}

export interface CopyCheck {
  outer: ParsedMail;
  inner: ParsedMail;
  innerRaw: Buffer;
}

/**
 * The outer and inner shape of one decrypted copy against what the member sent: outer Subject is
 * `[csirt] TLP:LABEL ...`, inner Subject `[csirt] TLP:LABEL <real subject>` (the label not
 * repeated), the content entity byte-for-byte (PGP/MIME) or the text (inline), attachments
 * byte-identical.
 */
export async function checkCopyShape(
  copyRaw: Buffer,
  innerRaw: Buffer,
  built: Built,
  label: string,
  innerSubject = `${PREFIX} ${built.subject}`,
): Promise<CopyCheck> {
  const outer = await simpleParser(copyRaw);
  expect(outer.subject, 'outer Subject').to.equal(`${PREFIX} ${label} ...`);
  const inner = await simpleParser(innerRaw);
  expect(inner.subject, 'inner (protected) Subject').to.equal(innerSubject);
  const words = built.subject.replace(label, '').trim();
  expect(outer.headerLines.map((l) => l.line).join('\n'), 'the real subject never travels outside').to.not.include(words);
  const { content } = innerParts(innerRaw);
  if (built.content) {
    expect(content.equals(built.content), `content entity byte-for-byte\n--- got ---\n${content.toString('latin1').slice(0, 600)}\n--- want ---\n${built.content.toString('latin1').slice(0, 600)}`).to.equal(true);
  } else {
    const text = normalize((inner.text ?? '').toString());
    for (const t of built.texts) expect(text, `inline text: ${JSON.stringify(text)}`).to.include(normalize(t));
  }
  for (const a of built.attachments) {
    const got = inner.attachments.find((x) => x.filename === a.filename);
    expect(got, `attachment ${a.filename}`).to.not.equal(undefined);
    expect(Buffer.compare(got?.content ?? Buffer.alloc(0), a.data), `attachment ${a.filename} byte-identical`).to.equal(0);
  }
  return { outer, inner, innerRaw };
}

export function normalize(s: string): string {
  return s.replace(/\r\n/g, '\n').replace(/[ \t]+\n/g, '\n').trim();
}
