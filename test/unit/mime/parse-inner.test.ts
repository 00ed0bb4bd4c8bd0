import { expect } from 'chai';
import { parseInner } from '../../../src/mime/parse-inner.js';
import { crlf, expectMimeError, fixture, text } from './helpers.js';

const SIG = '-----BEGIN PGP SIGNATURE-----\n\niHUEARYKAB0=\n-----END PGP SIGNATURE-----\n';

describe('mime/parseInner', () => {
  for (const ends of ['lf', 'crlf'] as const) {
    describe(`line ends ${ends}`, () => {
      it('Thunderbird: protected headers (v1) on multipart/mixed, text and attachment', () => {
        const m = parseInner(fixture('thunderbird-inner.eml', ends));
        expect(m.signed).to.equal(null);
        expect(m.protectedHeaders.scheme).to.equal('memory-hole-v1');
        expect(m.protectedHeaders.subject).to.equal('TLP:AMBER Phishing wave against municipalities');
        expect(m.protectedHeaders.from).to.deep.equal({ address: 'alice.example@example.org', name: 'Alice Example' });
        expect(m.protectedHeaders.to).to.deep.equal([{ address: 'csirt-nl@lists.example', name: '' }]);
        expect(m.texts[0]).to.match(/^TLP:AMBER\r?\n/);
        expect(m.texts.join('\n')).to.include('198.51.100.23');
        expect(m.attachments).to.deep.equal([{ contentType: 'text/csv', filename: 'iocs.csv', size: 99 }]);
        expect(m.entity.contentHeaders).to.equal(
          'Content-Type: multipart/mixed; boundary="------------2mQa5fE0sNn8xuQw1Bn3Fk9r";\r\n protected-headers="v1"\r\n',
        );
      });

      it('Enigmail: signed inside encrypted, protected headers and legacy text/rfc822-headers part', () => {
        const raw = fixture('enigmail-signed-inner.eml', ends);
        const m = parseInner(raw);
        expect(m.signed?.micalg).to.equal('pgp-sha256');
        expect(m.signed?.signatureArmored).to.match(/^-----BEGIN PGP SIGNATURE-----/);
        const signed = text(m.signed?.signedBytes ?? new Uint8Array());
        expect(signed.startsWith('Content-Type: multipart/mixed; boundary="QWpKd0Jc3WBsF5sRkqLbBvNy7jDdcM7Zr";\r\n')).to.equal(true);
        expect(signed.endsWith('--QWpKd0Jc3WBsF5sRkqLbBvNy7jDdcM7Zr--\r\n')).to.equal(true);
        expect(/(^|[^\r])\n/.test(signed)).to.equal(false);
        expect(m.protectedHeaders.subject).to.equal('TLP:GREEN Vulnerability in réseau appliances');
        expect(m.protectedHeaders.references).to.deep.equal(['<aaa@example.org>', '<bbb@example.org>']);
        expect(m.protectedHeaders.inReplyTo).to.deep.equal(['<bbb@example.org>']);
        expect(m.legacyDisplay).to.have.length(1);
        expect(m.legacyDisplay[0]).to.include('Subject: TLP:GREEN');
        expect(m.texts).to.have.length(1);
        expect(m.texts[0]).to.include('réseau appliance firmware. \r\n'.replace('\r\n', ends === 'crlf' ? '\r\n' : '\n'));
        // The content entity is the first part of multipart/signed.
        expect(m.entity.contentHeaders.startsWith('Content-Type: multipart/mixed;')).to.equal(true);
      });

      it('Mutt: signed inside encrypted without protected headers; trailing space kept', () => {
        const m = parseInner(fixture('mutt-signed-inner.eml', ends));
        expect(m.signed?.micalg).to.equal('pgp-sha512');
        expect(m.protectedHeaders.scheme).to.equal('none');
        expect(m.protectedHeaders.subject).to.equal(null);
        expect(text(m.signed?.signedBytes ?? new Uint8Array())).to.equal(
          'Content-Type: text/plain; charset=us-ascii\r\nContent-Disposition: inline\r\n\r\nHi,\r\n\r\nwe see active exploitation of CVE-2025-0001 against edge devices.\r\nPlease do not share outside your team.\r\n\r\n-- \r\nCarol\r\n',
        );
        expect(m.entity.contentHeaders).to.equal('Content-Type: text/plain; charset=us-ascii\r\nContent-Disposition: inline\r\n');
      });

      it('Mutt: encrypted only, 8bit UTF-8 single part', () => {
        const m = parseInner(fixture('mutt-inner-plain.eml', ends));
        expect(m.signed).to.equal(null);
        expect(m.texts[0]?.trim()).to.equal('Grüße from the SOC. Nothing to report this week.');
        expect(m.attachments).to.deep.equal([]);
      });

      it('GpgOL: HTML alternative scanned as source and as visible text; attachment named by encoded-word', () => {
        const m = parseInner(fixture('gpgol-inner.eml', ends));
        expect(m.texts[0]).to.include('collega’s');
        const all = m.texts.join('\n');
        expect(all).to.include('TLP:RED');
        expect(all).to.include('TLP:AMBER');
        expect(m.attachments).to.deep.equal([
          { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', filename: 'status-overzicht.xlsx', size: 516 },
        ]);
      });

      it('decodes QP, base64, UTF-16 (BOM and BE), UTF-7 and a forwarded message subject', () => {
        const m = parseInner(fixture('encodings-inner.eml', ends));
        expect(m.protectedHeaders.subject).to.equal('TLP:RED hidden in base64');
        expect(m.protectedHeaders.scheme).to.equal('implicit');
        const all = m.texts.join('\n');
        for (const needle of ['Café label: TLP:AMBER', 'TLP:GREEN ✓', 'TLP:AMBER+STRICT utf-16 part', 'TLP:RED utf-16be part', 'Fwd: TLP:CLEAR forwarded', 'Hi TLP:RED hidden in UTF-7']) {
          expect(all).to.include(needle);
        }
      });

      it('RFC 9788 hp="cipher" with a legacy display element', () => {
        const m = parseInner(fixture('hp-inner.eml', ends));
        expect(m.protectedHeaders.scheme).to.equal('hp-cipher');
        expect(m.protectedHeaders.subject).to.equal('TLP:AMBER+STRICT Sensitive coordination');
        expect(m.protectedHeaders.messageId).to.equal('<hp-1@example.com>');
        expect(m.protectedHeaders.date?.toISOString()).to.equal('2025-11-25T15:00:00.000Z');
        expect(m.legacyDisplay[0]).to.match(/^Subject: TLP:AMBER\+STRICT/);
        expect(m.texts).to.deep.equal([ends === 'crlf' ? 'Coordination call tomorrow at 10:00.\r\n' : 'Coordination call tomorrow at 10:00.\n']);
      });

      it('keeps a 3,000-character line intact', () => {
        const m = parseInner(fixture('long-line-inner.eml', ends));
        expect(m.texts[0]).to.include(`${'x'.repeat(3000)} TLP:GREEN`);
        expect(m.entity.body.length).to.be.greaterThan(3000);
      });
    });
  }

  it('returns the body byte-for-byte, line ends as received', () => {
    const raw = fixture('thunderbird-inner.eml');
    const m = parseInner(raw);
    const bodyStart = raw.indexOf('\n\n') + 2;
    expect(Buffer.from(m.entity.body).equals(raw.subarray(bodyStart))).to.equal(true);
  });

  it('drops a leading "Subject:" line only when it repeats the protected subject', () => {
    const same = parseInner(crlf('Content-Type: text/plain\nSubject: TLP:GREEN hello\n\nSubject: TLP:GREEN hello\n\nbody\n'));
    expect(same.texts).to.deep.equal(['body\r\n']);
    expect(same.legacyDisplay).to.have.length(1);
    const different = parseInner(crlf('Content-Type: text/plain\nSubject: TLP:GREEN hello\n\nSubject: TLP:RED other\n\nbody\n'));
    expect(different.texts[0]).to.include('TLP:RED other');
  });

  it('finds an HTML legacy-display div and keeps the rest of the HTML', () => {
    const m = parseInner(
      crlf(
        'Content-Type: text/html; charset=utf-8; hp="cipher"; hp-legacy-display="1"\nSubject: s\n\n<html><body><div class="header-protection-legacy-display"><pre>Subject: s</pre></div><p>TLP:RED body</p></body></html>\n',
      ),
    );
    expect(m.legacyDisplay).to.deep.equal(['Subject: s']);
    expect(m.texts.join('')).to.include('TLP:RED body');
    expect(m.texts.join('')).not.to.include('legacy-display');
  });

  it('reads non-MIME decrypted text as a text/plain body', () => {
    const m = parseInner(Buffer.from('Just a line of text, TLP:RED\nand another\n'));
    expect(m.texts[0]).to.include('TLP:RED');
    expect(m.entity.contentHeaders).to.equal('');
  });

  describe('multipart/signed shape', () => {
    const signed = (ct: string, parts: string[]): Buffer =>
      crlf([ct, '', ...parts.flatMap((p) => ['--s', p]), '--s--', ''].join('\n'));
    const first = 'Content-Type: text/plain\n\nhello\n';
    const sig = `Content-Type: application/pgp-signature\n\n${SIG}`;
    it('refuses three parts, an unquoted protocol and a non-signature second part', () => {
      expectMimeError(() => parseInner(signed('Content-Type: multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256; boundary=s', [first, sig, sig])), 'malformed', /exactly two/);
      expectMimeError(() => parseInner(signed('Content-Type: multipart/signed; protocol=application/pgp-signature; boundary=s', [first, sig])), 'malformed', /quoted/);
      expectMimeError(() => parseInner(signed('Content-Type: multipart/signed; protocol="application/pgp-signature"; boundary=s', [first, first])), 'malformed', /pgp-signature/);
      expectMimeError(() => parseInner(signed('Content-Type: multipart/signed; protocol="application/pgp-signature"; boundary=s', [first, 'Content-Type: application/pgp-signature\n\nnot armor\n'])), 'malformed', /armored/);
    });
    it('leaves S/MIME multipart/signed alone (no OpenPGP signature)', () => {
      const m = parseInner(signed('Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary=s', [first, 'Content-Type: application/pkcs7-signature\n\nAAAA\n']));
      expect(m.signed).to.equal(null);
    });
    it('refuses conflicting Subjects on the wrapper and the signed part', () => {
      expectMimeError(
        () => parseInner(signed('Content-Type: multipart/signed; protocol="application/pgp-signature"; boundary=s\nSubject: TLP:CLEAR a', ['Content-Type: text/plain\nSubject: TLP:RED b\n\nx\n', sig])),
        'malformed',
        /conflicting/,
      );
    });
    it('takes the boundary line end out of signedBytes but keeps a blank line the part ends with', () => {
      const m = parseInner(signed('Content-Type: multipart/signed; protocol="application/pgp-signature"; boundary=s', ['Content-Type: text/plain\n\nhello\n', sig]));
      expect(text(m.signed?.signedBytes ?? new Uint8Array())).to.equal('Content-Type: text/plain\r\n\r\nhello\r\n');
    });
  });
});

describe('mime/parseInner agrees with mailparser on decoded text', () => {
  for (const name of ['thunderbird-inner.eml', 'mutt-inner-plain.eml', 'mutt-signed-inner.eml', 'gpgol-inner.eml', 'long-line-inner.eml']) {
    it(name, async () => {
      const { simpleParser } = await import('mailparser');
      const raw = fixture(name, 'crlf');
      const theirs = await simpleParser(raw);
      const ours = parseInner(raw).texts.join('\n').replace(/\r\n/g, '\n');
      const expected = (theirs.text ?? '').replace(/\r\n/g, '\n').trim();
      expect(expected.length).to.be.greaterThan(0);
      for (const line of expected.split('\n').filter((l) => l.trim().length > 0 && !l.startsWith('['))) {
        expect(ours).to.include(line.trim());
      }
    });
  }
});
