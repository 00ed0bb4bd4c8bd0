import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import { addressListField, cleanIdList, formatDate, paramField, unstructuredField } from '../../../src/mime/header-encode.js';
import { listIdHeader, listIdentifier, listUriHeader } from '../../../src/mime/list-headers.js';
import { newMessageId } from '../../../src/mime/random.js';
import { buildOuterMessage } from '../../../src/mime/build-outer.js';
import type { SharedOuterHeaders } from '../../../src/mime/build-outer.js';
import { buildInnerMessage } from '../../../src/mime/build-inner.js';
import { parseOuter } from '../../../src/mime/parse-outer.js';
import { ARMOR, crlf, expectMimeError, seededRandom } from './helpers.js';

const LIST = 'csirt-nl@lists.example';

async function reparsedSubject(field: string): Promise<string | undefined> {
  return (await simpleParser(Buffer.from(`${field}\r\nFrom: a@example.org\r\n\r\nx\r\n`))).subject;
}

function lines(field: string): string[] {
  return field.split('\r\n');
}

function baseShared(over: Partial<SharedOuterHeaders> = {}): SharedOuterHeaders {
  return {
    from: { name: 'Alice via csirt-nl', address: LIST },
    subject: '[csirt-nl] TLP:AMBER ...',
    date: new Date(0),
    messageId: '<m1@lists.example>',
    list: { name: 'csirt-nl', address: LIST },
    xLoop: LIST,
    ...over,
  };
}

/** All header names of a built message (unfolded), lowercased. */
function headerNames(msg: Uint8Array): string[] {
  const s = Buffer.from(msg).toString('latin1');
  return s
    .slice(0, s.indexOf('\r\n\r\n'))
    .split(/\r\n(?![ \t])/)
    .map((f) => f.slice(0, f.indexOf(':')).toLowerCase());
}

