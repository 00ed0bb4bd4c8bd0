import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import { buildInnerMessage } from '../../../src/mime/build-inner.js';
import type { InnerMessageParams } from '../../../src/mime/build-inner.js';
import { buildOuterMessage, prepareOuter, renderSharedOuterFields } from '../../../src/mime/build-outer.js';
import type { SharedOuterHeaders } from '../../../src/mime/build-outer.js';
import { parseInner } from '../../../src/mime/parse-inner.js';
import { parseOuter } from '../../../src/mime/parse-outer.js';
import { toCrlf } from '../../../src/mime/bytes.js';
import { ARMOR, expectMimeError, fixture, seededRandom } from './helpers.js';

const LIST = 'csirt-nl@lists.example';

function shared(over: Partial<SharedOuterHeaders> = {}): SharedOuterHeaders {
  return {
    from: { name: 'Bob Analyst via csirt-nl', address: LIST },
    replyTo: [{ name: 'csirt-nl', address: LIST }],
    subject: '[csirt-nl] TLP:GREEN ...',
    date: new Date(Date.UTC(2025, 10, 25, 16, 0, 0)),
    messageId: '<3f2a9c@lists.example>',
    inReplyTo: ['<bbb@example.org>'],
    references: ['<aaa@example.org>', '<bbb@example.org>'],
    list: { name: 'csirt-nl', address: LIST },
    listPost: [`mailto:${LIST}`],
    listHelp: ['mailto:csirt-nl-request@lists.example?subject=help'],
    listOwner: ['mailto:csirt-nl-owner@lists.example'],
    xLoop: LIST,
    ...over,
  };
}

function innerParams(over: Partial<InnerMessageParams> = {}): InnerMessageParams {
  const source = parseInner(fixture('enigmail-signed-inner.eml'));
  const outer = shared();
  return {
    subject: 'TLP:GREEN Vulnerability in réseau appliances',
    from: outer.from,
    to: { name: 'csirt-nl', address: LIST },
    date: outer.date,
    messageId: outer.messageId,
    replyTo: outer.replyTo,
    inReplyTo: outer.inReplyTo,
    references: outer.references,
    outer,
    notice: 'Sent to csirt-nl by Bob Analyst <bob@cert.example>.\nSignature: good (key 0x1234ABCD).\n',
    content: { kind: 'entity', contentHeaders: source.entity.contentHeaders, body: source.entity.body },
    random: seededRandom(7),
    ...over,
  };
}

/** Header section of a built message, unfolded into [name, value] pairs. */
function headerFields(msg: Uint8Array): Array<[string, string]> {
  const s = Buffer.from(msg).toString('latin1');
  const head = s.slice(0, s.indexOf('\r\n\r\n'));
  return head
    .split(/\r\n(?![ \t])/)
    .map((f) => [f.slice(0, f.indexOf(':')), f.slice(f.indexOf(':') + 1).replace(/\r\n/g, '').trim()] as [string, string]);
}

function expectWellFormed(msg: Uint8Array): void {
  const s = Buffer.from(msg).toString('latin1');
  expect(/(^|[^\r])\n/.test(s), 'bare LF').to.equal(false);
  expect(/\r(?!\n)/.test(s), 'bare CR').to.equal(false);
  for (const line of s.split('\r\n')) expect(line.length).to.be.at.most(998);
  const head = s.slice(0, s.indexOf('\r\n\r\n'));
  expect(/^[\t\r\n\x20-\x7e]*$/.test(head), 'header 7-bit').to.equal(true);
}

