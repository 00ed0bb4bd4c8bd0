import { expect } from 'chai';
import { statusFromText } from '../../../src/delivery/bounce-text.js';
import { contentType, decodeBody, decodeWords, parseEntity, parseFields, splitMultipart } from '../../../src/delivery/mime-lite.js';
import { oneLine } from '../../../src/delivery/text.js';

describe('delivery/mime-lite', () => {
  it('unfolds header fields, keeps the first of duplicates and ignores junk lines', () => {
    const h = parseFields('Subject: a\n  b\n\tc\nFrom mbox line\nX-A: 1\nx-a: 2\nEmpty:');
    expect(h.get('subject')).to.equal('a b c');
    expect(h.get('X-A')).to.equal('1');
    expect(h.get('empty')).to.equal('');
    expect(h.get('from mbox line')).to.equal(undefined);
  });

  it('splits header and body at the first empty line; a leading empty line means no headers', () => {
    expect(parseEntity('A: 1\n\nbody\n\nmore').body).to.equal('body\n\nmore');
    const e = parseEntity('\nA: 1\n');
    expect(e.headers.get('a')).to.equal(undefined);
    expect(e.body).to.equal('A: 1\n');
  });

  const types: [raw: string | undefined, type: string, params: Record<string, string>][] = [
    ['multipart/report; report-type=delivery-status; boundary="a;b \\"q\\""', 'multipart/report', { 'report-type': 'delivery-status', boundary: 'a;b "q"' }],
    ['Multipart/Mixed;BOUNDARY=xyz', 'multipart/mixed', { boundary: 'xyz' }],
    ['text/plain; charset=UTF-8 (comment)', 'text/plain', { charset: 'UTF-8' }],
    ['garbage', 'text/plain', {}],
    [undefined, 'text/plain', {}],
  ];
  for (const [raw, type, params] of types) {
    it(`content type ${JSON.stringify(raw)}`, () => {
      const ct = contentType(parseFields(raw === undefined ? '' : `Content-Type: ${raw}`));
      expect(ct.type).to.equal(type);
      expect(Object.fromEntries(ct.params)).to.deep.equal(params);
    });
  }

  it('splits multiparts, dropping preamble and epilogue, with a part cap', () => {
    const body = 'preamble\n--b\none\n--b \ntwo\nlines\n--b--\nepilogue\n--b\nnot a part';
    expect(splitMultipart(body, 'b', 10)).to.deep.equal(['one', 'two\nlines']);
    expect(splitMultipart(body, 'b', 1)).to.deep.equal(['one']);
    expect(splitMultipart('--b\nunterminated', 'b', 10)).to.deep.equal(['unterminated']);
  });

  it('decodes quoted-printable and base64 bodies with their charset', () => {
    const qp = parseEntity('Content-Transfer-Encoding: quoted-printable\nContent-Type: text/plain; charset=iso-8859-1\n\nGr=FC=DFe, soft=\nbreak =3D ok');
    expect(decodeBody(qp)).to.equal('Grüße, softbreak = ok');
    const b64 = parseEntity(`Content-Transfer-Encoding: BASE64\n\n${Buffer.from('Prüfung ✓').toString('base64').replace(/(.{4})/g, '$1\n')}`);
    expect(decodeBody(b64)).to.equal('Prüfung ✓');
    const unknown = parseEntity('Content-Transfer-Encoding: quoted-printable\nContent-Type: text/plain; charset=x-nonsense\n\na=3Db');
    expect(decodeBody(unknown)).to.equal('a=b');
  });

  const words: [string, string][] = [
    ['=?utf-8?Q?Abwesenheitsnotiz:_Re:_x?=', 'Abwesenheitsnotiz: Re: x'],
    ['=?ISO-8859-1?Q?R=E9ponse_automatique?=', 'Réponse automatique'],
    [`=?UTF-8?B?${Buffer.from('Automatische Antwort').toString('base64')}?=`, 'Automatische Antwort'],
    ['=?utf-8?q?a?= =?utf-8?q?b?=', 'ab'],
    ['=?utf-8*de?Q?x?=', 'x'],
    ['plain =? text', 'plain =? text'],
  ];
  for (const [raw, decoded] of words) {
    it(`decodes ${raw}`, () => expect(decodeWords(raw)).to.equal(decoded));
  }
});

describe('delivery/bounce-text statusFromText', () => {
  const table: [string, string | null][] = [
    ['550 5.1.1 <a@b>: unknown', '5.1.1'],
    ['#550 5.1.10 RESOLVER', '5.1.10'],
    ['no mailbox here (#5.1.1)', '5.1.1'],
    ["Remote Server returned '554 5.4.14 Hop count exceeded'", '5.4.14'],
    ['said: 550 user unknown', '5.0.0'],
    ['421-mx busy', '4.0.0'],
    ['connect to [5.9.10.20]:25 refused', null],
    ['connect to 5.9.10.20 refused', null],
    ['version 2.6.0.1', null],
    ['in 2026 at port 25', null],
    ['', null],
  ];
  for (const [text, status] of table) {
    it(`${JSON.stringify(text)} → ${status}`, () => expect(statusFromText(text)).to.equal(status));
  }
});

describe('delivery/text oneLine', () => {
  it('flattens line breaks and runs of white space', () => {
    expect(oneLine(' a\r\n b\tc\u2028d ')).to.equal('a b c d');
  });
  it('removes controls and bidi overrides and repairs lone surrogates', () => {
    expect(oneLine('a\u0000b\u001b[1mc\u202ed\u2066e\ud800f')).to.equal('a b [1mc d e\ufffdf');
  });
  it('caps at the limit with an ellipsis and never splits a surrogate pair', () => {
    expect(oneLine('x'.repeat(10), 5)).to.equal('xxxx…');
    expect(oneLine('abc😀def', 5)).to.equal('abc…');
    expect(oneLine('ab😀def', 5)).to.equal('ab😀…');
    expect(oneLine('abcde', 5)).to.equal('abcde');
  });
});
