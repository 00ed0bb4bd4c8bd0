import { expect } from 'chai';
import { createHash } from 'node:crypto';
import * as openpgp from 'openpgp';
import { decryptForList } from '../../../src/pgp/decrypt.js';
import { PgpError } from '../../../src/pgp/errors.js';
import { verifyCleartext, verifyDetached, type VerificationCandidate } from '../../../src/pgp/verify.js';
import { candidate, listKey, msgFile, msgText, NOW, rejectsWith } from './helpers.js';

const PART = () => msgFile('part.eml');

async function fresh(opts: { signingSubkey?: boolean; date?: Date } = {}): Promise<{ priv: openpgp.PrivateKey; cand: VerificationCandidate }> {
  const { privateKey } = await openpgp.generateKey({
    userIDs: [{ email: 'member@example.org' }],
    date: opts.date ?? new Date('2025-01-01T00:00:00Z'),
    subkeys: opts.signingSubkey ? [{}, { sign: true }] : [{}],
    format: 'object',
  });
  const pub = privateKey.toPublic();
  return { priv: privateKey, cand: { fingerprint: pub.getFingerprint().toUpperCase(), key: pub } };
}

async function detachedSign(priv: openpgp.PrivateKey, data: Uint8Array | string, date: Date): Promise<string> {
  const message = typeof data === 'string' ? await openpgp.createMessage({ text: data }) : await openpgp.createMessage({ binary: data });
  return openpgp.sign({ message, signingKeys: priv, detached: true, date });
}

