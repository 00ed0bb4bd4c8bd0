import { expect } from 'chai';
import * as openpgp from 'openpgp';
import { RefusedError } from '../../../src/errors.js';
import { checkKeyUsable, expiresWithinDays, inspectMemberKey, type InspectOptions } from '../../../src/pgp/key-check.js';
import { keyFile, keyText, NOW, publicKey, rejectsWith, secretKey } from './helpers.js';

const ALICE = 'alice@example.org';

async function refusal(file: string | Uint8Array, opts: Partial<InspectOptions> = {}): Promise<string> {
  const input = typeof file === 'string' ? keyFile(file) : file;
  const err = await rejectsWith(inspectMemberKey(input, { email: ALICE, now: NOW, ...opts }));
  expect(err).to.be.instanceOf(RefusedError);
  expect(err.message, 'one line').not.to.include('\n');
  return err.message;
}

describe('pgp/key-check inspectMemberKey', () => {
  describe('accepts good keys', () => {
    it('GnuPG Ed25519/Cv25519, armored', async () => {
      const info = await inspectMemberKey(keyFile('alice.pub.asc'), { email: ALICE, now: NOW });
      const key = await publicKey('alice.pub.asc');
      expect(info.fingerprint).to.equal(key.getFingerprint().toUpperCase()).and.match(/^[0-9A-F]{40}$/);
      expect(info.algorithm).to.equal('ed25519/cv25519');
      expect(info.created.toISOString()).to.equal('2024-01-01T00:00:00.000Z');
      expect(info.expires).to.equal(null);
      expect(info.userIds).to.deep.equal(['Alice Member <alice@example.org>']);
      expect(info.uidMatches).to.equal(true);
      expect(info.expiresSoon).to.equal(false);
      expect(info.armored).to.match(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
      expect((await openpgp.readKey({ armoredKey: info.armored })).getFingerprint()).to.equal(key.getFingerprint());
    });

    it('the same key in binary form', async () => {
      const info = await inspectMemberKey(keyFile('alice.pub.gpg'), { email: ALICE, now: NOW });
      expect(info.algorithm).to.equal('ed25519/cv25519');
    });

    it('GnuPG RSA-3072', async () => {
      const info = await inspectMemberKey(keyFile('bob-rsa3072.pub.asc'), { email: 'bob@example.org', now: NOW });
      expect(info.algorithm).to.equal('rsa3072');
    });

    it('openpgp.js default key', async () => {
      const info = await inspectMemberKey(keyFile('carol-openpgpjs.pub.asc'), { email: 'carol@example.org', now: NOW });
      expect(info.algorithm).to.equal('ed25519/cv25519');
    });

    it('an RFC 9580 v6 key (64-hex fingerprint)', async () => {
      const { publicKey: v6 } = await openpgp.generateKey({ userIDs: [{ email: ALICE }], date: new Date('2025-01-01T00:00:00Z'), format: 'binary', config: { v6Keys: true } });
      const info = await inspectMemberKey(v6, { email: ALICE, now: NOW });
      expect(info.fingerprint).to.match(/^[0-9A-F]{64}$/);
      expect(info.algorithm).to.equal('ed25519/x25519');
    });

    it('matches the e-mail case-insensitively', async () => {
      const info = await inspectMemberKey(keyFile('alice.pub.asc'), { email: 'Alice@EXAMPLE.org', now: NOW });
      expect(info.uidMatches).to.equal(true);
    });

    it('reports a key expiring within 30 days', async () => {
      const info = await inspectMemberKey(keyFile('expiring-soon.pub.asc'), { email: 'soon@example.org', now: NOW });
      expect(info.expires?.toISOString()).to.equal('2026-01-15T00:00:00.000Z');
      expect(info.expiresSoon).to.equal(true);
      expect(expiresWithinDays(info, NOW, 13)).to.equal(false);
      expect(expiresWithinDays(info, NOW, 14)).to.equal(true);
    });

    it('stores a minimal key: third-party certifications dropped, self-signatures kept', async () => {
      const carol = await secretKey('carol-openpgpjs.sec.asc');
      const alice = await publicKey('alice.pub.asc');
      const certified = await alice.signAllUsers([carol], new Date('2024-02-01T00:00:00Z'));
      expect(certified.users[0]?.otherCertifications).to.have.length(1);
      const info = await inspectMemberKey(certified.write(), { email: ALICE, now: NOW });
      const stored = await openpgp.readKey({ armoredKey: info.armored });
      expect(stored.users[0]?.otherCertifications).to.have.length(0);
      expect(stored.users[0]?.selfCertifications).to.have.length(1);
      expect(stored.subkeys).to.have.length(1);
    });
  });

  describe('refuses', () => {
    it('secret key material, armored and binary, and says so', async () => {
      expect(await refusal('alice.sec.asc')).to.match(/SECRET key material: it was not stored/);
      expect(await refusal('alice.sec.gpg')).to.match(/SECRET key material/);
    });

    it('unparseable data', async () => {
      expect(await refusal(new TextEncoder().encode('hello, this is my key'))).to.match(/neither an armored nor a binary OpenPGP key/);
      expect(await refusal(Uint8Array.of(0x99, 0x01, 0xff, 0x04))).to.match(/not valid OpenPGP data/);
      expect(await refusal(new Uint8Array(0))).to.match(/empty/);
      const damaged = keyText('alice.pub.asc').replace(/^([A-Za-z0-9+/]{10})[A-Za-z0-9+/]/m, '$1!');
      expect(await refusal(new TextEncoder().encode(damaged))).to.match(/damaged ASCII armor/);
    });

    it('something other than a public key block', async () => {
      expect(await refusal(new TextEncoder().encode(keyText('../pgp/alice-signed.asc')))).to.match(/holds a "PGP MESSAGE", not a public key block/);
    });

    it('an oversized input', async () => {
      expect(await refusal(new Uint8Array(1024 * 1024 + 1).fill(0x41))).to.match(/larger than 1024 KiB.*export-minimal/);
    });

    it('an expired key', async () => {
      expect(await refusal('expired.pub.asc', { email: 'expired@example.org' })).to.match(/expired on 2024-12-31; the member must extend it \(gpg --quick-set-expire/);
    });

    it('a key revoked with GnuPG\'s revocation certificate', async () => {
      expect(await refusal('revoked.pub.asc', { email: 'revoked@example.org' })).to.match(/was revoked by its owner; ask the member for their current key/);
    });

    it('a soft-revoked (superseded) key, naming the reason', async () => {
      expect(await refusal('revoked-superseded.pub.asc', { email: 'retired@example.org' })).to.match(/revoked by its owner \(reason given: "superseded"\)/);
    });

    it('a key whose self-signature does not verify', async () => {
      expect(await refusal('bad-self-signature.pub.asc')).to.match(/has no valid self-signature \(it is damaged or was tampered with\)/);
    });

    it('a key without an encryption subkey', async () => {
      expect(await refusal('no-encryption-subkey.pub.asc', { email: 'signonly@example.org' })).to.match(/has no encryption subkey; the member must add/);
    });

    it('a key whose only encryption subkey expired', async () => {
      expect(await refusal('encryption-subkey-expired.pub.asc', { email: 'subexpired@example.org' })).to.match(/only an encryption subkey that expired on 2024-12-31/);
    });

    it('a key that cannot sign', async () => {
      expect(await refusal('no-signing-key.pub.asc', { email: 'nosign@example.org' })).to.match(/no signing-capable key.*members must sign their posts/);
    });

    it('RSA-1024', async () => {
      expect(await refusal('rsa1024.pub.asc', { email: 'weak-rsa@example.org' })).to.match(/RSA with 1024 bits is too weak \(at least 2048 needed\)/);
    });

    it('a strong primary whose only encryption subkey is RSA-1024', async () => {
      expect(await refusal('rsa1024-subkey.pub.asc', { email: 'weak-subkey@example.org' })).to.match(/only a weak encryption key \(rsa1024\): RSA with 1024 bits is too weak/);
    });

    it('DSA', async () => {
      expect(await refusal('dsa-elgamal.pub.asc', { email: 'dsa@example.org' })).to.match(/DSA \(2048 bits\) is no longer accepted/);
    });

    it('an ElGamal encryption subkey', async () => {
      expect(await refusal('elgamal-subkey.pub.asc', { email: 'elg-subkey@example.org' })).to.match(/only a weak encryption key \(elg2048\): ElGamal \(2048 bits\) is no longer accepted/);
    });

    it('a v3 (PGP 2.x) key', async () => {
      expect(await refusal('v3-rsa.pub.asc', { email: 'v3@example.org' })).to.match(/version 3 \(PGP 2\.x\) key/);
    });

    it('two keys where none has the member\'s user ID', async () => {
      expect(await refusal('two-keys.pub.asc', { email: 'nobody@example.org' })).to.match(/holds 2 keys and none of them has a user ID for nobody@example\.org; give exactly one key/);
    });

    it('two keys that both have the member\'s user ID', async () => {
      expect(await refusal('two-keys-same-uid.pub.asc')).to.match(/holds 2 keys and 2 of them have a user ID for alice@example\.org/);
    });

    it('a key without the member\'s user ID, unless the check is overridden', async () => {
      expect(await refusal('wrong-uid.pub.asc')).to.match(/no valid user ID for alice@example\.org \(it has: "Mallory Other <mallory@example\.net>"\)/);
      const info = await inspectMemberKey(keyFile('wrong-uid.pub.asc'), { email: ALICE, now: NOW, allowUidMismatch: true });
      expect(info.uidMatches).to.equal(false);
    });

    it('a fingerprint that does not match', async () => {
      const bob = (await publicKey('bob-rsa3072.pub.asc')).getFingerprint().toUpperCase();
      expect(await refusal('alice.pub.asc', { expectedFingerprint: bob })).to.match(new RegExp(`not the expected ${bob}: this is not the key the member confirmed`));
    });

    it('a key ID or garbage in place of the expected fingerprint', async () => {
      const alice = (await publicKey('alice.pub.asc')).getFingerprint().toUpperCase();
      expect(await refusal('alice.pub.asc', { expectedFingerprint: alice.slice(-16) })).to.match(/is a key ID; give the full 40-hex-digit fingerprint/);
      expect(await refusal('alice.pub.asc', { expectedFingerprint: 'not a fingerprint' })).to.match(/is not 40 \(or 64\) hex digits/);
    });
  });

  describe('multiple keys and fingerprints', () => {
    it('takes the one key whose user ID matches', async () => {
      const alice = await inspectMemberKey(keyFile('two-keys.pub.asc'), { email: ALICE, now: NOW });
      const bob = await inspectMemberKey(keyFile('two-keys.pub.asc'), { email: 'bob@example.org', now: NOW });
      expect(alice.fingerprint).to.equal((await publicKey('alice.pub.asc')).getFingerprint().toUpperCase());
      expect(bob.fingerprint).to.equal((await publicKey('bob-rsa3072.pub.asc')).getFingerprint().toUpperCase());
      expect((await openpgp.readKeys({ armoredKeys: alice.armored })).length).to.equal(1);
    });

    it('accepts the expected fingerprint with spaces, colons and lower case', async () => {
      const fpr = (await publicKey('alice.pub.asc')).getFingerprint();
      const spaced = fpr.match(/.{4}/g)?.join(' ').toLowerCase() ?? '';
      const colons = fpr.match(/.{2}/g)?.join(':') ?? '';
      for (const expectedFingerprint of [spaced, colons, fpr]) {
        const info = await inspectMemberKey(keyFile('alice.pub.asc'), { email: ALICE, now: NOW, expectedFingerprint });
        expect(info.fingerprint).to.equal(fpr.toUpperCase());
      }
    });
  });

  describe('algorithm policy versus openpgp.js defaults', () => {
    it('documents the library limits we restate', () => {
      expect(openpgp.config.minRSABits).to.equal(2047);
      expect([...openpgp.config.rejectPublicKeyAlgorithms]).to.have.members([openpgp.enums.publicKey.elgamal, openpgp.enums.publicKey.dsa]);
    });

    it('still refuses weak keys, with our reason, when the global openpgp config is loosened', async () => {
      const saved = { min: openpgp.config.minRSABits, reject: openpgp.config.rejectPublicKeyAlgorithms };
      openpgp.config.minRSABits = 512;
      openpgp.config.rejectPublicKeyAlgorithms = new Set();
      try {
        expect(await refusal('rsa1024-subkey.pub.asc', { email: 'weak-subkey@example.org' })).to.match(/RSA with 1024 bits is too weak/);
        expect(await refusal('elgamal-subkey.pub.asc', { email: 'elg-subkey@example.org' })).to.match(/ElGamal/);
      } finally {
        openpgp.config.minRSABits = saved.min;
        openpgp.config.rejectPublicKeyAlgorithms = saved.reject;
      }
    });
  });
});

describe('pgp/key-check checkKeyUsable', () => {
  it('accepts a good stored key', async () => {
    const info = await inspectMemberKey(keyFile('alice.pub.asc'), { email: ALICE, now: NOW });
    expect(await checkKeyUsable(info.armored, NOW)).to.deep.equal({ ok: true });
  });

  it('notices a key that expired after enrollment', async () => {
    const info = await inspectMemberKey(keyFile('expiring-soon.pub.asc'), { email: 'soon@example.org', now: NOW });
    expect(await checkKeyUsable(info.armored, NOW)).to.deep.equal({ ok: true });
    expect(await checkKeyUsable(info.armored, new Date('2026-02-01T00:00:00Z'))).to.deep.equal({ ok: false, reason: 'expired' });
  });

  it('names the reason for unusable keys', async () => {
    const cases: [string, string][] = [
      ['expired.pub.asc', 'expired'],
      ['revoked.pub.asc', 'revoked'],
      ['revoked-compromised.pub.asc', 'revoked'],
      ['no-encryption-subkey.pub.asc', 'no-encryption-key'],
      ['encryption-subkey-expired.pub.asc', 'expired'],
      ['rsa1024-subkey.pub.asc', 'no-encryption-key'],
      ['bad-self-signature.pub.asc', 'invalid'],
    ];
    for (const [file, reason] of cases) {
      expect(await checkKeyUsable(keyText(file), NOW), file).to.deep.equal({ ok: false, reason });
    }
  });

  it('treats garbage and secret keys as invalid', async () => {
    expect(await checkKeyUsable('not a key', NOW)).to.deep.equal({ ok: false, reason: 'invalid' });
    expect(await checkKeyUsable(keyText('alice.sec.asc'), NOW)).to.deep.equal({ ok: false, reason: 'invalid' });
  });
});
