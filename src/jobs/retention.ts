/**
 * Log retention: the daily job that forgets what a list keeps no longer than `log-retention-days`.
 * Per list it prunes
 *   - the oldest chain entries, with the two-step checkpoint protocol of audit/chain.ts, so
 *     `remailer log verify` still passes afterwards;
 *   - replay digests (a signature older than the retention may be accepted again);
 *   - message and delivery records whose deliveries are all final and older than the retention
 *     (the ciphertext body is already gone once all deliveries are final).
 * Nothing newer, and nothing still pending, is touched. The job function takes its clock, so
 * tests run it directly at any date; the daemon schedules it with node-cron.
 */
import { schedule } from 'node-cron';
import type { AuditLog } from '../audit/log.js';
import { makeCheckpoint, verifyChain, type ChainEntry } from '../audit/chain.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { withDefaults } from '../policy/options.js';
import { FINAL_STATES } from '../store/records.js';
import type { Store } from '../store/store.js';

export interface RetentionDeps {
  store: Store;
  /** The daemon's AuditLog when it runs (one head per list in one process), else a fresh one. */
  audit: AuditLog;
  clock: Clock;
  log?: Logger;
}

export interface PruneResult {
  list: string;
  retentionDays: number;
  /** Everything older than this was considered. */
  cutoff: string;
  /** Chain entries removed in this run. */
  entries: number;
  /** The checkpoint now stored (null when nothing was pruned). */
  checkpointSeq: number | null;
  /** Seq of the chained record that vouches for it. */
  recordSeq: number | null;
  replayDigests: number;
  messages: number;
  deliveries: number;
  /**
   * Set when the chain did not verify: then no entry is pruned, since pruning past a damaged
   * entry would replace the evidence with a checkpoint that verifies.
   */
  chainProblem: string | null;
}

/** 03:17 every day: off the hour, when lists are quiet. */
export const RETENTION_SCHEDULE = '17 3 * * *';

const DAY_MS = 86_400_000;

/** Runs per list one at a time: two overlapping runs could store an older checkpoint last. */
const locks = new WeakMap<Store, Map<string, Promise<unknown>>>();

async function exclusive<T>(store: Store, list: string, fn: () => Promise<T>): Promise<T> {
  let perStore = locks.get(store);
  if (!perStore) {
    perStore = new Map();
    locks.set(store, perStore);
  }
  const before = perStore.get(list) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const tail = run.catch(() => undefined);
  perStore.set(list, tail);
  try {
    return await run;
  } finally {
    if (perStore.get(list) === tail) perStore.delete(list);
  }
}

/** Prune one list now, with its own `log-retention-days`. */
export async function pruneList(deps: RetentionDeps, list: string): Promise<PruneResult> {
  return exclusive(deps.store, list, async () => {
    const rec = await deps.store.lists.get(list);
    if (!rec) throw new Error(`no list ${list}`);
    const days = withDefaults(rec.options)['log-retention-days'];
    const now = deps.clock.now();
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    const result: PruneResult = {
      list,
      retentionDays: days,
      cutoff: cutoff.toISOString(),
      entries: 0,
      checkpointSeq: null,
      recordSeq: null,
      replayDigests: 0,
      messages: 0,
      deliveries: 0,
      chainProblem: null,
    };
    await pruneChain(deps, list, cutoff, now, result);
    const tx = deps.store.tx();
    result.replayDigests = await deps.store.replay.prune(tx, list, cutoff);
    await tx.commit();
    await pruneRecords(deps.store, list, cutoff, result);
    deps.log?.info('LOG_PRUNED', {
      list,
      days,
      entries: result.entries,
      checkpoint: result.checkpointSeq,
      replay: result.replayDigests,
      messages: result.messages,
      deliveries: result.deliveries,
    });
    return result;
  });
}

async function pruneChain(deps: RetentionDeps, list: string, cutoff: Date, now: Date, result: PruneResult): Promise<void> {
  const { store, audit } = deps;
  const checkpoint = (await store.audit.checkpoint(list)) ?? null;
  const entries = await store.audit.all(list);
  const verified = verifyChain(entries, { checkpoint });
  if (!verified.ok) {
    result.chainProblem = verified.detail;
    deps.log?.error('LOG_VERIFY_FAILED', { list, seq: verified.firstBadSeq, problem: verified.problem });
    return;
  }
  // The prefix older than the cutoff; times only grow along the chain, so stop at the first newer.
  let last: ChainEntry | null = null;
  const prunable: number[] = [];
  for (const e of entries) {
    if (!(Date.parse(e.at) < cutoff.getTime())) break;
    last = e;
    prunable.push(e.seq);
  }
  if (last === null) return;
  const cp = makeCheckpoint(last, now);
  // Step 1: the chained record, synced on its own before anything is deleted.
  await audit.prepare(list);
  let recordSeq = 0;
  await store.commit((tx, undo) => {
    recordSeq = audit.appendCheckpoint(tx, undo, list, cp, now).seq;
  });
  // Step 2: the pruned entries go and the checkpoint replaces them, in one batch.
  await store.commit((tx) => {
    for (const seq of prunable) store.audit.del(tx, list, seq);
    store.audit.putCheckpoint(tx, list, cp);
  });
  result.entries = prunable.length;
  result.checkpointSeq = cp.seq;
  result.recordSeq = recordSeq;
}

async function pruneRecords(store: Store, list: string, cutoff: Date, result: PruneResult): Promise<void> {
  const limit = cutoff.getTime();
  const old = (await store.messages.all()).filter((m) => m.list === list && Date.parse(m.createdAt) < limit);
  for (const m of old) {
    const ds = await store.deliveries.ofMessage(m.id);
    const done = ds.every((d) => FINAL_STATES.includes(d.state) && Date.parse(d.updatedAt) < limit);
    if (!done) continue;
    await store.commit((tx) => {
      for (const d of ds) store.deliveries.del(tx, d);
      store.messages.del(tx, m.id);
    });
    result.messages += 1;
    result.deliveries += ds.length;
  }
}

/** Every list, one after another; a failure on one list is logged and the others still run. */
export async function runRetention(deps: RetentionDeps): Promise<PruneResult[]> {
  const out: PruneResult[] = [];
  for (const l of await deps.store.lists.all()) {
    try {
      out.push(await pruneList(deps, l.address));
    } catch (err) {
      deps.log?.error('LOG_PRUNE_FAILED', { list: l.address, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

export interface ScheduledJob {
  /** Stop the schedule and wait for a run in progress (the store must outlive it). */
  stop(): Promise<void>;
}

/** The daemon's daily run. */
export function scheduleRetention(deps: RetentionDeps, expression = RETENTION_SCHEDULE): ScheduledJob {
  let running: Promise<unknown> | null = null;
  const task = schedule(
    expression,
    async () => {
      if (running) return;
      running = runRetention(deps).finally(() => {
        running = null;
      });
      await running;
    },
    { name: 'log-retention', noOverlap: true },
  );
  return {
    async stop() {
      await task.destroy();
      if (running) await running.catch(() => undefined);
    },
  };
}