describe('mime: buildInnerMessage', () => {
  it('carries protected headers, a QP notice, and the original entity byte-for-byte', () => {
    const p = innerParams();
    const msg = buildInnerMessage(p);
    expectWellFormed(msg);
    if (p.content.kind !== 'entity') return;
    const embedded = Buffer.concat([Buffer.from(`${p.content.contentHeaders}\r\n`, 'latin1'), toCrlf(Buffer.from(p.content.body))]);
    expect(Buffer.from(msg).indexOf(embedded)).to.be.greaterThan(0);

    const back = parseInner(msg);
    expect(back.protectedHeaders.scheme).to.equal('hp-cipher');
    expect(back.protectedHeaders.subject).to.equal(p.subject);
    expect(back.protectedHeaders.from).to.deep.equal({ address: LIST, name: 'Bob Analyst via csirt-nl' });
    expect(back.protectedHeaders.references).to.deep.equal(['<aaa@example.org>', '<bbb@example.org>']);
    expect(back.texts[0]).to.include('Signature: good');
    expect(back.texts.join('\n')).to.include('réseau appliance firmware');
    const ct = headerFields(msg).find(([n]) => n === 'Content-Type')?.[1] ?? '';
    expect(ct).to.match(/protected-headers="v1"/);
    expect(ct).to.match(/hp="cipher"/);
  });

  it('re-parses with mailparser to the same subject, sender and parts', async () => {
    const mail = await simpleParser(Buffer.from(buildInnerMessage(innerParams())));
    expect(mail.subject).to.equal('TLP:GREEN Vulnerability in réseau appliances');
    expect(mail.from?.value[0]).to.deep.include({ address: LIST, name: 'Bob Analyst via csirt-nl' });
    expect(mail.text).to.include('Signature: good');
    expect(mail.text).to.include('Patch expected next week.');
  });

  it('records every shared outer field as HP-Outer, identical to what the copies carry, without To', () => {
    const p = innerParams();
    const inner = headerFields(buildInnerMessage(p));
    const hpOuter = inner.filter(([n]) => n === 'HP-Outer').map(([, v]) => v);
    const outer = headerFields(buildOuterMessage(p.outer, 'member@example.net', ARMOR, seededRandom(3)));
    const expected = outer.filter(([n]) => !['To', 'MIME-Version', 'Content-Type'].includes(n)).map(([n, v]) => `${n}: ${v}`);
    expect(hpOuter).to.deep.equal(expected);
    expect(hpOuter.some((v) => v.startsWith('To:'))).to.equal(false);
    expect(renderSharedOuterFields(p.outer).map((f) => f.name)).to.include.members(['List-Id', 'X-Loop', 'Precedence']);
  });

  it('builds text and attachments from inline-PGP pieces; mailparser gets names and bytes back', async () => {
    const pdf = Buffer.from('%PDF-1.7\n\x00\x01\x02 binary', 'latin1');
    const msg = buildInnerMessage(
      innerParams({
        content: {
          kind: 'pieces',
          text: 'TLP:GREEN\nFrom the report: naïve café.  \n',
          attachments: [
            { filename: 'Bericht über Vorfälle mit einem wirklich langen Dateinamen.pdf', contentType: 'application/pdf', data: pdf },
            { filename: '../../etc/passwd', contentType: 'bogus type\r\nBcc: x', data: Buffer.from('x') },
          ],
        },
      }),
    );
    expectWellFormed(msg);
    const mail = await simpleParser(Buffer.from(msg));
    expect(mail.attachments.map((a) => a.filename)).to.deep.equal(['Bericht über Vorfälle mit einem wirklich langen Dateinamen.pdf', 'passwd']);
    expect(mail.attachments[0]?.content.equals(pdf)).to.equal(true);
    expect(mail.attachments[1]?.contentType).to.equal('application/octet-stream');
    expect(mail.text).to.include('From the report: naïve café.');
    const back = parseInner(msg);
    expect(back.texts.join('')).to.include('From the report: naïve café.  ');
  });

  it('embeds a plain message (parseOuter entity) and an LF-only, long-line entity, CRLF-normalised', () => {
    const plain = parseOuter(fixture('nonascii-plain.eml'));
    if (plain.kind !== 'plain') return expect.fail('plain');
    expectWellFormed(buildInnerMessage(innerParams({ content: { kind: 'entity', ...plain.entity } })).subarray(0, 2000));
    const long = parseInner(fixture('long-line-inner.eml'));
    const msg = buildInnerMessage(innerParams({ content: { kind: 'entity', ...long.entity } }));
    expect(parseInner(msg).texts.join('')).to.include(`${'x'.repeat(3000)} TLP:GREEN`);
  });

  it('refuses contentHeaders that carry anything but Content-* fields', () => {
    for (const bad of ['Content-Type: text/plain\r\nBcc: evil@example.org\r\n', 'Bcc: evil@example.org\r\n', 'Content-Type: text/plain', 'Content-Type: text/plain\r\n\r\nBcc: x\r\n', 'Content-Type: text/plain\nBcc: x\r\n']) {
      expectMimeError(() => buildInnerMessage(innerParams({ content: { kind: 'entity', contentHeaders: bad, body: Buffer.from('x') } })), 'unsafe-value');
    }
  });
});

