import fs from 'node:fs';
import { expect } from 'chai';
import type { PublicKey } from 'openpgp';
import { TestEnv } from '../helpers/env.js';
import { makeMember, type TestMember } from '../helpers/keys.js';
import { pgpMimeMessage } from '../helpers/mail.js';
import { submit } from '../helpers/smtp.js';
import type { DeliveryRecord } from '../../src/store/records.js';
import { Store } from '../../src/store/store.js';

const LIST = 'csirt@lists.test';

async function post(env: TestEnv, listKey: PublicKey, from: TestMember, text = 'TLP:GREEN update'): Promise<string> {
  const raw = await pgpMimeMessage({ from: { address: from.email }, to: LIST, subject: 'TLP:GREEN news', text }, { encryptTo: [listKey], signer: from.key });
  const r = await submit(env.smtpPort, from.email, LIST, raw);
  expect(r.code, r.response).to.equal(250);
  const id = /queued as (\S+)/.exec(r.response)?.[1];
  if (!id) throw new Error('no queue id in ' + r.response);
  return id;
}

async function deliveries(env: TestEnv, id: string): Promise<Map<string, DeliveryRecord>> {
  const all = await env.daemon.store.deliveries.ofMessage(id);
  return new Map(all.map((d) => [d.recipient, d]));
}

