import { expect } from 'chai';
import { deflateRawSync } from 'node:zlib';
import * as openpgp from 'openpgp';
import { concatBytes } from '../../../src/pgp/bytes.js';
import { decryptForList, verifyInlineSignatures, type DecryptForListInput } from '../../../src/pgp/decrypt.js';
import { PgpError, type PgpErrorKind } from '../../../src/pgp/errors.js';
import { scanPackets, Tag } from '../../../src/pgp/packets.js';
import { candidate, keyText, listKey, msgFile, msgText, NOW, rejectsWith } from './helpers.js';

const MiB = 1024 * 1024;

async function dearmor(name: string): Promise<Uint8Array> {
  const { data } = await openpgp.unarmor(msgText(name));
  if (!(data instanceof Uint8Array)) throw new Error('stream');
  return data;
}

/** The PKESK packets and the encrypted-data packet of a real message, as separate byte strings. */
async function parts(name: string): Promise<{ pkesks: Uint8Array[]; data: Uint8Array }> {
  const bin = await dearmor(name);
  const packets = scanPackets(bin);
  const data = packets.find((p) => p.tag === Tag.seipd);
  if (!data) throw new Error('no SEIPD');
  return { pkesks: packets.filter((p) => p.tag === Tag.pkesk).map((p) => bin.slice(p.start, p.end)), data: bin.slice(data.start, data.end) };
}

async function written(message: openpgp.Message<Uint8Array>): Promise<Uint8Array> {
  const out = message.write();
  if (!(out instanceof Uint8Array)) throw new Error('stream');
  return out;
}

/** A new-format packet with a one-octet length. */
function packet(tag: number, body: Uint8Array): Uint8Array {
  if (body.length >= 192) throw new Error('test helper handles short bodies only');
  return concatBytes([Uint8Array.of(0xc0 | tag, body.length), body]);
}

