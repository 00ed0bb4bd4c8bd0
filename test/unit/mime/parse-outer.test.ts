import { expect } from 'chai';
import { parseOuter } from '../../../src/mime/parse-outer.js';
import type { OuterMessage } from '../../../src/mime/parse-outer.js';
import { ARMOR, CONTROL, PAYLOAD, crlf, expectMimeError, fixture, pgpMime, text } from './helpers.js';

function kindOf<K extends OuterMessage['kind']>(m: OuterMessage, kind: K): Extract<OuterMessage, { kind: K }> {
  expect(m.kind).to.equal(kind);
  return m as Extract<OuterMessage, { kind: K }>;
}

describe('mime/parseOuter', () => {
  for (const ends of ['lf', 'crlf'] as const) {
    describe(`line ends ${ends}`, () => {
      it('reads a Thunderbird PGP/MIME message and its header facts', () => {
        const m = kindOf(parseOuter(fixture('thunderbird-outer.eml', ends)), 'pgp-mime');
        expect(m.headers.from).to.deep.equal({ address: 'alice.example@example.org', name: 'Alice Example' });
        expect(m.headers.subject).to.equal('...');
        expect(m.headers.messageId).to.equal('<7d2c1f3e-1a2b-4c5d-9e8f-0a1b2c3d4e5f@example.org>');
        expect(m.headers.date?.toISOString()).to.equal('2025-11-25T09:15:00.000Z');
        expect(m.headers.contentType.mediaType).to.equal('multipart/encrypted');
        expect(m.isReport).to.equal(false);
        expect(m.armored).to.equal(true);
        const ct = text(m.ciphertext);
        expect(ct.startsWith('-----BEGIN PGP MESSAGE-----')).to.equal(true);
        expect(ct.trimEnd().endsWith('-----END PGP MESSAGE-----')).to.equal(true);
      });

      it('reads Mutt PGP/MIME without protected headers: the label is in the outer Subject', () => {
        const m = kindOf(parseOuter(fixture('mutt-outer.eml', ends)), 'pgp-mime');
        expect(m.headers.subject).to.equal('TLP:RED Active exploitation of CVE-2025-0001');
        expect(m.headers.inReplyTo).to.deep.equal(['<prev-1@ncsc.example>']);
        expect(m.headers.references).to.deep.equal(['<root-0@ncsc.example>', '<prev-1@ncsc.example>']);
      });

      it('reads Outlook/GpgOL PGP/MIME with an encoded-word subject', () => {
        const m = kindOf(parseOuter(fixture('gpgol-outer.eml', ends)), 'pgp-mime');
        expect(m.headers.subject).to.equal('[INC] Ransomware – update');
        expect(m.headers.from).to.deep.equal({ address: 'heidi@cert-ex.example', name: 'Heidi (CERT-EX)' });
      });

      it('reads inline PGP (Mailvelope): one text piece, armor headers kept', () => {
        const m = kindOf(parseOuter(fixture('inline-pgp.eml', ends)), 'inline');
        expect(m.pieces).to.have.length(1);
        const p = m.pieces[0];
        expect(p?.type).to.equal('text');
        if (p?.type !== 'text') return;
        expect(p.armored).to.match(/^-----BEGIN PGP MESSAGE-----\r?\nVersion: Mailvelope/);
        expect(p.armored).to.match(/-----END PGP MESSAGE-----$/);
        expect(p.charset).to.equal('utf-8');
      });

      it('reads inline PGP with encrypted attachments: names without .pgp/.asc, guessed types', () => {
        const m = kindOf(parseOuter(fixture('inline-pgp-attachment.eml', ends)), 'inline');
        expect(m.pieces.map((p) => p.type)).to.deep.equal(['text', 'attachment', 'attachment']);
        const [, pdf, csv] = m.pieces;
        if (pdf?.type !== 'attachment' || csv?.type !== 'attachment') return expect.fail('attachments');
        expect(pdf).to.include({ filename: 'report.pdf', contentType: 'application/pdf', armored: false });
        expect(pdf.data[0]).to.equal(0x85);
        expect(csv).to.include({ filename: 'iocs.csv', contentType: 'text/csv', armored: true });
      });

      it('calls clear text around an armored block partial', () => {
        const m = kindOf(parseOuter(fixture('inline-partial.eml', ends)), 'partial');
        expect(m.pieces).to.have.length(1);
        expect(m.unencrypted).to.have.length(1);
        expect(m.unencrypted[0]?.contentType).to.equal('text/plain');
      });

      it('calls an unencrypted attachment next to an armored text partial', () => {
        const m = kindOf(parseOuter(fixture('inline-plain-attachment.eml', ends)), 'partial');
        expect(m.unencrypted).to.deep.equal([{ contentType: 'application/pdf', filename: 'report.pdf', size: 29 }]);
      });

      it('reads a plain message with encoded-words, loop and auto-reply markers', () => {
        const m = kindOf(parseOuter(fixture('nonascii-plain.eml', ends)), 'plain');
        expect(m.headers.subject).to.equal('Verdächtige Anmeldungen TLP:AMBER');
        expect(m.headers.from).to.deep.equal({ address: 'joerg@example.de', name: 'Jörg Müller' });
        expect(m.headers.autoSubmitted).to.equal('auto-replied');
        expect(m.headers.precedence).to.equal('bulk');
        expect(m.headers.xLoop).to.deep.equal(['other-list@lists.example']);
        expect(m.headers.listId).to.equal('other-list.lists.example');
        expect(m.entity.contentHeaders).to.equal('Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n');
        expect(text(m.entity.body).trim()).to.equal('Gr=FC=DFe, wir sehen verd=E4chtige Anmeldungen.');
      });
    });
  }

  it('flags multipart/report', () => {
    const raw = crlf('From: MAILER-DAEMON@example.org\nContent-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n--r\nContent-Type: text/plain\n\nfailed\n--r--\n');
    const m = parseOuter(raw);
    expect(m.isReport).to.equal(true);
    expect(m.kind).to.equal('plain');
  });

  it('treats a quoted armored block in a reply as clear text', () => {
    const raw = crlf(`From: a@example.org\nContent-Type: text/plain\n\nYou wrote:\n> ${ARMOR.replace(/\n/g, '\n> ')}\n`);
    expect(parseOuter(raw).kind).to.equal('plain');
  });

  it('counts a visible HTML alternative as clear text', () => {
    const raw = crlf(
      `From: a@example.org\nContent-Type: multipart/alternative; boundary="a"\n\n--a\nContent-Type: text/plain\n\n${ARMOR}\n--a\nContent-Type: text/html\n\n<p>secret</p>\n--a--\n`,
    );
    expect(parseOuter(raw).kind).to.equal('partial');
  });

  describe('RFC 3156 shape', () => {
    const good = 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b"';
    it('accepts the canonical shape', () => {
      expect(parseOuter(pgpMime(good, [CONTROL, PAYLOAD])).kind).to.equal('pgp-mime');
    });
    it('accepts "Version: 1" with surrounding whitespace and a base64 control part', () => {
      const b64 = `Content-Type: application/pgp-encrypted\nContent-Transfer-Encoding: base64\n\n${Buffer.from('Version: 1\r\n').toString('base64')}\n`;
      expect(parseOuter(pgpMime(good, [b64, PAYLOAD])).kind).to.equal('pgp-mime');
    });
    it('refuses a missing Version: 1', () => {
      expectMimeError(() => parseOuter(pgpMime(good, ['Content-Type: application/pgp-encrypted\n\nVersion: 2\n', PAYLOAD])), 'malformed', /Version: 1/);
      expectMimeError(() => parseOuter(pgpMime(good, ['Content-Type: application/pgp-encrypted\n\n', PAYLOAD])), 'malformed', /Version: 1/);
    });
    it('refuses an unquoted protocol', () => {
      const unquoted = 'Content-Type: multipart/encrypted; protocol=application/pgp-encrypted; boundary="b"';
      expectMimeError(() => parseOuter(pgpMime(unquoted, [CONTROL, PAYLOAD])), 'malformed', /protocol/);
    });
    it('refuses a wrong or missing protocol', () => {
      for (const ct of [
        'Content-Type: multipart/encrypted; protocol="application/pkcs7-mime"; boundary="b"',
        'Content-Type: multipart/encrypted; boundary="b"',
      ]) {
        expectMimeError(() => parseOuter(pgpMime(ct, [CONTROL, PAYLOAD])), 'malformed', /protocol/);
      }
    });
    it('refuses three parts, one part, and swapped parts', () => {
      expectMimeError(() => parseOuter(pgpMime(good, [CONTROL, PAYLOAD, PAYLOAD])), 'malformed', /exactly two parts/);
      expectMimeError(() => parseOuter(pgpMime(good, [CONTROL])), 'malformed', /exactly two parts/);
      expectMimeError(() => parseOuter(pgpMime(good, [PAYLOAD, CONTROL])), 'malformed', /first part/);
    });
    it('refuses a second part that is not application/octet-stream or holds no OpenPGP message', () => {
      expectMimeError(() => parseOuter(pgpMime(good, [CONTROL, `Content-Type: text/plain\n\n${ARMOR}\n`])), 'malformed', /octet-stream/);
      expectMimeError(() => parseOuter(pgpMime(good, [CONTROL, 'Content-Type: application/octet-stream\n\nhello\n'])), 'malformed', /OpenPGP/);
    });
    it('refuses a multipart without a boundary', () => {
      expectMimeError(() => parseOuter(crlf('From: a@example.org\nContent-Type: multipart/mixed\n\nx\n')), 'malformed', /boundary/);
    });
  });

  describe('ambiguous headers', () => {
    it('refuses two From fields, two Subjects, two Content-Types', () => {
      expectMimeError(() => parseOuter(crlf('From: a@example.org\nFrom: b@example.org\n\nx\n')), 'malformed', /From/);
      expectMimeError(() => parseOuter(crlf('From: a@example.org\nSubject: a\nSubject: b\n\nx\n')), 'malformed', /Subject/);
      expectMimeError(() => parseOuter(crlf('From: a@example.org\nContent-Type: text/plain\nContent-Type: text/html\n\nx\n')), 'malformed', /Content-Type/);
    });
    it('refuses a From with two mailboxes or an invalid address', () => {
      expectMimeError(() => parseOuter(crlf('From: a@example.org, b@example.org\n\nx\n')), 'malformed', /exactly one/);
      expectMimeError(() => parseOuter(crlf('From: "x" <not an address>\n\nx\n')), 'malformed');
    });
    it('gives a null From when there is none, and drops invalid Message-IDs', () => {
      const m = parseOuter(crlf('Subject: hi\nMessage-ID: <no spaces allowed@x y>\nReferences: <ok@x> junk <also bad> <ok2@y>\n\nx\n'));
      expect(m.headers.from).to.equal(null);
      expect(m.headers.messageId).to.equal(null);
      expect(m.headers.references).to.deep.equal(['<ok@x>', '<ok2@y>']);
    });
    it('never leaks header content into error messages', () => {
      const e = expectMimeError(() => parseOuter(crlf('From: secret-name@example.org, other@example.org\n\nx\n')));
      expect(e.message).not.to.include('secret');
    });
  });
});
