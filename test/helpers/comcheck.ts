import { simpleParser, type AddressObject } from 'mailparser';
import type { PublicKey } from 'openpgp';
import type { TestMember } from './keys.js';
import { decryptCopy } from './keys.js';
import { armoredPart, pgpMimeMessage, type PgpMimeOptions } from './mail.js';
import type { Sink, SunkMessage } from './sink.js';
import { submit, type SmtpOutcome } from './smtp.js';

/** A copy the list sent, opened as the member's client opens it. */
export interface OpenedCopy {
  raw: Buffer;
  outerSubject: string;
  replyTo: string;
  messageId: string;
  autoSubmitted: string;
  innerSubject: string;
  text: string;
}

function firstAddress(a: AddressObject | AddressObject[] | undefined): string {
  const obj = Array.isArray(a) ? a[0] : a;
  return obj?.value[0]?.address?.toLowerCase() ?? '';
}

export async function openCopy(copy: SunkMessage, member: TestMember, listKey: PublicKey, at?: Date): Promise<OpenedCopy> {
  const outer = await simpleParser(copy.raw);
  const dec = await decryptCopy(armoredPart(copy.raw), member.key, listKey, at);
  if (!dec.signedByList) throw new Error('copy not signed by the list');
  const inner = await simpleParser(Buffer.from(dec.data));
  return {
    raw: copy.raw,
    outerSubject: outer.subject ?? '',
    replyTo: firstAddress(outer.replyTo),
    messageId: outer.messageId ?? '',
    autoSubmitted: String(outer.headers.get('auto-submitted') ?? ''),
    innerSubject: inner.subject ?? '',
    text: inner.text ?? '',
  };
}

/** Copies to one member whose visible subject matches. */
export function copiesTo(sink: Sink, email: string, subject: RegExp): SunkMessage[] {
  return sink.messages.filter((m) => m.rcptTo.includes(email) && subject.test(subjectOf(m.raw)));
}

function subjectOf(raw: Buffer): string {
  const head = raw.toString('latin1').split(/\r?\n\r?\n/)[0] ?? '';
  return /^Subject: (.*)$/im.exec(head)?.[1] ?? '';
}

export async function waitForCopies(sink: Sink, email: string, subject: RegExp, n: number, timeoutMs = 20_000): Promise<SunkMessage[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = copiesTo(sink, email, subject);
    if (found.length >= n) return found;
    if (Date.now() > until) throw new Error(`${email} got ${found.length} of ${n} copies matching ${String(subject)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** "> " before every line, as a mail client quotes on Reply. */
export function quote(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => (l === '' ? '>' : `> ${l}`))
    .join('\n');
}

/**
 * Reply as an OpenPGP mail client does: Re: subject, In-Reply-To, the quoted text kept, encrypted
 * to the list key, signed (or not) by the member, sent to the Reply-To address.
 */
export async function reply(
  port: number,
  opened: OpenedCopy,
  from: TestMember,
  listKey: PublicKey,
  o: { body?: (quoted: string) => string; pgp?: Partial<PgpMimeOptions>; envelopeFrom?: string; to?: string } = {},
): Promise<SmtpOutcome> {
  const quoted = quote(opened.text);
  const text = o.body ? o.body(quoted) : `Here, reachable.\n\nOn the list's behalf you wrote:\n${quoted}\n`;
  const raw = await pgpMimeMessage(
    {
      from: { name: from.name, address: from.email },
      to: o.to ?? opened.replyTo,
      subject: `Re: ${opened.innerSubject}`,
      text,
      inReplyTo: opened.messageId,
      references: [opened.messageId],
    },
    { encryptTo: [listKey], signer: from.key, ...o.pgp },
  );
  return submit(port, o.envelopeFrom ?? from.email, o.to ?? opened.replyTo, raw);
}

export function tokenIn(text: string): string {
  const m = /\b(?:cc|ec)-[a-z0-9]{26}\b/.exec(text);
  if (!m) throw new Error('no token in the text');
  return m[0];
}