describe('pgp/decrypt decryptForList', () => {
  let key: openpgp.PrivateKey;
  let base: Omit<DecryptForListInput, 'message'>;

  before(async () => {
    key = await listKey();
    base = { listKey: key, maxDecompressedBytes: MiB, now: NOW, candidates: [await candidate('alice.pub.asc'), await candidate('bob-rsa3072.pub.asc')] };
  });

  async function refused(message: Uint8Array, kind: PgpErrorKind, extra: Partial<DecryptForListInput> = {}): Promise<string> {
    const err = await rejectsWith(decryptForList({ ...base, message, ...extra }));
    expect(err).to.be.instanceOf(PgpError);
    expect((err as PgpError).kind, err.message).to.equal(kind);
    return err.message;
  }

  describe('decrypts', () => {
    it('a GnuPG 2.2 encrypted-and-signed message (combined form), byte-exact with CRLF and 8-bit text', async () => {
      const res = await decryptForList({ ...base, message: msgFile('alice-signed.asc') });
      expect(Buffer.from(res.data).equals(Buffer.from(msgFile('inner.eml')))).to.equal(true);
      expect(Buffer.from(res.data).includes('\r\n')).to.equal(true);
      const alice = await candidate('alice.pub.asc');
      expect(res.signatures).to.have.length(1);
      expect(res.signatures[0]).to.include({ status: 'valid', signerFingerprint: alice.fingerprint, issuerFingerprint: alice.fingerprint });
      expect(res.signatures[0]?.digest).to.match(/^[0-9a-f]{64}$/);
    });

    it('the same message in binary form', async () => {
      const res = await decryptForList({ ...base, message: await dearmor('alice-signed.asc') });
      expect(res.signatures[0]?.status).to.equal('valid');
    });

    it('a text-mode signature (gpg --textmode)', async () => {
      const res = await decryptForList({ ...base, message: msgFile('alice-signed-textmode.asc') });
      expect(Buffer.from(res.data).equals(Buffer.from(msgFile('inner.eml')))).to.equal(true);
      expect(res.signatures[0]?.status).to.equal('valid');
    });

    it('a message also encrypted to someone else', async () => {
      const res = await decryptForList({ ...base, message: msgFile('to-bob-and-list.asc') });
      expect(res.signatures[0]?.status).to.equal('valid');
    });

    it('an unsigned message, with no signatures to report', async () => {
      const res = await decryptForList({ ...base, message: msgFile('unsigned.asc') });
      expect(res.signatures).to.deep.equal([]);
      expect(res.signaturePackets.length).to.equal(0);
    });

    it('reports unknown signers, and lets the caller re-check with other candidates', async () => {
      const res = await decryptForList({ ...base, message: msgFile('alice-signed.asc'), candidates: [] });
      expect(res.signatures.map((s) => s.status)).to.deep.equal(['unknown-key']);
      const again = await verifyInlineSignatures({ data: res.data, signaturePackets: res.signaturePackets, candidates: [await candidate('alice.pub.asc')], now: NOW });
      expect(again.map((s) => s.status)).to.deep.equal(['valid']);
      expect(again[0]?.digest).to.equal(res.signatures[0]?.digest);
    });

    it('a SEIPD v2 (RFC 9580 AEAD) message', async () => {
      const sessionKey = { data: crypto.getRandomValues(new Uint8Array(32)), algorithm: 'aes256' as const, aeadAlgorithm: 'ocb' as const };
      const message = await openpgp.encrypt({
        message: await openpgp.createMessage({ binary: new TextEncoder().encode('v2\r\n') }),
        encryptionKeys: key.toPublic(),
        sessionKey,
        format: 'binary',
      });
      const packets = scanPackets(message);
      expect(packets.map((p) => [p.tag, p.firstOctet])).to.deep.equal([[Tag.pkesk, 6], [Tag.seipd, 2]]);
      const res = await decryptForList({ ...base, message });
      expect(new TextDecoder().decode(res.data)).to.equal('v2\r\n');
    });

    it('up to maxPkesk session-key packets', async () => {
      const { pkesks, data } = await parts('alice-signed.asc');
      const eight = concatBytes([...Array<Uint8Array>(8).fill(pkesks[0] ?? new Uint8Array()), data]);
      const res = await decryptForList({ ...base, message: eight });
      expect(res.signatures[0]?.status).to.equal('valid');
    });
  });

  describe('refuses before decrypting', () => {
    it('a message not encrypted to the list', async () => {
      expect(await refused(msgFile('to-bob-only.asc'), 'not-for-list')).to.equal("the message is not encrypted to this list's key");
    });

    it('a password-encrypted message', async () => {
      expect(await refused(msgFile('symmetric.asc'), 'not-for-list')).to.match(/password-encrypted/);
    });

    it('plain text, a cleartext-signed block, signed-only and bare literal or compressed data', async () => {
      expect(await refused(new TextEncoder().encode('Hello\r\n'), 'not-encrypted')).to.match(/not OpenPGP-encrypted/);
      expect(await refused(new TextEncoder().encode(msgText('cleartext.alice.asc')), 'not-encrypted')).to.match(/PGP SIGNATURE, not an encrypted message/);
      const alice = await openpgp.readPrivateKey({ armoredKey: keyText('alice.sec.asc') });
      const literal = () => openpgp.createMessage({ binary: new TextEncoder().encode('x') });
      const signed = await openpgp.sign({ message: await literal(), signingKeys: alice, format: 'binary' });
      expect(await refused(signed, 'not-encrypted')).to.match(/not encrypted/);
      expect(await refused(await written(await literal()), 'not-encrypted')).to.match(/not encrypted/);
      // A bare compressed packet (algorithm 1, raw deflate) around a literal packet.
      const compressed = packet(Tag.compressed, concatBytes([Uint8Array.of(1), deflateRawSync(await written(await literal()))]));
      expect(await refused(compressed, 'not-encrypted')).to.match(/not encrypted/);
    });

    it('unauthenticated (SED) and LibrePGP OCB encrypted data', async () => {
      const { pkesks } = await parts('alice-signed.asc');
      const pk = pkesks[0] ?? new Uint8Array();
      expect(await refused(concatBytes([pk, packet(Tag.sed, new Uint8Array(40))]), 'decrypt-failed')).to.match(/without integrity protection/);
      expect(await refused(concatBytes([pk, packet(Tag.aead, Uint8Array.of(1, 9, 2, 6, ...new Array<number>(40).fill(0)))]), 'decrypt-failed')).to.match(/OCB/);
    });

    it('more than maxPkesk session-key packets', async () => {
      const { pkesks, data } = await parts('alice-signed.asc');
      const nine = concatBytes([...Array<Uint8Array>(9).fill(pkesks[0] ?? new Uint8Array()), data]);
      expect(await refused(nine, 'too-large')).to.match(/more than 8 recipients/);
      expect(await refused(concatBytes([...Array<Uint8Array>(3).fill(pkesks[0] ?? new Uint8Array()), data]), 'too-large', { maxPkesk: 2 })).to.match(/more than 2/);
    });

    it('a thousand session-key packets, quickly', async () => {
      const { pkesks, data } = await parts('alice-signed.asc');
      const flood = concatBytes([...Array<Uint8Array>(1000).fill(pkesks[0] ?? new Uint8Array()), data]);
      const t0 = performance.now();
      await refused(flood, 'too-large');
      expect(performance.now() - t0).to.be.below(100);
    });

    it('malformed packet sequences', async () => {
      const { pkesks, data } = await parts('alice-signed.asc');
      const pk = pkesks[0] ?? new Uint8Array();
      expect(await refused(data, 'malformed')).to.match(/no session-key packet/);
      expect(await refused(pk, 'malformed')).to.match(/no encrypted data/);
      expect(await refused(concatBytes([pk, data, packet(Tag.literal, Uint8Array.of(0x62, 0, 0, 0, 0, 0))]), 'malformed')).to.match(/packets after the encrypted data/);
      expect(await refused(concatBytes([pk, data]).subarray(0, pk.length + 20), 'malformed')).to.match(/packet structure is damaged/);
      expect(await refused(Uint8Array.of(0x00, 0x01), 'not-encrypted')).to.match(/not OpenPGP-encrypted/);
      const two = new TextEncoder().encode(msgText('unsigned.asc') + msgText('unsigned.asc'));
      expect(await refused(two, 'malformed')).to.match(/more than one PGP block/);
    });
  });

  describe('refuses while decrypting', () => {
    it('a compression bomb, in well under a second', async () => {
      const bomb = msgFile('bomb.gpg');
      expect(bomb.length).to.be.below(40 * 1024);
      const t0 = performance.now();
      expect(await refused(bomb, 'too-large')).to.match(/decompresses to more than the size limit/);
      expect(performance.now() - t0).to.be.below(1000);
    });

    it('but decompresses the same message when the cap allows it (so the cap is what refused it)', async () => {
      const res = await decryptForList({ ...base, message: msgFile('bomb.gpg'), maxDecompressedBytes: 32 * MiB });
      expect(res.data.length).to.equal(20 * MiB);
    });

    it('tampered ciphertext', async () => {
      const bin = await dearmor('alice-signed.asc');
      const tampered = bin.slice();
      tampered[tampered.length - 30] = (tampered[tampered.length - 30] ?? 0) ^ 0x01;
      expect(await refused(tampered, 'decrypt-failed')).to.equal("the message cannot be decrypted with the list's key");
    });

    it('more than 8 inline signatures', async () => {
      const signers = await Promise.all(
        Array.from({ length: 9 }, async (_, i) => (await openpgp.generateKey({ userIDs: [{ email: `s${i}@example.org` }], format: 'object' })).privateKey),
      );
      const message = await openpgp.encrypt({
        message: await openpgp.createMessage({ binary: new TextEncoder().encode('x') }),
        encryptionKeys: key.toPublic(),
        signingKeys: signers,
        format: 'binary',
      });
      expect(await refused(message, 'malformed', { now: new Date() })).to.match(/carries 9 signatures; at most 8/);
    });

    it('rejects a nonsensical decompression cap', async () => {
      const err = await rejectsWith(decryptForList({ ...base, message: msgFile('unsigned.asc'), maxDecompressedBytes: Number.POSITIVE_INFINITY }));
      expect(err.message).to.match(/maxDecompressedBytes/);
    });
  });
});
