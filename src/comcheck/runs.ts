import type { AuditLog } from '../audit/log.js';
import type { Clock } from '../clock.js';
import { withDefaults } from '../policy/options.js';
import { newQueueId } from '../queue/ids.js';
import type { ComcheckRunRecord, PingRecord, RunTrigger } from '../store/comcheck-records.js';
import type { ListRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

export interface RunDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
}

/**
 * Start a com-check run: the run and one open ping per active member, in one synced write. No
 * mail yet: the outbox sends the pings (at once in the daemon, or when the daemon next starts),
 * and the window starts when they are queued. Returns null when the list has no active member.
 */
export async function createRun(d: RunDeps, list: ListRecord, trigger: RunTrigger): Promise<{ run: ComcheckRunRecord; pings: PingRecord[] } | null> {
  const members = (await d.store.members.ofList(list.address)).filter((m) => m.status === 'active');
  if (members.length === 0) return null;
  const options = withDefaults(list.options);
  const now = d.clock.now();
  const run: ComcheckRunRecord = {
    v: 1,
    list: list.address,
    id: newQueueId(now),
    createdAt: now.toISOString(),
    trigger,
    windowHours: options['comcheck-window-hours'],
    requireSigned: options['comcheck-require-signed'],
    sentAt: null,
    closesAt: null,
    closedAt: null,
    pinged: members.length,
  };
  const pings: PingRecord[] = members.map((m) => ({
    v: 1,
    list: list.address,
    runId: run.id,
    email: m.email,
    fingerprint: m.fingerprint,
    tokenHash: null,
    queuedAs: null,
    sentAt: null,
    state: 'open',
    repliedAt: null,
    verified: false,
    signer: null,
  }));
  await d.audit.prepare(list.address);
  await d.store.commit((tx, undo) => {
    d.store.comchecks.putRun(tx, run);
    for (const p of pings) d.store.comchecks.putPing(tx, p);
    d.audit.append(tx, undo, list.address, 'comcheck', { action: 'run-started', runId: run.id, result: trigger, count: pings.length }, now);
  });
  return { run, pings };
}

/** A run whose window has not closed yet (or whose pings were not even sent). */
export function runIsOpen(run: ComcheckRunRecord, now: Date): boolean {
  if (run.closedAt !== null) return false;
  return run.closesAt === null || Date.parse(run.closesAt) >= now.getTime();
}

/**
 * When the window closes, open pings become missed: one synced write per run. Safe to call at
 * any time and as often as wanted (the daemon calls it every minute and at start-up).
 */
export async function closeDueRuns(d: RunDeps, now: Date = d.clock.now()): Promise<number> {
  let closed = 0;
  for (const list of await d.store.lists.all()) {
    for (const run of await d.store.comchecks.runsOf(list.address)) {
      if (run.closedAt !== null || run.closesAt === null || Date.parse(run.closesAt) >= now.getTime()) continue;
      const pings = await d.store.comchecks.pingsOf(list.address, run.id);
      const missed = pings.filter((p) => p.state === 'open').map((p): PingRecord => ({ ...p, state: 'missed' }));
      await d.audit.prepare(list.address);
      await d.store.commit((tx, undo) => {
        for (const p of missed) d.store.comchecks.putPing(tx, p);
        d.store.comchecks.putRun(tx, { ...run, closedAt: now.toISOString() });
        d.audit.append(tx, undo, list.address, 'comcheck', { action: 'window-closed', runId: run.id, count: missed.length }, now);
      });
      closed++;
    }
  }
  return closed;
}
