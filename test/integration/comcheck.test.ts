import { expect } from 'chai';
import type { PublicKey } from 'openpgp';
import type { ComcheckReport, DirectoryEntry } from '../../src/admin/comcheck-api.js';
import { ManualClock } from '../../src/clock.js';
import { hashToken } from '../../src/comcheck/tokens.js';
import { runCli } from '../helpers/cli.js';
import { copiesTo, openCopy, reply, tokenIn, waitForCopies, type OpenedCopy } from '../helpers/comcheck.js';
import { PASSPHRASE_ENV, TestEnv } from '../helpers/env.js';
import { makeMember, type TestMember } from '../helpers/keys.js';
import { plainMessage } from '../helpers/mail.js';
import { submit } from '../helpers/smtp.js';

const LIST = 'csirt@lists.test';
const COMCHECK = 'csirt-comcheck@lists.test';
const PING = /Com-check/;
const HOUR = 3_600_000;
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

/**
 * Com-checks over real SMTP: the daemon pings each active member, members answer with an ordinary
 * client's Reply (quoted, encrypted to the list key, signed), and the report and directory count
 * what came back. Time moves on a ManualClock.
 */
describe('comcheck: a run, its replies, the report and the directory', function () {
  let env: TestEnv;
  let clock: ManualClock;
  let listKey: PublicKey;
  let members: TestMember[];
  let runId: string;
  const pings = new Map<string, OpenedCopy>();

  before(async () => {
    clock = new ManualClock(Date.now() + 60_000) /* ahead of the keys made after it: a key "from the future" is invalid */;
    env = await TestEnv.start({ clock });
    ({ listKey, members } = await env.listWithMembers(3));
  });
  after(async () => env?.stop());

  const [onTime, late, never] = [0, 1, 2];
  const m = (i: number): TestMember => members[i] as TestMember;

  it('comcheck run through the daemon sends one encrypted, list-signed ping per member', async () => {
    const r = await env.client.call('comcheck.run', { list: LIST });
    runId = r.runId;
    expect(r).to.deep.include({ list: LIST, pinged: 3, queued: 3 });
    expect(Date.parse(r.closesAt ?? '') - clock.now().getTime()).to.equal(72 * HOUR);
    for (const member of members) {
      const [copy] = await waitForCopies(env.sink, member.email, PING, 1);
      if (!copy) throw new Error('no ping');
      const opened = await openCopy(copy, member, listKey, clock.now());
      pings.set(member.email, opened);
      expect(opened.outerSubject).to.equal('[csirt] Com-check: reply to this message (encrypted and signed) within 72 hours');
      expect(opened.autoSubmitted).to.equal('auto-generated');
      expect(opened.replyTo).to.equal(COMCHECK);
      const token = tokenIn(opened.text);
      // The token exists only inside the encryption, and the store keeps only its hash.
      expect(copy.raw.toString('latin1')).not.to.include(token);
      expect((await env.daemon.store.comchecks.token(hashToken(token)))?.kind).to.equal('ping');
      expect(JSON.stringify(await env.daemon.store.comchecks.allPings(LIST))).not.to.include(token);
    }
    const tokens = [...pings.values()].map((p) => tokenIn(p.text));
    expect(new Set(tokens).size).to.equal(3);
  });

  it('a signed reply in the window counts and is not distributed', async () => {
    clock.advance(2 * HOUR);
    const before = env.sink.messages.length;
    const r = await reply(env.smtpPort, pings.get(m(onTime).email) as OpenedCopy, m(onTime), listKey);
    expect(r.code, r.response).to.equal(250);
    await settle();
    expect(env.sink.messages.length, 'nothing went to the list').to.equal(before);
    const p = await env.daemon.store.comchecks.getPing(LIST, runId, m(onTime).email);
    expect(p).to.deep.include({ state: 'replied', verified: true, signer: m(onTime).fingerprint });
  });

  it('when the window closes open pings are missed; a reply after it is late', async () => {
    clock.advance(71 * HOUR);
    expect(await env.daemon.comchecks.closeWindows()).to.equal(1);
    expect((await env.daemon.store.comchecks.getPing(LIST, runId, m(late).email))?.state).to.equal('missed');
    const r = await reply(env.smtpPort, pings.get(m(late).email) as OpenedCopy, m(late), listKey);
    expect(r.code, r.response).to.equal(250);
    expect((await env.daemon.store.comchecks.getPing(LIST, runId, m(late).email))?.state).to.equal('late');
    expect((await env.daemon.store.comchecks.getPing(LIST, runId, m(never).email))?.state).to.equal('missed');
  });

  it('the report: 1 on time, 1 late, 1 missed, and each member\'s rate', async () => {
    const rep: ComcheckReport = await env.client.call('comcheck.report', { list: LIST });
    expect(rep.runs).to.have.length(1);
    expect(rep.runs[0]).to.deep.include({ id: runId, pinged: 3, replied: 1, late: 1, missed: 1, unverified: 0, open: 0, rate: 0.3333, closed: true });
    expect(rep.trend).to.deep.equal([{ id: runId, createdAt: rep.runs[0]?.createdAt, rate: 0.3333 }]);
    const byEmail = new Map(rep.members.map((x) => [x.email, x]));
    expect(byEmail.get(m(onTime).email)).to.deep.include({ rate: 1, replied: 1, medianReplyHours: 2, lastResult: 'replied', name: 'Member 0', team: 'Team Member 0', role: 'owner' });
    expect(byEmail.get(m(late).email)).to.deep.include({ rate: 0, late: 1, medianReplyHours: 73, lastResult: 'late' });
    expect(byEmail.get(m(never).email)).to.deep.include({ rate: 0, missed: 1, lastReply: null, medianReplyHours: null, lastResult: 'missed' });
  });

  it('the directory export matches, as JSON and as CSV from the CLI', async () => {
    const dir: DirectoryEntry[] = await env.client.call('directory.export', { list: LIST });
    expect(dir.map((e) => [e.email, e.lastComcheck, e.successRate, e.fingerprint])).to.deep.equal([
      [m(0).email, 'replied', 1, m(0).fingerprint],
      [m(1).email, 'late', 0, m(1).fingerprint],
      [m(2).email, 'missed', 0, m(2).fingerprint],
    ]);
    const csv = await runCli(['directory', 'export', LIST, '--format', 'csv', '--config', env.file('remailer.yaml')], { env: PASSPHRASE_ENV });
    expect(csv.code, csv.stderr).to.equal(0);
    const lines = csv.stdout.split('\r\n');
    expect(lines[0]).to.equal('name,team,role,email,status,fingerprint,keyExpires,enrolledAt,lastComcheck,lastComcheckAt,successRate');
    expect(lines[1]).to.match(new RegExp(`^Member 0,Team Member 0,owner,${m(0).email},active,${m(0).fingerprint},,[^,]+,replied,[^,]+,1$`));
    expect(lines[3]).to.match(/,missed,[^,]+,0$/);
    const text = await runCli(['comcheck', 'report', LIST, '--config', env.file('remailer.yaml')], { env: PASSPHRASE_ENV });
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(new RegExp(`${runId}\\s+\\S+ \\S+\\s+3\\s+1\\s+1\\s+0\\s+1\\s+0\\s+33%`));
    expect(text.stdout).to.include('trend: 33%');
  });

  it('a second run missed again: directory review flags that member (exit 1); the trend shows both runs', async () => {
    const r = await env.client.call('comcheck.run', { list: LIST });
    const [, second] = await waitForCopies(env.sink, m(onTime).email, PING, 2);
    if (!second) throw new Error('no second ping');
    const opened = await openCopy(second, m(onTime), listKey, clock.now());
    expect((await reply(env.smtpPort, opened, m(onTime), listKey)).code).to.equal(250);
    clock.advance(73 * HOUR);
    await env.daemon.comchecks.closeWindows();
    const rep = await env.client.call('comcheck.report', { list: LIST, runs: 5 });
    expect(rep.trend.map((t) => t.rate)).to.deep.equal([0.3333, 0.3333]);
    expect(rep.runs[1]?.id).to.equal(r.runId);
    const review = await runCli(['directory', 'review', LIST, '--json', '--config', env.file('remailer.yaml')], { env: PASSPHRASE_ENV });
    expect(review.code, review.stderr).to.equal(1);
    const j = JSON.parse(review.stdout) as { findings: Array<{ email: string; problems: Array<{ kind: string }> }> };
    // Member 1 was late once, then missed: not two misses in a row.
    expect(j.findings.map((f) => [f.email, f.problems.map((p) => p.kind)])).to.deep.equal([[m(2).email, ['missed-comchecks']]]);
  });
});

