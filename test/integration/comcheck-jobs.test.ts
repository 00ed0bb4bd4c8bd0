import { expect } from 'chai';
import type { PublicKey } from 'openpgp';
import { ManualClock } from '../../src/clock.js';
import { copiesTo, openCopy, waitForCopies } from '../helpers/comcheck.js';
import { TestEnv } from '../helpers/env.js';
import { makeMember, type TestMember } from '../helpers/keys.js';
import { pgpMimeMessage } from '../helpers/mail.js';
import { submit } from '../helpers/smtp.js';

const LIST = 'csirt@lists.test';
const DAY = 86_400_000;
const HOUR = 3_600_000;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('jobs: com-check schedules (node-cron, second steps, no restart)', function () {
  let env: TestEnv;
  let clock: ManualClock;
  after(async () => env?.stop());

  it('a schedule fires, a changed schedule takes effect at once, off stops it; windows close by their own job', async () => {
    clock = new ManualClock(Date.now() + 60_000) /* ahead of the keys made after it: a key "from the future" is invalid */;
    // The window-close job every second here instead of every minute.
    env = await TestEnv.start({ clock, scheduler: { windowCron: '*/1 * * * * *' } });
    const { members } = await env.listWithMembers(1);
    const runs = async () => env.daemon.store.comchecks.runsOf(LIST);

    await env.client.call('list.set', { address: LIST, option: 'comcheck-schedule', value: '0 9 1 1 *' });
    expect(env.daemon.comchecks.scheduler.scheduleOf(LIST)).to.equal('0 9 1 1 *');
    await new Promise((r) => setTimeout(r, 1200));
    expect(await runs()).to.have.length(0);

    await env.client.call('list.set', { address: LIST, option: 'comcheck-schedule', value: '*/1 * * * * *' });
    expect(env.daemon.comchecks.scheduler.scheduleOf(LIST)).to.equal('*/1 * * * * *');
    await until('a scheduled run', async () => (await runs()).length === 1);
    await waitForCopies(env.sink, (members[0] as TestMember).email, /Com-check/, 1);
    // While that run is open, later firings are skipped: a tight schedule cannot flood members.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await runs()).to.have.length(1);
    expect((await runs())[0]?.trigger).to.equal('schedule');

    await env.client.call('list.set', { address: LIST, option: 'comcheck-schedule', value: 'off' });
    expect(env.daemon.comchecks.scheduler.scheduleOf(LIST)).to.equal(null);

    // The window closes on the (manual) clock; the every-second job notices without being called.
    clock.advance(73 * HOUR);
    await until('the window to close', async () => (await runs())[0]?.closedAt !== null);
    expect((await env.daemon.store.comchecks.pingsOf(LIST, (await runs())[0]?.id ?? ''))[0]?.state).to.equal('missed');
    await new Promise((r) => setTimeout(r, 1200));
    expect(await runs(), 'no run after the schedule was turned off').to.have.length(1);
  });

  it('a schedule survives a restart (read from the list options at start)', async () => {
    await env.client.call('list.set', { address: LIST, option: 'comcheck-schedule', value: '0 9 * * 1' });
    env.admin.close();
    await env.daemon.stop();
    await env.boot();
    expect(env.daemon.comchecks.scheduler.scheduleOf(LIST)).to.equal('0 9 * * 1');
  });
});

describe('jobs: key-expiry watch', function () {
  let env: TestEnv;
  let clock: ManualClock;
  let listKey: PublicKey;
  let owner: TestMember;
  let poster: TestMember;
  let dave: TestMember;
  after(async () => env?.stop());

  const WARN = /expires/;
  const OWNER_NOTICE = /Notice to the list owners/;

  before(async () => {
    clock = new ManualClock(Date.now() + 60_000) /* ahead of the keys made after it: a key "from the future" is invalid */;
    env = await TestEnv.start({ clock });
    const l = await env.listWithMembers(2);
    listKey = l.listKey;
    [owner, poster] = l.members as [TestMember, TestMember];
    dave = await makeMember('dave@team-d.test', 'Dave', { expiresInSeconds: 40 * 86_400 });
    await env.enroll(LIST, dave, 'representative', 'CERT-D');
  });

  it('40 days before expiry: nothing', async () => {
    expect(await env.daemon.comchecks.expiryWatch()).to.equal(0);
  });

  it('30 days before: the member is warned (encrypted to them) and the owners are told; once', async () => {
    clock.advance(11 * DAY);
    expect(await env.daemon.comchecks.expiryWatch()).to.equal(1);
    const [warning] = await waitForCopies(env.sink, dave.email, WARN, 1);
    const w = await openCopy(warning as never, dave, listKey, clock.now());
    expect(w.innerSubject).to.match(/Your OpenPGP key expires in 29 days/);
    expect(w.text).to.include('csirt-request@lists.test');
    expect(w.replyTo).to.equal('csirt-request@lists.test');
    const [notice] = await waitForCopies(env.sink, owner.email, OWNER_NOTICE, 1);
    const n = await openCopy(notice as never, owner, listKey, clock.now());
    expect(n.text).to.include('dave@team-d.test (Dave, CERT-D)');
    expect(n.text).to.include('in 29 days');
    expect(await env.daemon.comchecks.expiryWatch()).to.equal(0);
    clock.advance(DAY);
    expect(await env.daemon.comchecks.expiryWatch()).to.equal(0);
  });

  it('7 days before: the second warning', async () => {
    clock.advance(22 * DAY);
    expect(await env.daemon.comchecks.expiryWatch()).to.equal(1);
    const warnings = await waitForCopies(env.sink, dave.email, WARN, 2);
    const w = await openCopy(warnings[1] as never, dave, listKey, clock.now());
    expect(w.innerSubject).to.match(/expires in 6 days/);
    await waitForCopies(env.sink, owner.email, OWNER_NOTICE, 2);
    expect(await env.daemon.comchecks.expiryWatch()).to.equal(0);
  });

  it('expired: the owners are told once, and the member receives nothing, never in plain text', async () => {
    clock.advance(7 * DAY);
    expect(await env.daemon.comchecks.expiryWatch()).to.equal(1);
    const notices = await waitForCopies(env.sink, owner.email, OWNER_NOTICE, 3);
    const n = await openCopy(notices[2] as never, owner, listKey, clock.now());
    expect(n.text).to.match(/expired on .*member update-key/);
    expect(await env.daemon.comchecks.expiryWatch()).to.equal(0);

    const toDave = copiesTo(env.sink, dave.email, /./).length;
    const raw = await pgpMimeMessage(
      { from: { address: poster.email }, to: LIST, subject: 'TLP:GREEN after expiry', text: 'Still there?' },
      { encryptTo: [listKey], signer: poster.key },
    );
    const r = await submit(env.smtpPort, poster.email, LIST, raw);
    expect(r.code, r.response).to.equal(250);
    await waitForCopies(env.sink, owner.email, /TLP:GREEN/, 1);
    await new Promise((res) => setTimeout(res, 300));
    expect(copiesTo(env.sink, dave.email, /./)).to.have.length(toDave);
    const id = /queued as (\S+)/.exec(r.response)?.[1] ?? '';
    const d = await env.daemon.store.deliveries.get({ messageId: id, recipient: dave.email });
    expect(d?.state).to.equal('skipped');
    expect(d?.reason).to.match(/expired/);
  });
});
