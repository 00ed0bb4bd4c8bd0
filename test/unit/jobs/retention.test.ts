import path from 'node:path';
import { expect } from 'chai';
import { createAdmin, directClient } from '../../../src/admin/admin.js';
import type { AdminClient } from '../../../src/admin/api.js';
import { NO_EVENTS } from '../../../src/admin/context.js';
import { CHECKPOINT_TYPE, headDigest, verifyChain } from '../../../src/audit/chain.js';
import { AuditLog } from '../../../src/audit/log.js';
import { ManualClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { pruneList, runRetention, scheduleRetention } from '../../../src/jobs/retention.js';
import { Queue, type NewMessage } from '../../../src/queue/queue.js';
import type { DeliveryRecord, StoredHeaders } from '../../../src/store/records.js';
import { Store } from '../../../src/store/store.js';
import { rmrf, tmpDir } from '../../helpers/tmp.js';

/**
 * Log retention on a real store with a fake clock: a list with 30 days of retention, entries written
 * over "months" in milliseconds, then the job run at chosen dates.
 */

const LIST = 'csirt@lists.test';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const day = (n: number): Date => new Date(T0 + n * DAY);

const headers: StoredHeaders = {
  from: { address: LIST },
  replyTo: [],
  subject: '[csirt] TLP:AMBER ...',
  date: new Date(T0).toUTCString(),
  messageId: '<x@lists.test>',
  inReplyTo: [],
  references: [],
  list: { name: 'CSIRT', address: LIST },
  listPost: [],
  listHelp: [],
  listOwner: [],
  xLoop: LIST,
  autoSubmitted: null,
};

describe('jobs/retention: pruning with the checkpoint protocol', function () {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let audit: AuditLog;
  let queue: Queue;
  let admin: AdminClient;

  beforeEach(async () => {
    dir = tmpDir('rmr-');
    store = await Store.open(path.join(dir, 'data'));
    clock = new ManualClock(day(0));
    audit = new AuditLog(store);
    queue = new Queue(store, audit, clock);
    await store.lists
      .put(store.tx(), {
        v: 1,
        address: LIST,
        owners: [],
        fingerprint: 'F'.repeat(40),
        publicKey: '',
        createdAt: day(0).toISOString(),
        options: { 'log-retention-days': 30 },
      })
      .commit();
    const config = parseConfig({ dataDir: 'data', keysDir: 'keys' }, null, dir);
    admin = directClient(
      createAdmin({ config, store, clock, passphrase: async () => 'x', events: NO_EVENTS, startedAt: clock.now(), audit }),
    );
  });
  afterEach(async () => {
    await store.close();
    rmrf(dir);
  });

  async function accept(at: Date, recipients: string[], digest: string): Promise<string> {
    clock.set(at);
    const m: NewMessage = {
      list: LIST,
      kind: 'post',
      originalMessageId: `<${digest}@client.test>`,
      envelopeFrom: 'alice@a.test',
      from: 'alice@a.test',
      signerFingerprint: 'A'.repeat(40),
      tlp: 'TLP:AMBER',
      size: 100,
      reply: (id) => `250 2.0.0 Ok: queued as ${id}`,
      headers,
      body: new Uint8Array([1, 2, 3]),
      listPkesk: new Uint8Array([4]),
      recipients: recipients.map((email) => ({ email, fingerprint: 'B'.repeat(40) })),
      replayDigest: digest,
    };
    return (await queue.accept(m)).message.id;
  }

  /** What the worker writes for an outcome: the record and its log entry, one synced batch. */
  async function outcome(at: Date, id: string, recipient: string, state: DeliveryRecord['state']): Promise<void> {
    clock.set(at);
    const rec = await store.deliveries.get({ messageId: id, recipient });
    if (!rec) throw new Error('no delivery');
    const updated: DeliveryRecord = { ...rec, state, attempts: rec.attempts + 1, updatedAt: at.toISOString(), nextAttemptAt: state === 'deferred' ? day(400).toISOString() : null };
    await audit.prepare(LIST);
    await store.commit((tx, undo) => {
      store.deliveries.put(tx, updated);
      audit.append(tx, undo, LIST, 'delivery', { messageId: id, recipient, state, attempts: updated.attempts, reply: state === 'sent' ? '250 ok' : '451 later', reason: null }, at);
    });
  }

  async function verify(): Promise<ReturnType<typeof verifyChain>> {
    return verifyChain(await store.audit.all(LIST), { checkpoint: (await store.audit.checkpoint(LIST)) ?? null });
  }

  /** Entries 1..6 in the first days, 7..8 at day 40. */
  async function history(): Promise<{ m1: string; m2: string; m3: string }> {
    const m1 = await accept(day(0), ['bob@b.test', 'carol@c.test'], 'd1'); // seq 1
    await outcome(day(1), m1, 'bob@b.test', 'sent'); // 2
    await outcome(day(1), m1, 'carol@c.test', 'sent'); // 3
    const m2 = await accept(day(2), ['bob@b.test'], 'd2'); // 4
    await outcome(day(2), m2, 'bob@b.test', 'deferred'); // 5 (still pending, as if the smarthost were down for a year)
    clock.set(day(3));
    await audit.record(
      LIST,
      'message',
      { messageId: null, kind: 'post', originalMessageId: '<r@x>', envelopeFrom: 'eve@e.test', from: 'eve@e.test', signer: null, tlp: null, size: 9, decision: 'refused', reason: 'not-member', reply: '550 5.7.2 no', recipients: 0 },
      day(3),
    ); // 6
    const m3 = await accept(day(40), ['bob@b.test'], 'd3'); // 7
    await outcome(day(41), m3, 'bob@b.test', 'sent'); // 8
    return { m1, m2, m3 };
  }

  it('prunes entries, replay digests and finished records older than the retention; verify still passes', async () => {
    const { m1, m2, m3 } = await history();
    const pinHead = headDigest((await store.audit.last(LIST)) ?? null);
    const pinOld = headDigest((await store.audit.all(LIST))[2] ?? null);
    clock.set(day(45)); // cutoff: day 15
    const r = await pruneList({ store, audit, clock }, LIST);
    expect(r).to.deep.include({ retentionDays: 30, cutoff: day(15).toISOString(), entries: 6, checkpointSeq: 6, recordSeq: 9, replayDigests: 2, messages: 1, deliveries: 2, chainProblem: null });

    expect((await store.audit.all(LIST)).map((e) => [e.seq, e.type])).to.deep.equal([
      [7, 'message'],
      [8, 'delivery'],
      [9, CHECKPOINT_TYPE],
    ]);
    const cp = await store.audit.checkpoint(LIST);
    expect(cp).to.include({ seq: 6, prunedCount: 6, lastPrunedAt: day(3).toISOString(), at: day(45).toISOString() });
    const v = await verify();
    expect(v.ok, JSON.stringify(v)).to.equal(true);

    // Replay memory: the old digests are gone (d2 too: its message is still queued, but the
    // signature is older than the retention), the new one stays.
    expect(await store.replay.get(LIST, 'd1')).to.equal(undefined);
    expect(await store.replay.get(LIST, 'd2')).to.equal(undefined);
    expect(await store.replay.get(LIST, 'd3')).to.not.equal(undefined);
    // Records: m1 (all final and old) is gone; m2 (still pending) and m3 (new) stay.
    expect(await store.messages.get(m1)).to.equal(undefined);
    expect(await store.deliveries.ofMessage(m1)).to.deep.equal([]);
    expect(await store.messages.get(m2)).to.not.equal(undefined);
    expect((await store.deliveries.ofMessage(m2)).map((d) => d.state)).to.deep.equal(['deferred']);
    expect(await store.deliveries.pendingKeys()).to.deep.equal([{ messageId: m2, recipient: 'bob@b.test' }]);
    expect(await store.messages.get(m3)).to.not.equal(undefined);

    // Through the admin operations: the log shows what remains, verify passes; the head noted
    // before pruning still matches, a pin older than the checkpoint cannot be compared.
    const shown = await admin.call('log.show', { list: LIST });
    expect(shown.messages.map((m) => [m.queueId, m.recipients.map((x) => x.state)])).to.deep.equal([[m3, ['sent']]]);
    const ver = await admin.call('log.verify', { list: LIST, pin: pinHead });
    expect(ver).to.deep.include({ ok: true, entries: 3, pinned: 'matched' });
    expect(await admin.call('log.verify', { list: LIST, pin: pinOld })).to.deep.include({ ok: true, pinned: 'pruned' });
    expect(ver.checkpoint).to.deep.equal({ seq: 6, lastPrunedAt: day(3).toISOString(), at: day(45).toISOString() });

    // New entries still chain on after the checkpoint record.
    await outcome(day(46), m2, 'bob@b.test', 'sent');
    expect((await verify()).ok).to.equal(true);
  });

  it('a second run the same day prunes nothing; a later run prunes the old checkpoint record too', async () => {
    await history();
    clock.set(day(45));
    await pruneList({ store, audit, clock }, LIST);
    const again = await pruneList({ store, audit, clock }, LIST);
    expect(again).to.deep.include({ entries: 0, checkpointSeq: null, replayDigests: 0, messages: 0 });
    expect((await store.audit.all(LIST)).map((e) => e.seq)).to.deep.equal([7, 8, 9]);

    clock.set(day(100)); // cutoff: day 70; entries 7..9 are older
    const later = await pruneList({ store, audit, clock }, LIST);
    expect(later).to.deep.include({ entries: 3, checkpointSeq: 9, recordSeq: 10 });
    expect((await store.audit.all(LIST)).map((e) => [e.seq, e.type])).to.deep.equal([[10, CHECKPOINT_TYPE]]);
    expect((await verify()).ok).to.equal(true);
    const ver = await admin.call('log.verify', { list: LIST });
    expect(ver).to.deep.include({ ok: true, entries: 1 });
    expect(ver.head).to.match(/^10:[0-9a-f]{64}$/);
  });

  it('a log that does not verify is not pruned (that would launder the damage); the rest still is', async () => {
    await history();
    const e2 = (await store.audit.all(LIST))[1];
    if (!e2) throw new Error('no entry 2');
    await store.audit.put(store.tx(), LIST, { ...e2, payload: { ...(e2.payload as object), state: 'failed' } }).commit();
    clock.set(day(45));
    const r = await pruneList({ store, audit, clock }, LIST);
    expect(r.chainProblem).to.match(/entry 2/);
    expect(r.entries).to.equal(0);
    expect(r.replayDigests).to.equal(2);
    expect((await store.audit.all(LIST)).map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await store.audit.checkpoint(LIST)).to.equal(undefined);
    const ver = await admin.call('log.verify', { list: LIST });
    expect(ver).to.deep.include({ ok: false, firstBadSeq: 2, problem: 'altered' });
  });

  it('a crash between the two steps leaves a log that verifies, and the next run completes', async () => {
    await history();
    clock.set(day(45));
    // Step 1 only, as a crash right after it would leave the store.
    const { makeCheckpoint } = await import('../../../src/audit/chain.js');
    const six = (await store.audit.all(LIST))[5];
    if (!six) throw new Error('no entry 6');
    await audit.prepare(LIST);
    await store.commit((tx, undo) => {
      audit.appendCheckpoint(tx, undo, LIST, makeCheckpoint(six, day(45)), day(45));
    });
    expect((await verify()).ok).to.equal(true);
    const r = await pruneList({ store, audit, clock }, LIST);
    expect(r).to.deep.include({ entries: 6, checkpointSeq: 6, recordSeq: 10 });
    expect((await verify()).ok).to.equal(true);
  });

  it('runRetention covers every list; concurrent runs on one list do not corrupt it', async () => {
    await history();
    clock.set(day(45));
    const results = await Promise.all([runRetention({ store, audit, clock }), pruneList({ store, audit, clock }, LIST), admin.call('log.prune', { list: LIST })]);
    const pruned = [results[0][0]?.entries, results[1].entries, results[2].entries];
    expect(pruned.sort()).to.deep.equal([0, 0, 6]);
    expect((await verify()).ok).to.equal(true);
  });

  it('the scheduled job runs on its cron expression and stops cleanly', async () => {
    await history();
    clock.set(day(45));
    const job = scheduleRetention({ store, audit, clock }, '* * * * * *');
    const deadline = Date.now() + 5000;
    while ((await store.audit.checkpoint(LIST)) === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await job.stop();
    expect(await store.audit.checkpoint(LIST)).to.include({ seq: 6 });
    expect((await verify()).ok).to.equal(true);
  });
});
