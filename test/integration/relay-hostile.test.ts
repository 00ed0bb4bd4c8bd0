import crypto from 'node:crypto';
import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import * as openpgp from 'openpgp';
import type { PublicKey } from 'openpgp';
import { TestEnv } from '../helpers/env.js';
import { makeMember, type TestMember } from '../helpers/keys.js';
import { pgpMimeMessage } from '../helpers/mail.js';
import { submit } from '../helpers/smtp.js';

const LIST = 'csirt@lists.test';

function wrapPgpMime(from: string, armored: string): Buffer {
  return Buffer.from(
    [
      `From: <${from}>`,
      `To: <${LIST}>`,
      'Subject: ...',
      'MIME-Version: 1.0',
      'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="xx"',
      '',
      '--xx',
      'Content-Type: application/pgp-encrypted',
      '',
      'Version: 1',
      '--xx',
      'Content-Type: application/octet-stream',
      '',
      armored.replace(/\r?\n/g, '\r\n'),
      '--xx--',
      '',
    ].join('\r\n'),
  );
}

/**
 * Hostile input gets a 5xx or is contained; it never crashes the daemon, never stalls it, and
 * never produces outbound mail. After each case a good message must still be accepted.
 */
describe('relay: hostile input', function () {
  this.timeout(60_000);
  let env: TestEnv;
  let listKey: PublicKey;
  let a: TestMember;

  before(async () => {
    env = await TestEnv.start({ smtp: { maxMessageBytes: 1024 * 1024 } });
    const l = await env.listWithMembers(2);
    listKey = l.listKey;
    a = l.members[0] as TestMember;
  });
  after(async () => env?.stop());

  async function stillWorks(): Promise<void> {
    const raw = await pgpMimeMessage(
      { from: { address: a.email }, to: LIST, subject: 'TLP:GREEN still alive', text: crypto.randomUUID() },
      { encryptTo: [listKey], signer: a.key },
    );
    const r = await submit(env.smtpPort, a.email, LIST, raw);
    expect(r.code, r.response).to.equal(250);
  }

  it('a compression bomb inside the encryption is refused quickly (decompressed size capped)', async () => {
    const zeros = new Uint8Array(32 * 1024 * 1024);
    const armored = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: zeros }),
      encryptionKeys: listKey,
      signingKeys: a.key,
      config: { preferredCompressionAlgorithm: openpgp.enums.compression.zlib },
    });
    const raw = wrapPgpMime(a.email, armored);
    expect(raw.length).to.be.lessThan(1024 * 1024);
    const t = Date.now();
    const r = await submit(env.smtpPort, a.email, LIST, raw);
    expect(r.code, r.response).to.equal(554);
    expect(r.response).to.match(/^554 5\.6\.0 /);
    expect(Date.now() - t).to.be.lessThan(20_000);
    await stillWorks();
  });

  it('a flood of session-key packets is refused before any decryption is tried', async () => {
    const others = await Promise.all(Array.from({ length: 40 }, (_, i) => makeMember(`k${i}@flood.test`)));
    const armored = await openpgp.encrypt({
      message: await openpgp.createMessage({ text: 'TLP:GREEN flood' }),
      encryptionKeys: [...others.map((o) => o.publicKey), listKey],
      signingKeys: a.key,
    });
    const r = await submit(env.smtpPort, a.email, LIST, wrapPgpMime(a.email, armored));
    expect(r.code, r.response).to.equal(554);
    await stillWorks();
  });

  it('MIME nested 200 levels deep inside the encryption is refused', async () => {
    let entity = 'Content-Type: text/plain\r\n\r\nTLP:GREEN deep\r\n';
    for (let i = 0; i < 200; i++) entity = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${entity}--b${i}--\r\n`;
    const armored = await openpgp.encrypt({ message: await openpgp.createMessage({ binary: Buffer.from(entity) }), encryptionKeys: listKey, signingKeys: a.key });
    const r = await submit(env.smtpPort, a.email, LIST, wrapPgpMime(a.email, armored));
    expect(r.code, r.response).to.equal(554);
    expect(r.response).to.match(/nesting|deep/i);
    await stillWorks();
  });

  it('random bytes and truncated messages get a 5xx, never a crash', async () => {
    for (const raw of [crypto.randomBytes(5000), Buffer.from('Subject: x\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nAAAA\r\n')]) {
      const r = await submit(env.smtpPort, a.email, LIST, raw);
      expect(r.code, r.response).to.be.within(500, 599);
    }
    const good = await pgpMimeMessage({ from: { address: a.email }, to: LIST, subject: 'TLP:GREEN t', text: 'x' }, { encryptTo: [listKey], signer: a.key });
    const r = await submit(env.smtpPort, a.email, LIST, good.subarray(0, Math.floor(good.length * 0.7)));
    expect(r.code, r.response).to.be.within(500, 599);
    await stillWorks();
  });

  it('header injection through the protected subject and the display name stays inside one header', async () => {
    const before = env.sink.messages.length;
    const evilSubject = '=?utf-8?q?TLP:GREEN_hi=0D=0ABcc:_evil@attacker.test?=';
    const raw = await pgpMimeMessage(
      { from: { name: 'Alice\r\nBcc: evil@attacker.test', address: a.email }, to: LIST, subject: evilSubject, text: 'x' },
      { encryptTo: [listKey], signer: a.key },
    );
    const r = await submit(env.smtpPort, a.email, LIST, raw);
    // Either refused as malformed, or accepted with the values contained; never an injected header.
    if (r.code === 250) {
      await env.sink.waitFor(before + 1);
      const copy = env.sink.messages[before];
      const parsed = await simpleParser(copy?.raw ?? '');
      expect(parsed.bcc).to.equal(undefined);
      expect(copy?.raw.toString()).to.not.match(/^Bcc:/im);
      expect(copy?.rcptTo).to.have.length(1);
    } else {
      expect(r.code).to.be.within(500, 599);
    }
    await stillWorks();
  });

  it('a slow client does not stall other senders', async () => {
    const net = await import('node:net');
    const slow = net.createConnection(env.smtpPort, '127.0.0.1');
    await new Promise((r) => slow.once('data', r));
    slow.write('EHLO slow.test\r\nMAIL FROM:<x@slow.test>\r\nRCPT TO:<csirt@lists.test>\r\nDATA\r\n');
    slow.write('Subject: dribble\r\n');
    await stillWorks();
    slow.destroy();
  });
});
