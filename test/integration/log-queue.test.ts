import { expect } from 'chai';
import type { LogView, QueueView } from '../../src/admin/api.js';
import type { LogMessage } from '../../src/audit/query.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { TestEnv } from '../helpers/env.js';
import { readPublic, type TestMember } from '../helpers/keys.js';
import { pgpMimeMessage } from '../helpers/mail.js';
import { submit } from '../helpers/smtp.js';

const LIST = 'csirt@lists.test';

/** Poll until `check` holds (the worker records outcomes just after the sink has the copy). */
async function until<T>(what: string, get: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function cli(env: TestEnv, args: string[]): Promise<CliResult> {
  return runCli([...args, '--config', env.file('remailer.yaml')]);
}

async function cliJson<T>(env: TestEnv, args: string[]): Promise<T> {
  const r = await cli(env, [...args, '--json']);
  expect(r.code, r.stderr).to.equal(0);
  return JSON.parse(r.stdout) as T;
}

async function post(env: TestEnv, from: TestMember, subject: string, messageId: string): Promise<{ code: number; response: string }> {
  const listKey = await env.client.call('list.key', { address: LIST });
  const raw = await pgpMimeMessage(
    { from: { name: from.name, address: from.email }, to: LIST, subject, text: 'Secret indicators: 203.0.113.7', messageId },
    { encryptTo: [await readPublic(listKey.armored)], signer: from.key },
  );
  return submit(env.smtpPort, from.email, LIST, raw);
}

const queuedId = (reply: string): string => /queued as (\S+)/.exec(reply)?.[1] ?? '';

describe('remailer log: one entry per message, accepted and refused, with per-recipient outcomes', function () {
  let env: TestEnv;
  let alice: TestMember;
  let bob: TestMember;
  let carol: TestMember;
  let acceptedId: string;

  before(async () => {
    env = await TestEnv.start();
    [alice, bob, carol] = (await env.listWithMembers(3)).members as [TestMember, TestMember, TestMember];
    const ok = await post(env, alice, 'TLP:AMBER phishing wave', '<orig-1@client.test>');
    expect(ok.code, ok.response).to.equal(250);
    acceptedId = queuedId(ok.response);
    const refused = await post(env, alice, 'TLP:RED incident', '<red-1@client.test>');
    expect(refused.code, refused.response).to.equal(550);
    await until(
      'both copies logged as sent',
      () => env.client.call('log.show', { list: LIST }),
      (v) => v.messages[0]?.recipients.filter((r) => r.state === 'sent').length === 2,
    );
  });
  after(async () => env?.stop());

  it('log --json: the accepted message with its metadata and both recipients sent; the refused one with its reason', async () => {
    const v = await cliJson<LogView>(env, ['log', LIST]);
    expect(v.list).to.equal(LIST);
    expect(v.messages).to.have.length(2);
    const [acc, ref] = v.messages as [LogMessage, LogMessage];
    expect(acc).to.deep.include({
      queueId: acceptedId,
      kind: 'post',
      originalMessageId: '<orig-1@client.test>',
      envelopeFrom: alice.email,
      from: alice.email,
      tlp: 'TLP:AMBER',
      decision: 'accepted',
      reason: null,
      reply: `250 2.0.0 Ok: queued as ${acceptedId}`,
      recipientCount: 2,
      partial: false,
    });
    expect(acc.signer?.toUpperCase()).to.equal(alice.fingerprint);
    expect(acc.size).to.be.greaterThan(500);
    expect(acc.recipients.map((r) => [r.recipient, r.state, r.attempts, r.reason]).sort()).to.deep.equal([
      [bob.email, 'sent', 1, null],
      [carol.email, 'sent', 1, null],
    ]);
    for (const r of acc.recipients) expect(r.lastReply).to.match(/^250 /);
    expect(ref).to.deep.include({
      queueId: null,
      originalMessageId: '<red-1@client.test>',
      envelopeFrom: alice.email,
      decision: 'refused',
      reason: 'tlp-above-max',
      reply: "550 5.7.1 TLP:RED is above this list's maximum TLP:AMBER+STRICT",
      recipients: [],
    });
    expect(ref.seq).to.be.greaterThan(acc.seq);
  });

  it('never any content: not the subject, not the body', async () => {
    const r = await cli(env, ['log', LIST, '--json']);
    const h = await cli(env, ['log', LIST]);
    for (const out of [r.stdout, h.stdout]) {
      expect(out).to.not.include('phishing');
      expect(out).to.not.include('incident');
      expect(out).to.not.include('203.0.113.7');
    }
  });

  it('human output: one block per message, recipients indented', async () => {
    const r = await cli(env, ['log', LIST]);
    expect(r.code, r.stderr).to.equal(0);
    const blocks = r.stdout.trimEnd().split('\n\n');
    expect(blocks).to.have.length(2);
    expect(blocks[0]).to.match(new RegExp(`^\\S+Z  ACCEPTED  ${acceptedId}  post\n`));
    expect(blocks[0]).to.match(/^ {2}tlp: +TLP:AMBER$/m);
    expect(blocks[0]).to.match(/^ {2}recipients: +2 \(2 sent\)$/m);
    expect(blocks[0]).to.match(new RegExp(`^ {4}${bob.email.replace(/\./g, '\\.')} +sent +1 attempt +250 `, 'm'));
    expect(blocks[1]).to.match(/^\S+Z  REFUSED  \(not queued\)  post\n/);
    expect(blocks[1]).to.match(/^ {2}reason: +tlp-above-max$/m);
  });

  it('--message takes our queue id or the original Message-ID (with or without brackets)', async () => {
    const byQueue = await cliJson<LogView>(env, ['log', LIST, '--message', acceptedId]);
    expect(byQueue.messages.map((m) => m.queueId)).to.deep.equal([acceptedId]);
    const byOrig = await cliJson<LogView>(env, ['log', LIST, '--message', '<red-1@client.test>']);
    expect(byOrig.messages.map((m) => m.decision)).to.deep.equal(['refused']);
    const bare = await cliJson<LogView>(env, ['log', LIST, '--message', 'orig-1@client.test']);
    expect(bare.messages.map((m) => m.queueId)).to.deep.equal([acceptedId]);
    const none = await cli(env, ['log', LIST, '--message', 'nope@x']);
    expect(none.code).to.equal(0);
    expect(none.stdout.trim()).to.equal(`no log entries for ${LIST} match`);
  });

  it('--since and --days filter by time', async () => {
    const all = await cliJson<LogView>(env, ['log', LIST]);
    const refusedAt = all.messages[1]?.time ?? '';
    expect((await cliJson<LogView>(env, ['log', LIST, '--since', refusedAt])).messages.map((m) => m.decision)).to.deep.equal(['refused']);
    expect((await cliJson<LogView>(env, ['log', LIST, '--since', '2000-01-01'])).messages).to.have.length(2);
    expect((await cliJson<LogView>(env, ['log', LIST, '--since', new Date(Date.now() + 60_000).toISOString()])).messages).to.have.length(0);
    expect((await cliJson<LogView>(env, ['log', LIST, '--days', '1'])).messages).to.have.length(2);
    expect((await cliJson<LogView>(env, ['log', LIST, '--days', '0'])).messages).to.have.length(0);
    const both = await cli(env, ['log', LIST, '--since', '2000-01-01', '--days', '1']);
    expect(both.code).to.equal(2);
    const bad = await cli(env, ['log', LIST, '--since', 'last tuesday']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/^remailer: --since last tuesday is not a date/);
  });

  it('an unknown list is refused (exit 1), for log, verify and prune', async () => {
    for (const args of [['log', 'nope@lists.test'], ['log', 'verify', 'nope@lists.test'], ['log', 'prune', 'nope@lists.test']]) {
      const r = await cli(env, args);
      expect(r.code, args.join(' ')).to.equal(1);
      expect(r.stderr).to.equal('remailer: no list nope@lists.test (see "remailer list ls")\n');
    }
  });

  it('log verify and log prune through the running daemon', async () => {
    const v = await cli(env, ['log', 'verify', LIST]);
    expect(v.code, v.stderr).to.equal(0);
    expect(v.stdout).to.match(/^ok: 4 entries, head 4:[0-9a-f]{64}\n$/);
    const p = await cli(env, ['log', 'prune', LIST]);
    expect(p.code, p.stderr).to.equal(0);
    expect(p.stdout).to.match(/^ {2}log entries: +0$/m);
    // Nothing was old enough, so nothing changed.
    expect((await cli(env, ['log', 'verify', LIST])).stdout).to.equal(v.stdout);
  });
});

describe('remailer queue: ls, retry and drop against the running daemon', function () {
  let env: TestEnv;
  let alice: TestMember;
  let bob: TestMember;
  let carol: TestMember;
  const failing = new Set<string>();
  const toCarol = (): number => env.sink.messages.filter((m) => m.rcptTo.includes(carol.email)).length;

  before(async () => {
    // An hour between retries: anything sent sooner was sent because an operator said so.
    env = await TestEnv.start({ retry: '[1h]' });
    [alice, bob, carol] = (await env.listWithMembers(3)).members as [TestMember, TestMember, TestMember];
    env.sink.policy = (rcpt) => (failing.has(rcpt) ? { code: 451, message: '4.3.0 Mailbox busy, try later' } : null);
  });
  after(async () => env?.stop());

  async function deferredFor(id: string): Promise<QueueView> {
    return until(
      `a deferred delivery of ${id}`,
      () => env.client.call('queue.ls', {}),
      (q) => q.deliveries.some((d) => d.queueId === id && d.state === 'deferred'),
    );
  }

  it('a recipient answering 4xx shows as deferred in queue ls; queue retry sends it at once when the smarthost accepts', async () => {
    failing.add(carol.email);
    const r = await post(env, alice, 'TLP:GREEN one', '<q-1@client.test>');
    expect(r.code, r.response).to.equal(250);
    const id = queuedId(r.response);
    await deferredFor(id);

    const q = await cliJson<QueueView>(env, ['queue', 'ls']);
    expect(q.summary).to.deep.equal({ deliveries: 1, messages: 1, queued: 0, sending: 0, deferred: 1 });
    const d = q.deliveries[0];
    expect(d).to.deep.include({ queueId: id, list: LIST, recipient: carol.email, state: 'deferred', attempts: 1 });
    expect(d?.lastReply).to.match(/^451 .*try later/);
    expect(Date.parse(d?.nextAttemptAt ?? '') - Date.now()).to.be.greaterThan(30 * 60_000);

    const text = await cli(env, ['queue', 'ls']);
    expect(text.code).to.equal(0);
    expect(text.stdout).to.match(new RegExp(`^${id} +${LIST.replace(/\./g, '\\.')} +${carol.email.replace(/\./g, '\\.')} +deferred +1 +\\S+Z +451 `, 'm'));
    expect(text.stdout).to.include('1 pending delivery in 1 message: 0 queued, 0 sending, 1 deferred');

    failing.delete(carol.email);
    expect(toCarol()).to.equal(0);
    const retry = await cli(env, ['queue', 'retry', id]);
    expect(retry.code, retry.stderr).to.equal(0);
    expect(retry.stdout).to.equal('retrying 1 delivery of 1 message (1 deferred made due now): the daemon is sending them now\n');
    await until('carol got her copy', async () => toCarol(), (n) => n === 1, 10_000);
    const log = await until(
      'the log shows carol sent',
      () => env.client.call('log.show', { list: LIST, message: id }),
      (v) => v.messages[0]?.recipients.find((x) => x.recipient === carol.email)?.state === 'sent',
    );
    expect(log.messages[0]?.recipients.find((x) => x.recipient === carol.email)).to.deep.include({ state: 'sent', attempts: 2 });
    expect((await env.client.call('queue.ls', {})).summary.deliveries).to.equal(0);
    // Nothing pending any more: retrying that id again is refused; --all has nothing to do.
    const again = await cli(env, ['queue', 'retry', id]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/has nothing pending/);
    const all = await cli(env, ['queue', 'retry', '--all']);
    expect(all.code).to.equal(0);
    expect(all.stdout).to.equal('nothing to retry: the queue is empty\n');
  });

  it('queue drop stops a deferred delivery for good, and the log says so', async () => {
    failing.add(carol.email);
    const before = env.sink.messages.length;
    const r = await post(env, alice, 'TLP:GREEN two', '<q-2@client.test>');
    const id = queuedId(r.response);
    await deferredFor(id);
    expect(env.sink.messages.length).to.equal(before + 1); // bob's copy
    expect(await env.daemon.store.messages.body(id)).to.not.equal(undefined);

    const drop = await cli(env, ['queue', 'drop', id]);
    expect(drop.code, drop.stderr).to.equal(0);
    expect(drop.stdout).to.equal(`dropped 1 delivery of ${id} (${LIST}), marked failed: dropped by operator\n  ${carol.email}\n`);
    expect((await cliJson<QueueView>(env, ['queue', 'ls'])).deliveries).to.deep.equal([]);
    expect(await env.daemon.store.messages.body(id), 'the body is dropped').to.equal(undefined);
    expect(await env.daemon.store.deliveries.get({ messageId: id, recipient: carol.email })).to.deep.include({
      state: 'failed',
      reason: 'dropped by operator',
    });

    // The worker still had it scheduled (in an hour). Make it look now: it re-reads the record and sends nothing.
    failing.delete(carol.email);
    env.daemon.worker.retryNow([{ messageId: id, recipient: carol.email }]);
    await new Promise((res) => setTimeout(res, 1000));
    expect(toCarol(), 'carol got only the copy of the first message').to.equal(1);
    expect(env.sink.messages.length).to.equal(before + 1);

    const log = await cliJson<LogView>(env, ['log', LIST, '--message', id]);
    const rc = log.messages[0]?.recipients.find((x) => x.recipient === carol.email);
    expect(rc).to.deep.include({ state: 'failed', attempts: 1, reason: 'dropped by operator' });
    expect(rc?.lastReply).to.match(/^451 /);
    expect(log.messages[0]?.recipients.find((x) => x.recipient === bob.email)?.state).to.equal('sent');
    const human = await cli(env, ['log', LIST, '--message', id]);
    expect(human.stdout).to.match(/^ {4}\S+ +failed +1 attempt +dropped by operator; last reply: 451 /m);
    // The log still verifies after operator actions.
    expect((await cli(env, ['log', 'verify', LIST])).code).to.equal(0);

    const twice = await cli(env, ['queue', 'drop', id]);
    expect(twice.code).to.equal(1);
    expect(twice.stderr).to.match(/has nothing pending/);
  });

  it('queue drop with a copy in flight: that copy is recorded as sent, and the body goes once it is done', async () => {
    // Carol's server answers 451 at once; bob's takes 1.5 s to store his copy: the drop lands then.
    failing.add(carol.email);
    env.sink.delayFor = (rcpt) => (rcpt === bob.email ? 1500 : 0);
    try {
      const before = env.sink.messages.length;
      const r = await post(env, alice, 'TLP:GREEN three', '<q-3@client.test>');
      expect(r.code, r.response).to.equal(250);
      const id = queuedId(r.response);
      const q = await until(
        "carol deferred while bob's copy is with the smarthost",
        () => env.client.call('queue.ls', {}),
        (v) => v.deliveries.some((d) => d.queueId === id && d.recipient === carol.email && d.state === 'deferred'),
      );
      expect(q.deliveries.find((d) => d.queueId === id && d.recipient === bob.email)?.state).to.equal('sending');
      const drop = await env.client.call('queue.drop', { id });
      expect(drop).to.deep.include({ dropped: [carol.email], inFlight: [bob.email] });
      await until('bob got his copy', async () => env.sink.messages.length, (n) => n === before + 1, 10_000);
      const bobs = await until('bob recorded', () => env.daemon.store.deliveries.get({ messageId: id, recipient: bob.email }), (d) => d?.state !== 'sending');
      expect(bobs?.state).to.equal('sent');
      const body = async (): Promise<string> => ((await env.daemon.store.messages.body(id)) === undefined ? 'dropped' : 'kept');
      expect(await until('the body is dropped', body, (b) => b === 'dropped', 5_000)).to.equal('dropped');
    } finally {
      env.sink.delayFor = () => env.sink.delayMs;
      failing.delete(carol.email);
    }
  });

  it('unknown ids are refused with exit 1; usage mistakes exit 2', async () => {
    for (const args of [
      ['queue', 'drop', '20260101T000000000Z-nothinghere'],
      ['queue', 'retry', '20260101T000000000Z-nothinghere'],
      ['queue', 'drop', 'not an id'],
    ]) {
      const r = await cli(env, args);
      expect(r.code, args.join(' ')).to.equal(1);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
    }
    expect((await cli(env, ['queue', 'retry'])).code).to.equal(2);
    expect((await cli(env, ['queue', 'retry', 'x', '--all'])).code).to.equal(2);
    expect((await cli(env, ['queue', 'drop'])).code).to.equal(2);
  });
});
