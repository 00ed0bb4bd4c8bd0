import { expect } from 'chai';
import type { PublicKey } from 'openpgp';
import { copiesTo, openCopy, reply, waitForCopies } from '../helpers/comcheck.js';
import { TestEnv } from '../helpers/env.js';
import { makeMember, type TestMember } from '../helpers/keys.js';
import { pgpMimeMessage, type Attachment } from '../helpers/mail.js';
import { submit } from '../helpers/smtp.js';

const LIST = 'csirt@lists.test';
const REQUEST = 'csirt-request@lists.test';
const WELCOME = /Welcome: confirm your membership/;
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

/** The latest com-check log entry of the list (other entries, e.g. queued notices, come after it). */
async function lastComcheckEvent(env: TestEnv): Promise<Record<string, unknown> | undefined> {
  const entries = (await env.daemon.store.audit.all(LIST)).filter((e) => e.type === 'comcheck');
  return entries.at(-1)?.payload as Record<string, unknown> | undefined;
}

describe('enrollment confirmation (confirm-enrollment, the default)', function () {
  let env: TestEnv;
  let listKey: PublicKey;
  let m0: TestMember;
  let m1: TestMember;
  let alice: TestMember;

  before(async () => {
    env = await TestEnv.start();
    const l = await env.listWithMembers(2);
    listKey = l.listKey;
    [m0, m1] = l.members as [TestMember, TestMember];
    await env.client.call('list.set', { address: LIST, option: 'confirm-enrollment', value: 'true' });
    alice = await makeMember('alice@team-a.test', 'Alice');
  });
  after(async () => env?.stop());

  let n = 0;
  async function post(from: TestMember, subject = `TLP:GREEN note ${++n}`): Promise<{ code: number; subject: string }> {
    const raw = await pgpMimeMessage({ from: { address: from.email }, to: LIST, subject, text: 'hello' }, { encryptTo: [listKey], signer: from.key });
    const r = await submit(env.smtpPort, from.email, LIST, raw);
    return { code: r.code, subject };
  }

  it('member add leaves the member pending (member ls shows it) and sends an encrypted, signed welcome with a token', async () => {
    const r = await env.enroll(LIST, alice);
    expect(r.status).to.equal('pending');
    const ls = await env.client.call('member.ls', { list: LIST });
    expect(ls.find((x) => x.email === alice.email)?.status).to.equal('pending');
    const [copy] = await waitForCopies(env.sink, alice.email, WELCOME, 1);
    const w = await openCopy(copy as never, alice, listKey);
    expect(w.replyTo).to.equal('csirt-comcheck@lists.test');
    expect(w.autoSubmitted).to.equal('auto-generated');
    expect(w.text).to.match(/\bec-[a-z0-9]{26}\b/);
    expect(copy?.raw.toString('latin1')).not.to.match(/\bec-[a-z0-9]{26}\b/);
  });

  it('a pending member receives no list mail and cannot post', async () => {
    const p = await post(m0);
    expect(p.code).to.equal(250);
    await waitForCopies(env.sink, m1.email, new RegExp('TLP:GREEN'), 1);
    await settle();
    expect(copiesTo(env.sink, alice.email, /TLP:GREEN/)).to.have.length(0);
    expect((await post(alice)).code).to.equal(550);
  });

  it('a reply signed by another key leaves the member pending', async () => {
    const [copy] = copiesTo(env.sink, alice.email, WELCOME);
    const w = await openCopy(copy as never, alice, listKey);
    const impostor = await makeMember(alice.email, 'Not Alice');
    const r = await reply(env.smtpPort, w, { ...alice, key: impostor.key }, listKey);
    expect(r.code, r.response).to.equal(250);
    expect((await env.client.call('member.show', { list: LIST, email: alice.email })).status).to.equal('pending');
    const last = (await env.daemon.store.audit.all(LIST)).at(-1)?.payload as Record<string, unknown>;
    expect(last).to.deep.include({ action: 'enrollment-unconfirmed', reason: 'unsigned' });
    const unsigned = await reply(env.smtpPort, w, alice, listKey, { pgp: { sign: 'none' } });
    expect(unsigned.code).to.equal(250);
    expect((await env.client.call('member.show', { list: LIST, email: alice.email })).status).to.equal('pending');
  });

  it('the signed reply with the token activates the member: from then on they receive list mail', async () => {
    const [copy] = copiesTo(env.sink, alice.email, WELCOME);
    const w = await openCopy(copy as never, alice, listKey);
    const r = await reply(env.smtpPort, w, alice, listKey);
    expect(r.code, r.response).to.equal(250);
    expect((await env.client.call('member.show', { list: LIST, email: alice.email })).status).to.equal('active');
    expect(await env.daemon.store.comchecks.enrollment(LIST, alice.email)).to.equal(undefined);
    await post(m0);
    await waitForCopies(env.sink, alice.email, /TLP:GREEN/, 1);
    // The token is spent: the same reply again changes nothing and is logged as unknown.
    expect((await reply(env.smtpPort, w, alice, listKey)).code).to.equal(250);
    const last = (await env.daemon.store.audit.all(LIST)).at(-1)?.payload as Record<string, unknown>;
    expect(last).to.deep.include({ action: 'reply-ignored', reason: 'unknown-token' });
  });

  it('member confirm overrides for a member who cannot answer, and the log says so', async () => {
    const carol = await makeMember('carol@team-c.test', 'Carol');
    await env.enroll(LIST, carol);
    await waitForCopies(env.sink, carol.email, WELCOME, 1);
    const c = await env.client.call('member.confirm', { list: LIST, email: carol.email });
    expect(c.status).to.equal('active');
    const last = (await env.daemon.store.audit.all(LIST)).at(-1);
    expect(last?.type).to.equal('admin');
    expect(last?.payload).to.deep.include({ action: 'member-confirm', member: carol.email });
    await post(m0);
    await waitForCopies(env.sink, carol.email, /TLP:GREEN/, 1);
  });

  it('member update-key with a new key makes the member pending again with a new welcome to the new key', async () => {
    const newAlice = await makeMember(alice.email, 'Alice');
    const r = await env.client.call('member.update-key', { list: LIST, email: alice.email, key: { base64: Buffer.from(newAlice.armoredPublic).toString('base64') } });
    expect(r.status).to.equal('pending');
    const welcomes = await waitForCopies(env.sink, alice.email, WELCOME, 2);
    const w = await openCopy(welcomes[1] as never, newAlice, listKey);
    expect(w.text).to.include(newAlice.fingerprint.slice(0, 4));
    expect((await reply(env.smtpPort, w, newAlice, listKey)).code).to.equal(250);
    expect((await env.client.call('member.show', { list: LIST, email: alice.email })).status).to.equal('active');
  });
});

