import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import { TestEnv } from '../helpers/env.js';
import { decryptCopy, makeMember, type TestMember } from '../helpers/keys.js';
import { armoredPart, inlinePgpMessage, pgpMimeMessage, plainMessage } from '../helpers/mail.js';
import { submit } from '../helpers/smtp.js';

const LIST = 'csirt@lists.test';
const OWNER = 'csirt-owner@lists.test';
const settle = () => new Promise((r) => setTimeout(r, 300));

describe('relay: list options, inline PGP, owner mail', function () {
  let env: TestEnv;
  afterEach(async () => env?.stop());

  it('accepts inline PGP (armored block in text/plain) and sends PGP/MIME; refuses it when accept-inline-pgp is off', async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(2);
    const [a, b] = members as [TestMember, TestMember];
    const raw = await inlinePgpMessage(
      { from: { address: a.email }, to: LIST, subject: 'TLP:GREEN inline', text: 'inline body text' },
      { encryptTo: [listKey], signer: a.key },
    );
    const r = await submit(env.smtpPort, a.email, LIST, raw);
    expect(r.code, r.response).to.equal(250);
    await env.sink.waitFor(1);
    const copy = env.sink.messages[0];
    expect(copy?.rcptTo).to.deep.equal([b.email]);
    expect(copy?.raw.toString()).to.include('multipart/encrypted');
    const dec = await decryptCopy(armoredPart(copy?.raw ?? ''), b.key, listKey);
    expect(dec.signedByList).to.equal(true);
    const inner = await simpleParser(Buffer.from(dec.data));
    expect(inner.text).to.include('inline body text');
    expect(inner.subject).to.equal('[csirt] TLP:GREEN inline');

    await env.client.call('list.set', { address: LIST, option: 'accept-inline-pgp', value: 'false' });
    const again = await inlinePgpMessage(
      { from: { address: a.email }, to: LIST, subject: 'TLP:GREEN inline 2', text: 'second' },
      { encryptTo: [listKey], signer: a.key },
    );
    const r2 = await submit(env.smtpPort, a.email, LIST, again);
    expect(r2.response).to.equal('550 5.7.1 This list does not accept inline PGP; send the message as PGP/MIME');
  });

  it('with receive-encrypted-only off, plain mail is still encrypted for each member', async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(2);
    const [a, b] = members as [TestMember, TestMember];
    await env.client.call('list.set', { address: LIST, option: 'receive-encrypted-only', value: 'false' });
    await env.client.call('list.set', { address: LIST, option: 'require-signature', value: 'false' });
    const r = await submit(env.smtpPort, a.email, LIST, plainMessage({ from: { address: a.email }, to: LIST, subject: 'TLP:CLEAR public advisory', text: 'plain text body' }));
    expect(r.code, r.response).to.equal(250);
    await env.sink.waitFor(1);
    const copy = env.sink.messages[0];
    expect(copy?.raw.toString()).to.not.include('plain text body');
    const dec = await decryptCopy(armoredPart(copy?.raw ?? ''), b.key, listKey);
    expect(Buffer.from(dec.data).toString()).to.include('plain text body');
    expect(Buffer.from(dec.data).toString()).to.include('Signature: none');
  });

  it('deliver-to-sender sends the sender a copy too', async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(2);
    const [a] = members as [TestMember];
    await env.client.call('list.set', { address: LIST, option: 'deliver-to-sender', value: 'yes' });
    const raw = await pgpMimeMessage({ from: { address: a.email }, to: LIST, subject: 'TLP:GREEN me too', text: 'x' }, { encryptTo: [listKey], signer: a.key });
    expect((await submit(env.smtpPort, a.email, LIST, raw)).code).to.equal(250);
    await env.sink.waitFor(2);
    expect(env.sink.messages.map((m) => m.rcptTo[0]).sort()).to.include(a.email);
  });

  it('owner mail from an outsider reaches only the owners, encrypted, with Reply-To the writer', async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(3);
    const [owner, b] = members as [TestMember, TestMember];
    const outsider = await makeMember('visitor@else.test', 'Visitor');
    const raw = await pgpMimeMessage(
      { from: { address: outsider.email }, to: OWNER, subject: 'TLP:GREEN how do we join?', text: 'Hello owners' },
      { encryptTo: [listKey], signer: outsider.key },
    );
    const r = await submit(env.smtpPort, outsider.email, OWNER, raw);
    expect(r.code, r.response).to.equal(250);
    await env.sink.waitFor(1);
    await settle();
    expect(env.sink.messages.map((m) => m.rcptTo[0])).to.deep.equal([owner.email]);
    expect(env.sink.messages.some((m) => m.rcptTo[0] === b.email)).to.equal(false);
    const outer = await simpleParser(env.sink.messages[0]?.raw ?? '');
    expect(outer.replyTo?.value[0]?.address).to.equal(outsider.email);
  });

  it('owner mail that claims a member address must carry that member signature', async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(2);
    const [, b] = members as [TestMember, TestMember];
    const forger = await makeMember('forger@else.test');
    const raw = await pgpMimeMessage(
      { from: { address: b.email }, to: OWNER, subject: 'TLP:GREEN please remove me', text: 'x' },
      { encryptTo: [listKey], signer: forger.key },
    );
    const r = await submit(env.smtpPort, b.email, OWNER, raw);
    expect(r.code).to.equal(550);
    await settle();
    expect(env.sink.messages).to.have.length(0);
  });

  it('keeps the thread: In-Reply-To and References survive, and a new Message-ID is shared by all copies', async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(3);
    const [a] = members as [TestMember];
    const raw = await pgpMimeMessage(
      { from: { address: a.email }, to: LIST, subject: 'TLP:GREEN Re: earlier', text: 'reply', inReplyTo: '<parent@lists.test>', references: ['<root@lists.test>', '<parent@lists.test>'] },
      { encryptTo: [listKey], signer: a.key },
    );
    expect((await submit(env.smtpPort, a.email, LIST, raw)).code).to.equal(250);
    await env.sink.waitFor(2);
    const parsed = await Promise.all(env.sink.messages.map((m) => simpleParser(m.raw)));
    expect(parsed[0]?.inReplyTo).to.equal('<parent@lists.test>');
    expect(parsed[0]?.references).to.deep.equal(['<root@lists.test>', '<parent@lists.test>']);
    expect(parsed[0]?.messageId).to.equal(parsed[1]?.messageId);
    expect(parsed[0]?.messageId).to.match(/@lists\.test>$/);
  });
});