describe('comcheck: replies that must not count', function () {
  let env: TestEnv;
  let listKey: PublicKey;
  let alice: TestMember;
  let bob: TestMember;
  let runId: string;
  let alicePing: OpenedCopy;
  let bobPing: OpenedCopy;

  before(async () => {
    env = await TestEnv.start();
    const l = await env.listWithMembers(2);
    listKey = l.listKey;
    [alice, bob] = l.members as [TestMember, TestMember];
    runId = (await env.client.call('comcheck.run', { list: LIST })).runId;
    alicePing = await openCopy((await waitForCopies(env.sink, alice.email, PING, 1))[0] as never, alice, listKey);
    bobPing = await openCopy((await waitForCopies(env.sink, bob.email, PING, 1))[0] as never, bob, listKey);
  });
  after(async () => env?.stop());

  const state = async (email: string) => (await env.daemon.store.comchecks.getPing(LIST, runId, email))?.state;
  const lastEvents = async (n: number) => (await env.daemon.store.audit.all(LIST)).slice(-n).map((e) => e.payload as Record<string, unknown>);

  it('a wrong token: 250, logged as unknown, the ping stays open', async () => {
    const t = tokenIn(alicePing.text);
    const forged = t.slice(0, -1) + (t.endsWith('a') ? 'b' : 'a');
    const r = await reply(env.smtpPort, alicePing, alice, listKey, { body: (q) => `Here.\n${q.replace(t, forged)}` });
    expect(r.code, r.response).to.equal(250);
    expect(await state(alice.email)).to.equal('open');
    expect((await lastEvents(1))[0]).to.deep.include({ action: 'reply-ignored', reason: 'unknown-token' });
  });

  it("a non-member with a member's token: ignored", async () => {
    const eve = await makeMember('eve@outside.test', 'Eve');
    const r = await reply(env.smtpPort, alicePing, eve, listKey);
    expect(r.code, r.response).to.equal(250);
    expect(await state(alice.email)).to.equal('open');
    expect((await lastEvents(2))[0]).to.deep.include({ action: 'reply-ignored', reason: 'not-a-member', member: 'eve@outside.test' });
  });

  it("another member answering with alice's token (wrong address): ignored", async () => {
    const r = await reply(env.smtpPort, alicePing, bob, listKey);
    expect(r.code, r.response).to.equal(250);
    expect(await state(alice.email)).to.equal('open');
    expect(await state(bob.email)).to.equal('open');
    expect((await lastEvents(1))[0]).to.deep.include({ action: 'reply-ignored', reason: 'wrong-address', member: bob.email });
  });

  it('unsigned while comcheck-require-signed: recorded as replied, unverified; a signed one then counts, a duplicate once', async () => {
    const r1 = await reply(env.smtpPort, alicePing, alice, listKey, { pgp: { sign: 'none' } });
    expect(r1.code, r1.response).to.equal(250);
    expect(await env.daemon.store.comchecks.getPing(LIST, runId, alice.email)).to.deep.include({ state: 'unverified', verified: false });
    expect((await env.client.call('comcheck.report', { list: LIST })).runs[0]).to.deep.include({ replied: 0, unverified: 1 });
    expect((await reply(env.smtpPort, alicePing, alice, listKey)).code).to.equal(250);
    expect(await state(alice.email)).to.equal('replied');
    expect((await reply(env.smtpPort, alicePing, alice, listKey)).code).to.equal(250);
    expect((await lastEvents(1))[0]).to.deep.include({ action: 'reply', result: 'duplicate' });
    const run = (await env.client.call('comcheck.report', { list: LIST })).runs[0];
    expect(run).to.deep.include({ replied: 1, unverified: 0, open: 1 });
  });

  it('a reply signed by another key than the enrolled one does not verify', async () => {
    const other = await makeMember(bob.email, 'Bob again');
    const r = await reply(env.smtpPort, bobPing, { ...bob, key: other.key }, listKey);
    expect(r.code, r.response).to.equal(250);
    expect(await state(bob.email)).to.equal('unverified');
  });

  it('auto-replies and plain mail without a token are ignored; malformed mail is refused 554; nothing is ever distributed', async () => {
    const before = env.sink.messages.length;
    const auto = plainMessage({ from: { address: bob.email }, to: COMCHECK, subject: 'Out of office', text: tokenIn(bobPing.text), headers: ['Auto-Submitted: auto-replied'] });
    expect((await submit(env.smtpPort, bob.email, COMCHECK, auto)).code).to.equal(250);
    expect(await state(bob.email)).to.equal('unverified');
    const broken = Buffer.from(
      `From: <${bob.email}>\r\nTo: <${COMCHECK}>\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nno\r\n--b--\r\n`,
    );
    const bad = await submit(env.smtpPort, bob.email, COMCHECK, broken);
    expect(bad.code, bad.response).to.equal(554);
    expect(bad.response).to.match(/^554 5\.6\.0 /);
    await settle();
    expect(env.sink.messages.length).to.equal(before);
  });

  it('with comcheck-require-signed off an unsigned reply counts', async () => {
    await env.client.call('list.set', { address: LIST, option: 'comcheck-require-signed', value: 'off' });
    const id = (await env.client.call('comcheck.run', { list: LIST })).runId;
    const [, copy] = await waitForCopies(env.sink, bob.email, PING, 2);
    const opened = await openCopy(copy as never, bob, listKey);
    expect(opened.text).to.include('preferably signed');
    expect((await reply(env.smtpPort, opened, bob, listKey, { pgp: { sign: 'none' } })).code).to.equal(250);
    expect(await env.daemon.store.comchecks.getPing(LIST, id, bob.email)).to.deep.include({ state: 'replied', verified: false });
  });
});

describe('comcheck: runs recorded while the daemon is stopped', function () {
  let env: TestEnv;
  after(async () => env?.stop());

  it('comcheck run without a daemon records the pings; the daemon sends them when it starts', async () => {
    env = await TestEnv.start();
    const { members } = await env.listWithMembers(2);
    env.admin.close();
    await env.daemon.stop();
    const r = await runCli(['comcheck', 'run', LIST, '--config', env.file('remailer.yaml')], { env: { REMAILER_KEY_PASSPHRASE: '' } });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/2 pings recorded; the daemon sends them when it starts/);
    expect(env.sink.messages).to.have.length(0);
    await env.boot();
    for (const member of members) await waitForCopies(env.sink, member.email, PING, 1);
    const [run] = await env.daemon.store.comchecks.runsOf(LIST);
    expect(run?.sentAt).to.be.a('string');
    expect(copiesTo(env.sink, (members[0] as TestMember).email, PING)).to.have.length(1);
  });
});
