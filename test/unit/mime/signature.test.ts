import { expect } from 'chai';
import * as openpgp from 'openpgp';
import { parseInner } from '../../../src/mime/parse-inner.js';
import { parseInlineText } from '../../../src/mime/inline.js';
import { fixture } from './helpers.js';

/**
 * One real round trip per form: a detached signature made with openpgp over the first part (cut
 * out of the fixture with plain string operations, independent of our parser) must verify
 * against parseInner's signedBytes, whether the message arrives with LF or CRLF line ends.
 */
describe('mime: signatures verify against what the parsers return', function () {
  this.timeout(20000);
  let privateKey: openpgp.PrivateKey;
  let publicKey: openpgp.PublicKey;

  before(async () => {
    const { privateKey: armoredPriv } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: 'Bob Analyst', email: 'bob@cert.example' }],
      format: 'armored',
    });
    privateKey = await openpgp.readPrivateKey({ armoredKey: armoredPriv });
    publicKey = privateKey.toPublic();
  });

  async function detachedSign(data: Uint8Array): Promise<string> {
    return openpgp.sign({ message: await openpgp.createMessage({ binary: data }), signingKeys: privateKey, detached: true, format: 'armored' });
  }

  async function verifies(data: Uint8Array, armoredSignature: string): Promise<boolean> {
    const result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: data }),
      signature: await openpgp.readSignature({ armoredSignature }),
      verificationKeys: publicKey,
    });
    try {
      for (const s of result.signatures) await s.verified;
      return result.signatures.length > 0;
    } catch {
      return false;
    }
  }

  /** The first part of the Enigmail fixture, found by string search for its boundary lines. */
  function firstPartLf(): string {
    const src = fixture('enigmail-signed-inner.eml').toString('utf8');
    const b = '--5yFXuRfO4ZXW8p6qLZTrk3m0hWbsGkWJD';
    const start = src.indexOf(`${b}\n`) + b.length + 1;
    const end = src.indexOf(`\n${b}\n`, start);
    return src.slice(start, end);
  }

  for (const ends of ['lf', 'crlf'] as const) {
    it(`multipart/signed inside encrypted (${ends}): detached signature verifies over signedBytes`, async () => {
      const part = firstPartLf();
      const canonical = Buffer.from(part.replace(/\n/g, '\r\n'), 'utf8');
      const signature = await detachedSign(canonical);
      const src = fixture('enigmail-signed-inner.eml').toString('utf8');
      const withRealSig = src.replace(/-----BEGIN PGP SIGNATURE-----[\s\S]*?-----END PGP SIGNATURE-----\n?/, signature);
      const raw = Buffer.from(ends === 'crlf' ? withRealSig.replace(/\r?\n/g, '\r\n') : withRealSig, 'utf8');

      const m = parseInner(raw);
      expect(m.signed).not.to.equal(null);
      if (m.signed === null) return;
      expect(Buffer.from(m.signed.signedBytes).equals(canonical)).to.equal(true);
      expect(await verifies(m.signed.signedBytes, m.signed.signatureArmored)).to.equal(true);
    });
  }

  it('the same signature does not verify over the LF form (why CRLF conversion matters)', async () => {
    const part = firstPartLf();
    const signature = await detachedSign(Buffer.from(part.replace(/\n/g, '\r\n'), 'utf8'));
    expect(await verifies(Buffer.from(part, 'utf8'), signature)).to.equal(false);
  });

  it('a modified signed part no longer verifies', async () => {
    const part = firstPartLf().replace(/\n/g, '\r\n');
    const signature = await detachedSign(Buffer.from(part, 'utf8'));
    expect(await verifies(Buffer.from(part.replace('next week', 'next year'), 'utf8'), signature)).to.equal(false);
  });

  it('inline PGP: a cleartext-signed block found by parseInlineText verifies with readCleartextMessage', async () => {
    const signedBlock = await openpgp.sign({
      message: await openpgp.createCleartextMessage({ text: 'TLP:GREEN\n- a dashed line\nFrom the SOC\n' }),
      signingKeys: privateKey,
      format: 'armored',
    });
    const decrypted = Buffer.from(`${signedBlock}\n`, 'utf8');
    const t = parseInlineText(decrypted, 'utf-8');
    expect(t.cleartextSigned).not.to.equal(null);
    expect(t.unsignedText).to.equal('');
    expect(t.texts.join('\n')).to.include('- a dashed line');
    const result = await openpgp.verify({
      message: await openpgp.readCleartextMessage({ cleartextMessage: t.cleartextSigned ?? '' }),
      verificationKeys: publicKey,
    });
    await result.signatures[0]?.verified;
    expect(result.signatures).to.have.length(1);
  });
});
