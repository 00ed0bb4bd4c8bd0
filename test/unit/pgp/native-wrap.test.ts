import fs from 'node:fs';
import crypto from 'node:crypto';
import { expect } from 'chai';
import * as openpgp from 'openpgp';
import { nativeRecipient, nativeWrap } from '../../../src/pgp/native-wrap.js';
import { wrapForRecipient } from '../../../src/pgp/fanout.js';
import { scanPackets, Tag } from '../../../src/pgp/packets.js';

async function unwrap(pkesk: Uint8Array, key: openpgp.PrivateKey): Promise<{ data: Uint8Array; algorithm: string | null }> {
  const message = await openpgp.readMessage({ binaryMessage: pkesk });
  const [k] = await openpgp.decryptSessionKeys({ message, decryptionKeys: key });
  if (!k) throw new Error('no session key');
  return { data: k.data, algorithm: k.algorithm };
}

describe('pgp/native-wrap: the per-recipient public-key operation with node:crypto', () => {
  it('produces a v3 PKESK that openpgp.js unwraps to the same AES-256 session key, for many keys', async () => {
    for (let i = 0; i < 5; i++) {
      const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ email: `n${i}@x.test` }], format: 'object' });
      const enc = await privateKey.toPublic().getEncryptionKey();
      const r = nativeRecipient(enc.keyPacket.write());
      expect(r, 'a Curve25519 ECDH subkey is handled natively').to.not.equal(null);
      if (!r) return;
      expect(Buffer.from(r.keyId).toString('hex')).to.equal(enc.getKeyID().toHex());
      const sk = crypto.randomBytes(32);
      const pkesk = nativeWrap(r, sk, 'aes256');
      const packets = scanPackets(pkesk);
      expect(packets.map((p) => p.tag)).to.deep.equal([Tag.pkesk]);
      const got = await unwrap(pkesk, privateKey);
      expect(got.algorithm).to.equal('aes256');
      expect(Buffer.from(got.data).equals(sk)).to.equal(true);
    }
  });

  it('uses a fresh ephemeral key every time (two wraps of one key differ)', async () => {
    const { publicKey } = await openpgp.generateKey({ type: 'ecc', userIDs: [{ email: 'e@x.test' }], format: 'object' });
    const r = nativeRecipient((await publicKey.getEncryptionKey()).keyPacket.write());
    if (!r) throw new Error('not native');
    const sk = crypto.randomBytes(32);
    expect(Buffer.from(nativeWrap(r, sk, 'aes256')).equals(Buffer.from(nativeWrap(r, sk, 'aes256')))).to.equal(false);
  });

  it('declines keys it does not handle (RSA), so openpgp.js wraps them, and that still works', async () => {
    const armored = fs.readFileSync('test/fixtures/keys/bob-rsa3072.sec.asc', 'utf8');
    const bob = await openpgp.readPrivateKey({ armoredKey: armored });
    const enc = await bob.toPublic().getEncryptionKey(undefined, new Date('2026-01-01'));
    expect(nativeRecipient(enc.keyPacket.write())).to.equal(null);
    const sk = { data: new Uint8Array(crypto.randomBytes(32)), algorithm: 'aes256' as const };
    const pkesk = await wrapForRecipient(sk, bob.toPublic(), new Date('2026-01-01'));
    expect(Buffer.from((await unwrap(pkesk, bob)).data).equals(Buffer.from(sk.data))).to.equal(true);
  });

  it('wrapForRecipient takes the native path for Curve25519 keys and refuses an expired key', async () => {
    const { privateKey } = await openpgp.generateKey({ type: 'ecc', userIDs: [{ email: 'w@x.test' }], format: 'object', keyExpirationTime: 60 });
    const sk = { data: new Uint8Array(crypto.randomBytes(32)), algorithm: 'aes256' as const };
    const pkesk = await wrapForRecipient(sk, privateKey.toPublic(), new Date());
    expect(Buffer.from((await unwrap(pkesk, privateKey)).data).equals(Buffer.from(sk.data))).to.equal(true);
    let refused = false;
    try {
      await wrapForRecipient(sk, privateKey.toPublic(), new Date(Date.now() + 3_600_000));
    } catch {
      refused = true;
    }
    expect(refused, 'an expired key is never wrapped to').to.equal(true);
  });
});