async function until(cond: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('delivery: retries, permanent failures, bounces, skipped keys', function () {
  let env: TestEnv;
  afterEach(async () => env?.stop());

  it('keeps everything while the smarthost is down and delivers it all once it is back', async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(3);
    const [a, b] = members as [TestMember, TestMember];
    const port = env.sink.port;
    await env.sink.stop();
    const id1 = await post(env, listKey, a, 'first');
    const id2 = await post(env, listKey, b, 'second');
    await until(async () => [...(await deliveries(env, id1)).values()].every((d) => d.state === 'deferred'));
    const d = [...(await deliveries(env, id1)).values()][0];
    expect(d?.lastReply ?? '').to.match(/ECONNREFUSED|connect/i);
    expect(d?.attempts).to.equal(1);
    await env.sink.start(port);
    await env.sink.waitFor(4, 30_000);
    await until(async () => [...(await deliveries(env, id1)).values(), ...(await deliveries(env, id2)).values()].every((x) => x.state === 'sent'));
    expect(env.sink.messages.map((m) => m.rcptTo[0]).sort()).to.have.length(4);
  });

  it('retries a 4xx recipient until it is accepted, and fails a 5xx recipient while the others are sent', async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(4);
    const [a, b, c, d] = members as [TestMember, TestMember, TestMember, TestMember];
    env.sink.policy = (rcpt, attempt) => {
      if (rcpt === b.email && attempt === 1) return { code: 451, message: '4.2.0 greylisted, try again' };
      if (rcpt === c.email) return { code: 550, message: '5.1.1 no such user' };
      return null;
    };
    const id = await post(env, listKey, a);
    await until(async () => {
      const m = await deliveries(env, id);
      return m.get(b.email)?.state === 'sent' && m.get(c.email)?.state === 'failed' && m.get(d.email)?.state === 'sent';
    });
    const m = await deliveries(env, id);
    expect(m.get(b.email)?.attempts).to.equal(2);
    expect(m.get(c.email)?.attempts).to.equal(1);
    expect(m.get(c.email)?.reason).to.match(/550/);
    expect(m.get(d.email)?.attempts).to.equal(1);
    expect(env.sink.messages.filter((x) => x.rcptTo[0] === b.email)).to.have.length(1);
    expect(env.sink.messages.filter((x) => x.rcptTo[0] === c.email)).to.have.length(0);
    // The owner (member 0, the sender here) is told about the permanent failure.
    await until(async () => {
      await env.daemon.notices.flush();
      return env.sink.messages.some((x) => x.rcptTo[0] === a.email);
    });
    const notice = env.sink.messages.find((x) => x.rcptTo[0] === a.email);
    expect(notice, 'an encrypted notice to the owner').to.not.equal(undefined);
    expect(notice?.raw.toString()).to.include('multipart/encrypted');
  });

  it('marks exactly the bounced delivery bounced when a DSN arrives at its VERP address', async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(3);
    const [a, b, c] = members as [TestMember, TestMember, TestMember];
    const id = await post(env, listKey, a);
    await env.sink.waitFor(2);
    const copy = env.sink.messages.find((m) => m.rcptTo[0] === b.email);
    if (!copy) throw new Error('no copy for b');
    const verp = copy.mailFrom;
    const dsn = fs
      .readFileSync('test/fixtures/bounces/postfix-dsn.eml', 'utf8')
      .replaceAll('csirt-bounces+Qm9vXzAx-7f3a@lists.example.net', verp)
      .replaceAll('alice@example.org', b.email);
    const before = env.sink.messages.length;
    const r = await submit(env.smtpPort, '', verp, Buffer.from(dsn));
    expect(r.code, r.response).to.equal(250);
    const m = await deliveries(env, id);
    expect(m.get(b.email)?.state).to.equal('bounced');
    expect(m.get(c.email)?.state).to.equal('sent');
    const member = await env.daemon.store.members.get(LIST, b.email);
    expect(member?.bounceCount).to.equal(1);
    // A second copy of the same DSN counts once.
    await submit(env.smtpPort, '', verp, Buffer.from(dsn));
    expect((await env.daemon.store.members.get(LIST, b.email))?.bounceCount).to.equal(1);
    // Never distributed to the list.
    await new Promise((res) => setTimeout(res, 300));
    expect(env.sink.messages.length).to.equal(before);
    // An out-of-office reply to a VERP address is no bounce.
    const ooo = fs.readFileSync('test/fixtures/bounces/gmail-ooo.eml', 'utf8');
    const cVerp = env.sink.messages.find((x) => x.rcptTo[0] === c.email)?.mailFrom ?? '';
    expect((await submit(env.smtpPort, c.email, cVerp, Buffer.from(ooo))).code).to.equal(250);
    expect((await deliveries(env, id)).get(c.email)?.state).to.equal('sent');
  });

  it('answers a bounce for an unknown token 250 and changes nothing', async () => {
    env = await TestEnv.start();
    await env.listWithMembers(2);
    const r = await submit(env.smtpPort, '', 'csirt-bounces+zzzzzzzzzzzzzzzz@lists.test', fs.readFileSync('test/fixtures/bounces/postfix-dsn.eml'));
    expect(r.code).to.equal(250);
  });

  it('sends nothing to a member whose key expired after enrollment, and tells the owners', async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(2);
    const [owner, b] = members as [TestMember, TestMember];
    const short = await makeMember('short@team.test', 'Short Lived', { expiresInSeconds: 2 });
    await env.enroll(LIST, short);
    await new Promise((r) => setTimeout(r, 2500));
    const id = await post(env, listKey, b);
    await until(async () => (await deliveries(env, id)).get(owner.email)?.state === 'sent');
    const d = (await deliveries(env, id)).get(short.email);
    expect(d?.state).to.equal('skipped');
    expect(d?.reason).to.match(/expired/);
    expect(env.sink.messages.filter((m) => m.rcptTo[0] === short.email)).to.have.length(0);
    await until(async () => {
      await env.daemon.notices.flush();
      return env.sink.messages.filter((m) => m.rcptTo[0] === owner.email).length === 2;
    });
  });

  it('after a crash, a copy noted in the sent journal is recorded as sent and not sent again', async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(2);
    const [a, b] = members as [TestMember, TestMember];
    const id = await post(env, listKey, a);
    await until(async () => (await deliveries(env, id)).get(b.email)?.state === 'sent');
    const rec = (await deliveries(env, id)).get(b.email);
    if (!rec) throw new Error('no delivery');
    await env.daemon.stop();
    // As if the process died after the smarthost's 250 was noted but before the store knew:
    const store = await Store.open(env.config.dataDir);
    await store.commit((tx) => {
      store.deliveries.put(tx, { ...rec, state: 'sending', sentAt: null });
    });
    await store.close();
    fs.writeFileSync(`${env.config.dataDir}/sent.journal`, JSON.stringify({ messageId: id, recipient: b.email, at: 'x', reply: '250 ok' }) + '\n');
    const before = env.sink.messages.length;
    await env.boot();
    await new Promise((r) => setTimeout(r, 500));
    expect(env.sink.messages.length, 'not sent again').to.equal(before);
    expect((await deliveries(env, id)).get(b.email)?.state).to.equal('sent');
  });
});