describe('pgp/verify', () => {
  let alice: VerificationCandidate;
  let bob: VerificationCandidate;
  before(async () => {
    alice = await candidate('alice.pub.asc');
    bob = await candidate('bob-rsa3072.pub.asc');
  });

  describe('verifyDetached (RFC 3156 §6.1)', () => {
    const sig = () => msgText('part.eml.alice.sig.asc');

    it('a GnuPG detached signature over the CRLF part', async () => {
      const [r, ...rest] = await verifyDetached({ signedBytes: PART(), armoredSignature: sig(), candidates: [bob, alice], now: NOW });
      expect(rest).to.deep.equal([]);
      expect(r).to.include({ status: 'valid', signerFingerprint: alice.fingerprint, issuerKeyId: alice.fingerprint.slice(-16) });
      expect(r?.created?.toISOString()).to.equal('2024-06-01T00:00:00.000Z');
    });

    it('bad when the bytes differ, including LF-only line ends', async () => {
      const lf = new TextEncoder().encode(new TextDecoder().decode(PART()).replace(/\r\n/g, '\n'));
      const changed = PART().slice();
      changed[changed.length - 3] = 0x21;
      for (const signedBytes of [lf, changed]) {
        const [r] = await verifyDetached({ signedBytes, armoredSignature: sig(), candidates: [alice], now: NOW });
        expect(r?.status).to.equal('bad');
      }
    });

    it('unknown-key when no candidate made it', async () => {
      for (const candidates of [[], [bob]]) {
        const [r] = await verifyDetached({ signedBytes: PART(), armoredSignature: sig(), candidates, now: NOW });
        expect(r).to.include({ status: 'unknown-key' });
        expect(r?.signerFingerprint).to.equal(undefined);
      }
    });

    it('expired-key for a key that has expired since it signed', async () => {
      const expired = await candidate('expired.pub.asc');
      const [r] = await verifyDetached({ signedBytes: PART(), armoredSignature: msgText('part.eml.expired.sig.asc'), candidates: [expired], now: NOW });
      expect(r).to.include({ status: 'expired-key', detail: 'signing key expired on 2024-12-31' });
    });

    it('malformed signature armor is a PgpError', async () => {
      const err = await rejectsWith(verifyDetached({ signedBytes: PART(), armoredSignature: 'nope', candidates: [alice], now: NOW }));
      expect(err).to.be.instanceOf(PgpError);
      expect((err as PgpError).kind).to.equal('malformed');
    });
  });

  describe('verifyCleartext', () => {
    it('a GnuPG cleartext signature, returning the signed text', async () => {
      const res = await verifyCleartext({ armored: msgText('cleartext.alice.asc'), candidates: [alice], now: NOW });
      expect(res.text).to.equal('TLP:GREEN inline note\n- dash-escaped line\nFrom the start of a line');
      expect(res.signatures.map((s) => s.status)).to.deep.equal(['valid']);
    });

    it('bad when the text was changed; trailing whitespace does not count (RFC 4880 §7)', async () => {
      const armored = msgText('cleartext.alice.asc');
      const original = await verifyCleartext({ armored, candidates: [alice], now: NOW });
      const changed = await verifyCleartext({ armored: armored.replace('inline note', 'inline notE'), candidates: [alice], now: NOW });
      expect(changed.signatures[0]?.status).to.equal('bad');
      const spaced = await verifyCleartext({ armored: armored.replace('inline note', 'inline note \t'), candidates: [alice], now: NOW });
      expect(spaced.signatures[0]?.status).to.equal('valid');
      expect(spaced.signatures[0]?.digest).to.equal(original.signatures[0]?.digest);
    });
  });

  describe('key state at delivery time (and what openpgp.js does with `date`)', () => {
    async function openpgpAlone(message: string, key: openpgp.PublicKey): Promise<boolean> {
      const res = await openpgp.decrypt({
        message: await openpgp.readMessage({ armoredMessage: message }),
        decryptionKeys: await listKey(),
        verificationKeys: key,
        date: NOW,
        format: 'binary',
      });
      const [entry] = res.signatures;
      return entry ? entry.verified.then(() => true, () => false) : false;
    }

    it('openpgp.js checks the key at signing time: an expired key and a superseded key still "verify"', async () => {
      expect(await openpgpAlone(msgText('expired-signed.asc'), (await candidate('expired.pub.asc')).key)).to.equal(true);
      expect(await openpgpAlone(msgText('retired-signed.asc'), (await candidate('revoked-superseded.pub.asc')).key)).to.equal(true);
      // A hard revocation (compromised) invalidates every signature, whenever made.
      expect(await openpgpAlone(msgText('retired-signed.asc'), (await candidate('revoked-compromised.pub.asc')).key)).to.equal(false);
    });

    it('we report expired-key and revoked-key for those, whatever the revocation reason', async () => {
      const run = async (msg: string, cand: string) =>
        (await decryptForList({ message: msgFile(msg), listKey: await listKey(), maxDecompressedBytes: 1 << 20, candidates: [await candidate(cand)], now: NOW })).signatures;
      expect((await run('expired-signed.asc', 'expired.pub.asc'))[0]?.status).to.equal('expired-key');
      expect((await run('retired-signed.asc', 'revoked-superseded.pub.asc'))[0]).to.include({ status: 'revoked-key', detail: 'signing key was revoked by its owner (reason given: "superseded")' });
      expect((await run('retired-signed.asc', 'revoked-compromised.pub.asc'))[0]?.status).to.equal('revoked-key');
    });

    it('a signing subkey: valid, then revoked-key once that subkey is revoked', async () => {
      const { priv, cand } = await fresh({ signingSubkey: true });
      const now = new Date('2025-06-01T00:00:00Z');
      const armoredSignature = await detachedSign(priv, PART(), new Date('2025-02-01T00:00:00Z'));
      const [before] = await verifyDetached({ signedBytes: PART(), armoredSignature, candidates: [cand], now });
      const signingSubkey = priv.subkeys[1];
      expect(before).to.include({ status: 'valid', signerFingerprint: cand.fingerprint, issuerFingerprint: signingSubkey?.getFingerprint().toUpperCase() });

      if (!signingSubkey || !(priv.keyPacket instanceof openpgp.SecretKeyPacket)) throw new Error('fixture');
      const revokedSub = await signingSubkey.revoke(priv.keyPacket, { flag: openpgp.enums.reasonForRevocation.keySuperseded }, new Date('2025-03-01T00:00:00Z'));
      const pub = cand.key;
      pub.subkeys[1] = new openpgp.Subkey(revokedSub.keyPacket, pub);
      pub.subkeys[1].bindingSignatures = revokedSub.bindingSignatures;
      pub.subkeys[1].revocationSignatures = revokedSub.revocationSignatures;
      const [after] = await verifyDetached({ signedBytes: PART(), armoredSignature, candidates: [{ ...cand, key: pub }], now });
      expect(after).to.include({ status: 'revoked-key', detail: 'signing key was revoked' });
    });

    it('tolerates a sender clock up to 15 minutes fast, not more', async () => {
      const { priv, cand } = await fresh();
      const now = new Date('2025-06-01T12:00:00Z');
      const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
      const [fast] = await verifyDetached({ signedBytes: PART(), armoredSignature: await detachedSign(priv, PART(), at(5)), candidates: [cand], now });
      const [tooFast] = await verifyDetached({ signedBytes: PART(), armoredSignature: await detachedSign(priv, PART(), at(60)), candidates: [cand], now });
      expect(fast?.status).to.equal('valid');
      expect(tooFast?.status).to.equal('bad');
    });
  });

  describe('the replay digest', () => {
    it('does not change when the unhashed part of the signature is rewritten (the packet bytes do)', async () => {
      const armored = msgText('part.eml.alice.sig.asc');
      const signature = await openpgp.readSignature({ armoredSignature: armored });
      const packet = signature.packets[0];
      if (!packet) throw new Error('fixture');
      const before = createHash('sha256').update(signature.write() as Uint8Array).digest('hex');
      packet.unhashedSubpackets.push({ type: 20, critical: false, body: new Uint8Array([0x80, 0, 0, 0, 0, 1, 0, 1, 0x78, 0x79]) });
      const after = createHash('sha256').update(signature.write() as Uint8Array).digest('hex');
      expect(after).not.to.equal(before);

      const [original] = await verifyDetached({ signedBytes: PART(), armoredSignature: armored, candidates: [alice], now: NOW });
      const [rewritten] = await verifyDetached({ signedBytes: PART(), armoredSignature: signature.armor(), candidates: [alice], now: NOW });
      expect(rewritten?.status).to.equal('valid');
      expect(rewritten?.digest).to.equal(original?.digest);
    });

    it('differs for different data signed in the same second', async () => {
      const { priv, cand } = await fresh();
      const date = new Date('2025-02-01T00:00:00Z');
      const now = new Date('2025-03-01T00:00:00Z');
      const a = new TextEncoder().encode('one\r\n');
      const b = new TextEncoder().encode('two\r\n');
      const [ra] = await verifyDetached({ signedBytes: a, armoredSignature: await detachedSign(priv, a, date), candidates: [cand], now });
      const [rb] = await verifyDetached({ signedBytes: b, armoredSignature: await detachedSign(priv, b, date), candidates: [cand], now });
      expect(ra?.status).to.equal('valid');
      expect(rb?.status).to.equal('valid');
      expect(ra?.digest).not.to.equal(rb?.digest);
    });

    it('for a text-mode signature, is the same for CRLF and LF copies (both verify)', async () => {
      const { priv, cand } = await fresh();
      const now = new Date('2025-03-01T00:00:00Z');
      const armoredSignature = await detachedSign(priv, 'line one\nline two\n', new Date('2025-02-01T00:00:00Z'));
      const crlf = new TextEncoder().encode('line one\r\nline two\r\n');
      const lf = new TextEncoder().encode('line one\nline two\n');
      const [r1] = await verifyDetached({ signedBytes: crlf, armoredSignature, candidates: [cand], now });
      const [r2] = await verifyDetached({ signedBytes: lf, armoredSignature, candidates: [cand], now });
      expect([r1?.status, r2?.status]).to.deep.equal(['valid', 'valid']);
      expect(r1?.digest).to.equal(r2?.digest);
    });
  });
});