describe('mime: header encoding', () => {
  it('keeps ASCII subjects readable and folds them at 78', () => {
    const f = unstructuredField('Subject', 'TLP:AMBER '.repeat(20).trim());
    expect(f.startsWith('Subject: TLP:AMBER TLP:AMBER')).to.equal(true);
    for (const l of lines(f)) expect(l.length).to.be.at.most(78);
  });

  it('encodes non-ASCII, emoji, literal "=?" and unbreakable words, and mailparser decodes them back', async () => {
    for (const s of ['Grüße aus Köln – TLP:GREEN', '🚨 TLP:RED 🚨 ünïcödé', 'literal =?utf-8?q?not_a_word?= here', 'x'.repeat(300), 'Ελληνικά '.repeat(30).trim()]) {
      const f = unstructuredField('Subject', s);
      expect(/^[\t\r\n\x20-\x7e]*$/.test(f)).to.equal(true);
      for (const l of lines(f)) expect(l.length).to.be.at.most(78);
      expect(await reparsedSubject(f)).to.equal(s);
    }
  });

  it('turns CR, LF, NUL and other controls into spaces', async () => {
    const f = unstructuredField('Subject', 'a\r\nBcc: evil@example.org\u0000\u2028b');
    expect(lines(f)).to.have.length(1);
    expect(await reparsedSubject(f)).to.equal('a Bcc: evil@example.org b');
  });

  it('writes display names as quoted strings or B-words, and refuses bad addresses', async () => {
    const f = addressListField('To', [
      { name: 'O\'Brien, "Pat" \\ IT', address: 'pat@example.org' },
      { name: 'Jörg Müller', address: 'joerg@example.de' },
      { address: 'plain@example.org' },
    ]);
    const mail = await simpleParser(Buffer.from(`${f}\r\n\r\nx`));
    const to = mail.to && !Array.isArray(mail.to) ? mail.to.value : [];
    expect(to.map((a) => [a.name, a.address])).to.deep.equal([
      ['O\'Brien, "Pat" \\ IT', 'pat@example.org'],
      ['Jörg Müller', 'joerg@example.de'],
      ['', 'plain@example.org'],
    ]);
    for (const address of ['a@b\r\nBcc: x@y', 'a b@example.org', '"q"@example.org', 'a@[1.2.3.4]', 'ü@example.org', 'a@example.org>', '']) {
      expectMimeError(() => addressListField('To', [{ address }]), 'unsafe-value', /address/);
    }
  });

  it('formats dates in UTC per RFC 5322 and refuses invalid dates', () => {
    expect(formatDate(new Date(Date.UTC(2025, 10, 5, 7, 3, 9)))).to.equal('Wed, 5 Nov 2025 07:03:09 +0000');
    expectMimeError(() => formatDate(new Date(Number.NaN)), 'unsafe-value');
  });

  it('keeps only valid Message-IDs, de-duplicated, last N', () => {
    expect(cleanIdList(['<a@b>', '<a@b>', '<c d@e>', '<x@y>\r\nBcc: z', 'e@f', '<g@h>', '<@h>', '<i@>'], 20)).to.deep.equal(['<a@b>', '<g@h>']);
    expect(cleanIdList(['<1@x>', '<2@x>', '<3@x>'], 2)).to.deep.equal(['<2@x>', '<3@x>']);
  });

  it('uses RFC 2231 for long or non-ASCII parameters, and mailparser reads them', async () => {
    const f = paramField('Content-Disposition', 'attachment', [['filename', 'Rapport über "Vorfälle" 2025 – endgültige Fassung mit Anhängen.pdf']]);
    for (const l of lines(f)) expect(l.length).to.be.at.most(78);
    const mail = await simpleParser(Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/pdf\r\n${f}\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n`));
    expect(mail.attachments[0]?.filename).to.equal('Rapport über "Vorfälle" 2025 – endgültige Fassung mit Anhängen.pdf');
  });

  it('builds List-Id, list URIs and Message-IDs', () => {
    expect(listIdHeader('csirt-nl', LIST)).to.equal('List-Id: "csirt-nl" <csirt-nl.lists.example>');
    expect(listIdHeader('CSIRT Nederland – intern', LIST)).to.match(/^List-Id: =\?UTF-8\?B\?.*<csirt-nl\.lists\.example>$/s);
    expect(listIdentifier('CSIRT-NL@Lists.Example')).to.equal('csirt-nl.lists.example');
    expect(listUriHeader('List-Help', ['mailto:a@b?subject=help', 'https://lists.example/help'])).to.equal(
      'List-Help: <mailto:a@b?subject=help>, <https://lists.example/help>',
    );
    for (const bad of ['javascript:alert(1)', 'mailto:a@b>, <mailto:evil', 'mailto:a@b\r\nBcc: x', 'https://x y']) {
      expectMimeError(() => listUriHeader('List-Post', [bad]), 'unsafe-value');
    }
    const id = newMessageId('lists.example', seededRandom(5));
    expect(id).to.match(/^<[0-9a-f]{32}@lists\.example>$/);
    expect(newMessageId('lists.example', seededRandom(6))).not.to.equal(id);
    expectMimeError(() => newMessageId('bad host\r\nBcc: x', seededRandom(5)), 'unsafe-value');
  });
});

describe('mime: header injection', () => {
  const evil = 'x\r\nBcc: evil@example.org\r\n\r\nbody';

  it('network values with CR/LF in subject, names, ids and list name never produce a Bcc field', async () => {
    const msg = buildOuterMessage(
      baseShared({
        subject: evil,
        from: { name: evil, address: LIST },
        replyTo: [{ name: `a\nBcc: b@example.org`, address: LIST }],
        inReplyTo: ['<a@b>\r\nBcc: evil@example.org'],
        references: ['<ok@example.org>', '<x@y>\nBcc: evil@example.org', '<a@b>\u0000'],
        list: { name: evil, address: LIST },
      }),
      { name: evil, address: 'member@example.org' },
      ARMOR,
      seededRandom(1),
    );
    expect(headerNames(msg)).not.to.include('bcc');
    expect(/^Bcc:/im.test(Buffer.from(msg).toString('latin1'))).to.equal(false);
    const mail = await simpleParser(Buffer.from(msg));
    expect(mail.bcc).to.equal(undefined);
    expect(mail.subject).to.equal('x Bcc: evil@example.org body');
    expect(mail.references).to.equal('<ok@example.org>');
    expect(mail.inReplyTo).to.equal(undefined);
  });

  it('the same holds for the inner message', () => {
    const outer = baseShared({ subject: evil });
    const msg = buildInnerMessage({
      subject: evil,
      from: { name: evil, address: LIST },
      to: { address: LIST },
      date: new Date(0),
      messageId: '<m1@lists.example>',
      references: ['<x@y>\r\nBcc: evil@example.org'],
      outer,
      notice: evil,
      content: { kind: 'pieces', text: evil, attachments: [{ filename: evil, contentType: 'text/plain', data: Buffer.from(evil) }] },
      random: seededRandom(1),
    });
    expect(headerNames(msg)).not.to.include('bcc');
    const s = Buffer.from(msg).toString('latin1');
    const head = s.slice(0, s.indexOf('\r\n\r\n'));
    expect(/^Bcc:/im.test(head)).to.equal(false);
  });

  it('an encoded-word that decodes to CR/LF stays one line from parse to build', async () => {
    const inbound = parseOuter(crlf('From: a@example.org\nSubject: =?utf-8?q?hi=0D=0ABcc:_evil@example.org?=\n\nx\n'));
    expect(inbound.headers.subject).to.equal('hi Bcc: evil@example.org');
    const msg = buildOuterMessage(baseShared({ subject: inbound.headers.subject ?? '' }), 'm@example.org', ARMOR, seededRandom(1));
    expect(headerNames(msg)).not.to.include('bcc');
  });

  it('refuses invalid Message-ID, X-Loop, To and Auto-Submitted values outright', () => {
    const f = (over: Partial<SharedOuterHeaders>, to = 'm@example.org'): unknown => buildOuterMessage(baseShared(over), to, ARMOR, seededRandom(1));
    expectMimeError(() => f({ messageId: '<a@b>\r\nBcc: x' }), 'unsafe-value', /Message-ID/);
    expectMimeError(() => f({ messageId: 'no-brackets@x' }), 'unsafe-value', /Message-ID/);
    expectMimeError(() => f({ xLoop: 'a@b\r\nBcc: x' }), 'unsafe-value');
    expectMimeError(() => f({}, 'm@example.org\r\nBcc: evil@example.org'), 'unsafe-value');
    expectMimeError(() => f({ autoSubmitted: 'auto-generated\r\nBcc: x' as 'auto-generated' }), 'unsafe-value');
  });
});