describe('key updates by mail to the request address', function () {
  let env: TestEnv;
  let listKey: PublicKey;
  let owner: TestMember;
  let bob: TestMember;

  before(async () => {
    env = await TestEnv.start();
    const l = await env.listWithMembers(2);
    listKey = l.listKey;
    [owner, bob] = l.members as [TestMember, TestMember];
  });
  after(async () => env?.stop());

  async function request(from: TestMember, signer: TestMember, o: { attach?: TestMember; paste?: TestMember }): Promise<number> {
    const attachments: Attachment[] = o.attach
      ? [{ filename: `OpenPGP_0x${o.attach.fingerprint.slice(-16)}.asc`, contentType: 'application/pgp-keys', data: Buffer.from(o.attach.armoredPublic) }]
      : [];
    const text = o.paste ? `My new key:\n\n${o.paste.armoredPublic}\n` : 'My new key is attached.';
    const raw = await pgpMimeMessage({ from: { address: from.email }, to: REQUEST, subject: 'key update', text, attachments }, { encryptTo: [listKey], signer: signer.key });
    const r = await submit(env.smtpPort, from.email, REQUEST, raw);
    return r.code;
  }

  it('a new key (attached) in a message signed by the current key is checked, enrolled, and confirmed to member and owners', async () => {
    const next = await makeMember(bob.email, bob.name);
    expect(await request(bob, bob, { attach: next })).to.equal(250);
    const m = await env.client.call('member.show', { list: LIST, email: bob.email });
    expect(m.fingerprint).to.equal(next.fingerprint);
    expect(m.status).to.equal('active');
    // The confirmation is encrypted to the NEW key.
    const [conf] = await waitForCopies(env.sink, bob.email, /Your OpenPGP key was updated/, 1);
    const c = await openCopy(conf as never, next, listKey);
    expect(c.text).to.match(/now [0-9A-F ]+/);
    const [notice] = await waitForCopies(env.sink, owner.email, /Notice to the list owners/, 1);
    expect((await openCopy(notice as never, owner, listKey)).text).to.include(`${bob.email} replaced their key by mail`);
    bob = next;
  });

  it('a key in a message not signed by the current key is refused: 250, an encrypted refusal, owners told', async () => {
    const stranger = await makeMember(bob.email, 'Someone');
    expect(await request(bob, stranger, { paste: stranger })).to.equal(250);
    expect((await env.client.call('member.show', { list: LIST, email: bob.email })).fingerprint).to.equal(bob.fingerprint);
    const [refusal] = await waitForCopies(env.sink, bob.email, /Your key update was refused/, 1);
    const r = await openCopy(refusal as never, bob, listKey);
    expect(r.text).to.include('signed by another key, not by your enrolled key');
    await waitForCopies(env.sink, owner.email, /Notice to the list owners/, 2);
    expect(await lastComcheckEvent(env)).to.deep.include({ action: 'key-request', result: 'refused', member: bob.email });
  });

  it('a pasted armored key works too; with confirm-enrollment a different key makes the member pending until confirmed', async () => {
    await env.client.call('list.set', { address: LIST, option: 'confirm-enrollment', value: 'true' });
    const next = await makeMember(bob.email, bob.name);
    expect(await request(bob, bob, { paste: next })).to.equal(250);
    const m = await env.client.call('member.show', { list: LIST, email: bob.email });
    expect([m.fingerprint, m.status]).to.deep.equal([next.fingerprint, 'pending']);
    const [welcome] = await waitForCopies(env.sink, bob.email, WELCOME, 1);
    expect((await reply(env.smtpPort, await openCopy(welcome as never, next, listKey), next, listKey)).code).to.equal(250);
    expect((await env.client.call('member.show', { list: LIST, email: bob.email })).status).to.equal('active');
    bob = next;
  });

  it('a key that fails the enrollment rules (no user ID for the address) is refused; mail from a non-member is ignored', async () => {
    const before = (await env.client.call('member.show', { list: LIST, email: bob.email })).fingerprint;
    const wrong = await makeMember('someone-else@team.test', 'Other');
    expect(await request(bob, bob, { attach: wrong })).to.equal(250);
    expect((await env.client.call('member.show', { list: LIST, email: bob.email })).fingerprint).to.equal(before);
    const refusals = await waitForCopies(env.sink, bob.email, /Your key update was refused/, 2);
    const refusalText = (await openCopy(refusals[1] as never, bob, listKey)).text;
    expect(refusalText, refusalText).to.match(new RegExp(`has no valid user ID for ${bob.email}`));
    // Every owner notice so far (two updates, two refusals) is in before counting.
    await waitForCopies(env.sink, owner.email, /Notice to the list owners/, 4);
    const eve = await makeMember('eve@outside.test', 'Eve');
    const sent = env.sink.messages.length;
    expect(await request(eve, eve, { attach: eve })).to.equal(250);
    expect(await lastComcheckEvent(env)).to.deep.include({ action: 'key-request', result: 'ignored', reason: 'not-a-member' });
    await settle();
    expect(env.sink.messages.length, 'nothing is sent to a non-member').to.equal(sent);
  });
});
