import crypto from 'node:crypto';
import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import { decryptCopy } from '../helpers/keys.js';
import { armoredPart, pgpMimeMessage } from '../helpers/mail.js';
import { submit } from '../helpers/smtp.js';
import { TestEnv } from '../helpers/env.js';

const LIST = 'csirt@lists.test';

describe('relay: a member posts, every other member gets their own encrypted copy', function () {
  let env: TestEnv;
  afterEach(async () => env?.stop());

  it('delivers PGP/MIME copies that decrypt per member, carry the list signature and the original bytes', async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(3);
    const [alice, bob, carol] = members;
    if (!alice || !bob || !carol) throw new Error('members');
    const attachment = crypto.randomBytes(5000);
    const raw = await pgpMimeMessage(
      {
        from: { name: alice.name, address: alice.email },
        to: LIST,
        subject: 'TLP:AMBER phishing wave against banks',
        text: 'Indicators attached.\nTLP:AMBER applies.',
        attachments: [{ filename: 'iocs.bin', contentType: 'application/octet-stream', data: attachment }],
        messageId: '<orig-1@client.test>',
        references: ['<thread-0@client.test>'],
      },
      { encryptTo: [listKey], signer: alice.key },
    );
    const r = await submit(env.smtpPort, alice.email, LIST, raw);
    expect(r.code, r.response).to.equal(250);
    await env.sink.waitFor(2);
    await new Promise((res) => setTimeout(res, 200));
    expect(env.sink.messages).to.have.length(2, 'the sender gets no copy');
    const byRcpt = new Map(env.sink.messages.map((m) => [m.rcptTo[0], m]));
    for (const member of [bob, carol]) {
      const copy = byRcpt.get(member.email);
      expect(copy, member.email).to.not.equal(undefined);
      if (!copy) continue;
      expect(copy.rcptTo).to.deep.equal([member.email]);
      expect(copy.mailFrom).to.match(/^csirt-bounces\+[a-z0-9]+@lists\.test$/);
      const outer = await simpleParser(copy.raw);
      expect(outer.subject).to.equal('[csirt] TLP:AMBER ...');
      expect(outer.headerLines.find((l) => l.key === 'list-id')?.line).to.equal('List-Id: "CSIRT Test" <csirt.lists.test>');
      expect(String(outer.headers.get('x-loop'))).to.equal(LIST);
      expect(outer.messageId).to.not.equal('<orig-1@client.test>');
      expect(String(outer.references)).to.include('<thread-0@client.test>');
      expect(copy.raw.toString()).to.include('multipart/encrypted');
      expect(copy.raw.toString()).to.not.include('phishing');
      const dec = await decryptCopy(armoredPart(copy.raw), member.key, listKey);
      expect(dec.signedByList).to.equal(true);
      const inner = await simpleParser(Buffer.from(dec.data));
      expect(inner.subject).to.equal('[csirt] TLP:AMBER phishing wave against banks');
      const att = inner.attachments.find((a) => a.filename === 'iocs.bin');
      expect(att, 'attachment').to.not.equal(undefined);
      expect(Buffer.compare(att?.content ?? Buffer.alloc(0), attachment)).to.equal(0);
      expect(inner.text).to.include('Indicators attached.');
      expect(inner.text).to.include(`signature: verified`.replace('s', 'S'));
      // Another member's key cannot read this copy.
      const other = member === bob ? carol : bob;
      let readByOther = true;
      try {
        await decryptCopy(armoredPart(copy.raw), other.key, listKey);
      } catch {
        readByOther = false;
      }
      expect(readByOther).to.equal(false);
    }
  });
});