describe('mime: prepareOuter / buildOuterMessage', () => {
  it('builds RFC 3156 copies that parse back as pgp-mime, differing only in To and ciphertext', () => {
    const make = prepareOuter(shared(), seededRandom(9));
    const a = make({ name: 'Åsa Member', address: 'asa@example.se' }, ARMOR);
    const b = make('bob@example.net', ARMOR.replace('hF4D', 'hF4E'));
    for (const m of [a, b]) {
      expectWellFormed(m);
      expect(/^[\t\r\n\x20-\x7e]*$/.test(Buffer.from(m).toString('latin1'))).to.equal(true);
    }
    const pa = parseOuter(a);
    expect(pa.kind).to.equal('pgp-mime');
    if (pa.kind === 'pgp-mime') expect(Buffer.from(pa.ciphertext).toString()).to.equal(ARMOR.replace(/\n/g, '\r\n'));
    const strip = (m: Uint8Array): string => Buffer.from(m).toString('latin1').replace(/^To: .*\r\n/m, '').replace(/hF4[DE]/, '');
    expect(strip(a)).to.equal(strip(b));
  });

  it('re-parses with mailparser: list headers, placeholder subject, two parts', async () => {
    const mail = await simpleParser(Buffer.from(buildOuterMessage(shared(), { name: 'Åsa Member', address: 'asa@example.se' }, ARMOR, seededRandom(1))));
    expect(mail.subject).to.equal('[csirt-nl] TLP:GREEN ...');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0] : null).to.deep.include({ address: 'asa@example.se', name: 'Åsa Member' });
    expect(mail.messageId).to.equal('<3f2a9c@lists.example>');
    expect(mail.inReplyTo).to.equal('<bbb@example.org>');
    expect(mail.references).to.deep.equal(['<aaa@example.org>', '<bbb@example.org>']);
    expect(mail.headers.get('precedence')).to.equal('list');
    expect(mail.headers.get('x-loop')).to.equal(LIST);
    expect(mail.headers.get('content-type')).to.deep.include({ value: 'multipart/encrypted' });
    expect(mail.attachments.map((a) => a.contentType)).to.deep.equal(['application/pgp-encrypted', 'application/octet-stream']);
    expect(mail.attachments[0]?.content.toString()).to.equal('Version: 1\r\n');
    const raw = Buffer.from(buildOuterMessage(shared(), 'x@example.org', ARMOR, seededRandom(1))).toString();
    expect(raw).to.include('List-Id: "csirt-nl" <csirt-nl.lists.example>\r\n');
    expect(raw).to.include('List-Post: <mailto:csirt-nl@lists.example>\r\n');
    expect(raw).to.include('List-Owner: <mailto:csirt-nl-owner@lists.example>\r\n');
    expect(raw).to.include('Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\r\n');
    expect(raw).not.to.include('Auto-Submitted');
  });

  it('marks com-check pings Auto-Submitted: auto-generated', () => {
    const raw = Buffer.from(buildOuterMessage(shared({ autoSubmitted: 'auto-generated' }), 'x@example.org', ARMOR, seededRandom(1))).toString();
    expect(raw).to.include('\r\nAuto-Submitted: auto-generated\r\n');
  });

  it('caps References at the last 20 valid ids, dropping invalid ones', () => {
    const refs = [...Array.from({ length: 30 }, (_, i) => `<r${i}@example.org>`), '<bad id@x>', 'no-brackets@x', '<r29@example.org>'];
    const mail = headerFields(buildOuterMessage(shared({ references: refs }), 'x@example.org', ARMOR, seededRandom(1)));
    const got = mail.find(([n]) => n === 'References')?.[1].split(' ') ?? [];
    expect(got).to.have.length(20);
    expect(got[0]).to.equal('<r10@example.org>');
    expect(got[19]).to.equal('<r29@example.org>');
  });

  it('is cheap per recipient: 2,000 copies of a 17 KB ciphertext well under a second', () => {
    const big = ['-----BEGIN PGP MESSAGE-----', '', ...Array.from({ length: 270 }, () => 'A'.repeat(64)), '=abcd', '-----END PGP MESSAGE-----', ''].join('\n');
    const make = prepareOuter(shared(), seededRandom(2));
    const t = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) make(`member${i}@example.org`, big);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    expect(ms).to.be.lessThan(1000);
  });

  it('refuses ciphertext that is not exactly one 7-bit armored message', () => {
    const make = prepareOuter(shared(), seededRandom(2));
    for (const bad of ['hello', `${ARMOR}\n${ARMOR}`, ARMOR.replace('hF4D', 'hF4D\u00e9'), ARMOR.replace('hF4D', 'hF4D\rX'), `${ARMOR.slice(0, 40)}${'A'.repeat(1200)}${ARMOR.slice(40)}`]) {
      expectMimeError(() => make('x@example.org', bad), 'unsafe-value');
    }
  });
});
