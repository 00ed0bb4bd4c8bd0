import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { assembleArmored, recoverSessionKey, sealForList, wrapForRecipient, type SealedForList } from '../../../src/pgp/fanout.js';
import { scanPackets, Tag } from '../../../src/pgp/packets.js';
import { verifyInlineSignatures } from '../../../src/pgp/verify.js';
import { gpgHome, keyText, listKey, msgFile, publicKey, rejectsWith, runTool, secretKey } from './helpers.js';

// Real time, not the fixtures' frozen NOW: GnuPG and sq judge signatures by the machine clock.
const now = new Date();
const MEMBERS = ['alice', 'bob-rsa3072', 'carol-openpgpjs'] as const;

async function decryptCopy(armored: string, member: openpgp.PrivateKey): Promise<Uint8Array> {
  const res = await openpgp.decrypt({
    message: await openpgp.readMessage({ armoredMessage: armored }),
    decryptionKeys: member,
    format: 'binary',
  });
  if (!(res.data instanceof Uint8Array)) throw new Error('stream');
  return res.data;
}

describe('pgp/fanout', () => {
  const inner = msgFile('inner.eml');
  let list: openpgp.PrivateKey;
  let sealed: SealedForList;
  const copies = new Map<string, string>();

  before(async () => {
    list = await listKey();
    sealed = await sealForList({ inner, listKey: list, now });
    for (const m of MEMBERS) {
      copies.set(m, assembleArmored(await wrapForRecipient(sealed.sessionKey, await publicKey(`${m}.pub.asc`), now), sealed.body));
    }
  });

  it('seals once: one SEIPD v1 packet, AES-256, a PKESK for the list, micalg from the signature', () => {
    expect(scanPackets(sealed.body).map((p) => [p.tag, p.firstOctet])).to.deep.equal([[Tag.seipd, 1]]);
    expect(scanPackets(sealed.listPkesk).map((p) => [p.tag, p.firstOctet])).to.deep.equal([[Tag.pkesk, 3]]);
    expect(sealed.sessionKey.algorithm).to.equal('aes256');
    expect(sealed.sessionKey.data.length).to.equal(32);
    expect(sealed.sessionKey.aeadAlgorithm).to.equal(undefined);
    expect(sealed.micalg).to.equal('pgp-sha512');
  });

  it('each copy decrypts with its member\'s key, byte-exact, and the list signature verifies', async () => {
    const listPub = list.toPublic();
    for (const m of MEMBERS) {
      const copy = copies.get(m) ?? '';
      const res = await openpgp.decrypt({
        message: await openpgp.readMessage({ armoredMessage: copy }),
        decryptionKeys: await secretKey(`${m}.sec.asc`),
        verificationKeys: listPub,
        expectSigned: true,
        format: 'binary',
      });
      expect(Buffer.from(res.data as Uint8Array).equals(Buffer.from(inner)), m).to.equal(true);
      for (const s of res.signatures) await s.verified;
      const sigBytes = (await res.signatures[0]?.signature)?.write();
      if (!(sigBytes instanceof Uint8Array)) throw new Error('signature');
      const [report] = await verifyInlineSignatures({
        data: inner,
        signaturePackets: sigBytes,
        candidates: [{ fingerprint: listPub.getFingerprint().toUpperCase(), key: listPub }],
        now,
      });
      expect(report?.status).to.equal('valid');
    }
  });

  it('no copy decrypts with any other member\'s key', async () => {
    for (const owner of MEMBERS) {
      for (const other of MEMBERS) {
        if (other === owner) continue;
        const err = await rejectsWith(decryptCopy(copies.get(owner) ?? '', await secretKey(`${other}.sec.asc`)));
        expect(err.message, `${owner}'s copy with ${other}'s key`).to.match(/decrypt/i);
      }
    }
  });

  it('copies differ only in their session-key packet', () => {
    const bodies = [...copies.values()].map((a) => {
      const bin = Buffer.from(a.replace(/^-----.*$/gm, '').replace(/^=.{4}$/m, ''), 'base64');
      const packets = scanPackets(new Uint8Array(bin));
      expect(packets.map((p) => p.tag)).to.deep.equal([Tag.pkesk, Tag.seipd]);
      return Buffer.from(bin.subarray(packets[1]?.start ?? 0));
    });
    for (const b of bodies) expect(b.equals(Buffer.from(sealed.body))).to.equal(true);
  });

  it('recovers the session key from the list PKESK (crash recovery)', async () => {
    const recovered = await recoverSessionKey({ listPkesk: sealed.listPkesk, listKey: list });
    expect(Buffer.from(recovered.data).equals(Buffer.from(sealed.sessionKey.data))).to.equal(true);
    const copy = assembleArmored(await wrapForRecipient(recovered, await publicKey('alice.pub.asc'), now), sealed.body);
    expect(Buffer.from(await decryptCopy(copy, await secretKey('alice.sec.asc'))).equals(Buffer.from(inner))).to.equal(true);
  });

  it('wraps for an RFC 9580 v6 (X25519) member key too; the body stays SEIPD v1', async () => {
    const { privateKey } = await openpgp.generateKey({ userIDs: [{ email: 'v6@example.org' }], format: 'object', date: now, config: { v6Keys: true } });
    const copy = assembleArmored(await wrapForRecipient(sealed.sessionKey, privateKey.toPublic(), now), sealed.body);
    expect(Buffer.from(await decryptCopy(copy, privateKey)).equals(Buffer.from(inner))).to.equal(true);
  });

  it('refuses to wrap for an expired or revoked key, and never falls back', async () => {
    for (const f of ['expired.pub.asc', 'revoked.pub.asc', 'no-encryption-subkey.pub.asc', 'rsa1024-subkey.pub.asc']) {
      await rejectsWith(wrapForRecipient(sealed.sessionKey, await publicKey(f), now));
    }
    const aead = { ...sealed.sessionKey, aeadAlgorithm: 'ocb' as const };
    expect((await rejectsWith(wrapForRecipient(aead, await publicKey('alice.pub.asc'), now))).message).to.match(/SEIPD v2/);
  });

  it('assembleArmored refuses swapped arguments', async () => {
    const pkesk = await wrapForRecipient(sealed.sessionKey, await publicKey('alice.pub.asc'), now);
    expect(() => assembleArmored(sealed.body, pkesk)).to.throw(/PKESK/);
    expect(() => assembleArmored(pkesk, pkesk)).to.throw(/sealed body/);
  });

  describe('interoperability', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'remailer-fanout-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('GnuPG 2.2 decrypts a copy and verifies the list signature', async () => {
      const home = await gpgHome();
      try {
        const imported = await home.gpg(['--import'], keyText('list.pub.asc') + keyText('alice.sec.asc'));
        expect(imported.code, imported.stderr).to.equal(0);
        const res = await home.gpg(['--status-fd', '2', '--decrypt'], copies.get('alice'));
        expect(res.code, res.stderr).to.equal(0);
        expect(res.stdout.equals(Buffer.from(inner))).to.equal(true);
        const listFpr = list.getFingerprint().toUpperCase();
        expect(res.stderr).to.include('[GNUPG:] GOODSIG').and.include(`[GNUPG:] VALIDSIG ${listFpr}`).and.include('[GNUPG:] DECRYPTION_OKAY');
      } finally {
        await home.close();
      }
    });

    it('Sequoia decrypts a copy and verifies the list signature', async () => {
      const secretFile = join(dir, 'carol.sec.asc');
      const listFile = join(dir, 'list.pub.asc');
      await writeFile(secretFile, keyText('carol-openpgpjs.sec.asc'));
      await writeFile(listFile, keyText('list.pub.asc'));
      const res = await runTool('sq', ['decrypt', '--recipient-key', secretFile, '--signer-cert', listFile], copies.get('carol-openpgpjs'));
      expect(res.code, res.stderr).to.equal(0);
      expect(res.stdout.equals(Buffer.from(inner))).to.equal(true);
      expect(res.stderr).to.match(/Good signature/);
    });
  });
});
