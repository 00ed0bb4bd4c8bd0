import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { enigmail, thunderbird } from '../fixtures/clients/index.js';
import { TestEnv } from '../helpers/env.js';
import { gpgClient, gpgMember, requireGpg, type GpgMember } from '../helpers/gpg.js';
import { removeSqMember, requireSq, sqClient, sqDecryptVerify, sqKeyIds, sqMember, type SqMember } from '../helpers/sq.js';
import { submit } from '../helpers/smtp.js';
import { armoredOf, checkCopyShape, copyFor, LIST, newCopies } from './support.js';

/**
 * Sequoia (`sq`) as a second, independent OpenPGP implementation: a member whose key sq made sends
 * (sq encrypts to the list certificate and signs) and receives (sq decrypts with their key and
 * verifies the list's signature against the list certificate). A GnuPG member is on the other end.
 */
describe('e2e: Sequoia members', function () {
  this.timeout(120_000);
  let env: TestEnv;
  let listFpr: string;
  let listCert: string;
  let sam: SqMember;
  let gary: GpgMember;

  before(async function () {
    requireSq(this);
    requireGpg(this);
    env = await TestEnv.start();
    await env.createList(LIST, 'CSIRT Test');
    const key = await env.admin.call('list.key', { address: LIST });
    listFpr = key.fingerprint;
    [sam, gary] = await Promise.all([sqMember('sam@cert-s.test', 'Sam Sequoia'), gpgMember('gary@cert-g.test', 'Gary Gnupg')]);
    listCert = path.join(sam.dir, 'list.pub');
    fs.writeFileSync(listCert, key.armored);
    await gary.home.importKey(key.armored);
    for (const m of [sam, gary]) {
      await env.admin.call('member.add', {
        list: LIST,
        email: m.email,
        key: { base64: Buffer.from(m.armoredPublic).toString('base64') },
        fingerprint: m.fingerprint,
        name: m.name,
        team: 'Team',
        role: m === sam ? 'owner' : 'representative',
      });
    }
  });

  after(async () => {
    await env?.stop();
    gary?.home.close();
    if (sam) removeSqMember(sam);
  });

  it('sq sends (Thunderbird shape, `sq encrypt --recipient-cert list --signer-key member`); gpg decrypts and verifies the copy', async () => {
    const att = crypto.randomBytes(1500);
    const built = await thunderbird(
      { from: { name: sam.name, address: sam.email }, to: LIST, subject: 'TLP:AMBER Sent with Sequoia' },
      { text: 'TLP:AMBER\nEncrypted and signed by sq.\n', attachments: [{ filename: 'data.bin', contentType: 'application/octet-stream', data: att }] },
      sqClient(sam, listCert),
    );
    const before = env.sink.messages.length;
    const r = await submit(env.smtpPort, sam.email, LIST, built.raw);
    expect(r.code, r.response).to.equal(250);
    const [copy] = await newCopies(env.sink, before, 1);
    if (!copy) throw new Error('no copy');
    expect(copy.rcptTo).to.deep.equal([gary.email]);
    const dec = await gary.home.decrypt(armoredOf(copy.raw));
    expect(dec.decrypted, dec.stderr).to.equal(true);
    expect(dec.validSigs.map((v) => v.primary)).to.deep.equal([listFpr]);
    const shape = await checkCopyShape(copy.raw, dec.data, built, 'TLP:AMBER');
    expect(shape.inner.text).to.include(`Signature: verified, made by the key`);
    expect(shape.inner.text).to.include(sam.email);
  });

  it('sq signs a §6.1 multipart/signed part (`sq sign --detached`), then encrypts it; accepted and relayed', async () => {
    const built = await enigmail(
      { from: { name: sam.name, address: sam.email }, to: LIST, subject: 'TLP:GREEN Detached signature by sq' },
      { text: 'TLP:GREEN\nSigned with a detached sq signature.\n' },
      sqClient(sam, listCert),
    );
    const before = env.sink.messages.length;
    const r = await submit(env.smtpPort, sam.email, LIST, built.raw);
    expect(r.code, r.response).to.equal(250);
    const [copy] = await newCopies(env.sink, before, 1);
    if (!copy) throw new Error('no copy');
    const dec = await gary.home.decrypt(armoredOf(copy.raw));
    expect(dec.validSigs.map((v) => v.primary)).to.deep.equal([listFpr]);
    await checkCopyShape(copy.raw, dec.data, built, 'TLP:GREEN');
  });

  it('gpg sends; sq receives: `sq decrypt --recipient-key member --signer-cert list` decrypts and verifies the list signature', async () => {
    const built = await thunderbird(
      { from: { name: gary.name, address: gary.email }, to: LIST, subject: 'TLP:AMBER For the Sequoia user' },
      { text: 'TLP:AMBER\nRead this with sq.\n' },
      gpgClient(gary, listFpr),
    );
    const before = env.sink.messages.length;
    const r = await submit(env.smtpPort, gary.email, LIST, built.raw);
    expect(r.code, r.response).to.equal(250);
    const copy = copyFor(await newCopies(env.sink, before, 1), sam.email);
    const armored = armoredOf(copy.raw);
    const dec = await sqDecryptVerify(armored, sam.keyFile, listCert);
    expect(dec.ok, dec.stderr).to.equal(true);
    const listKeyIds = await sqKeyIds(listCert);
    expect(dec.goodSignatures.length, dec.stderr).to.be.greaterThan(0);
    for (const id of dec.goodSignatures) expect(listKeyIds, `signer ${id}`).to.include(id.slice(-16));
    await checkCopyShape(copy.raw, dec.data, built, 'TLP:AMBER');
    // The same copy does not verify against any other certificate: sq really checked the signer.
    const wrong = await sqDecryptVerify(armored, sam.keyFile, sam.certFile);
    expect(wrong.ok).to.equal(false);
  });
});
