import type { AuditLog } from '../audit/log.js';
import { directoryEntry } from '../comcheck/directory.js';
import { createRun } from '../comcheck/runs.js';
import { memberStats, recentOutcomes, reviewMember, summarizeRun, type RunWithPings } from '../comcheck/stats.js';
import { RefusedError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { AdminApi } from './api.js';
import type { ComcheckReport, ReviewFinding } from './comcheck-api.js';
import type { AdminContext } from './context.js';
import { memberAddress } from './input.js';
import { requireList } from './lists.js';
import { memberView } from './views.js';

type ComcheckOps = Pick<AdminApi, 'member.confirm' | 'comcheck.run' | 'comcheck.report' | 'directory.export' | 'directory.review'>;

export const DEFAULT_REPORT_RUNS = 10;
const MAX_REPORT_RUNS = 1000;

function runsArg(n: unknown): number {
  if (n === undefined || n === null) return DEFAULT_REPORT_RUNS;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > MAX_REPORT_RUNS) {
    throw new RefusedError(`--runs must be an integer from 1 to ${MAX_REPORT_RUNS}`);
  }
  return n;
}

/** The latest `n` runs of a list with their pings, oldest first. */
export async function latestRuns(store: Store, list: string, n: number): Promise<RunWithPings[]> {
  const runs = (await store.comchecks.runsOf(list)).slice(-n);
  return Promise.all(runs.map(async (run) => ({ run, pings: await store.comchecks.pingsOf(list, run.id) })));
}

export function comcheckOps(ctx: AdminContext, audit: AuditLog): ComcheckOps {
  return {
    async 'member.confirm'({ list, email }) {
      const l = await requireList(ctx, list);
      const address = memberAddress(email);
      const m = await ctx.store.members.get(l.address, address);
      if (!m) throw new RefusedError(`${address} is not a member of ${l.address}`);
      if (m.status === 'active') throw new RefusedError(`${address} is already active on ${l.address}`);
      const now = ctx.clock.now();
      const enrollment = await ctx.store.comchecks.enrollment(l.address, address);
      const confirmed = { ...m, status: 'active' as const };
      await audit.prepare(l.address);
      await ctx.store.commit((tx, undo) => {
        ctx.store.members.put(tx, confirmed);
        if (enrollment) ctx.store.comchecks.delEnrollment(tx, enrollment);
        // An override of the proof-of-key step: the log must say who was let in without it.
        audit.append(tx, undo, l.address, 'admin', { action: 'member-confirm', member: address, detail: `confirmed by an administrator without a signed reply (key ${m.fingerprint})` }, now);
      });
      await ctx.events.memberChanged(l.address, address, 'confirmed');
      return memberView(confirmed);
    },

    async 'comcheck.run'({ list }) {
      const l = await requireList(ctx, list);
      const created = await createRun({ store: ctx.store, audit, clock: ctx.clock }, l, 'manual');
      if (!created) throw new RefusedError(`${l.address} has no active members to ping`);
      await ctx.events.outbox?.(l.address);
      const run = (await ctx.store.comchecks.getRun(l.address, created.run.id)) ?? created.run;
      const pings = await ctx.store.comchecks.pingsOf(l.address, run.id);
      return {
        list: l.address,
        runId: run.id,
        pinged: pings.length,
        queued: pings.filter((p) => p.queuedAs !== null).length,
        closesAt: run.closesAt,
      };
    },

    async 'comcheck.report'({ list, runs }) {
      const l = await requireList(ctx, list);
      const n = runsArg(runs);
      const now = ctx.clock.now();
      const latest = await latestRuns(ctx.store, l.address, n);
      const summaries = latest.map((r) => summarizeRun(r.run, r.pings, now));
      const members = await ctx.store.members.ofList(l.address);
      const report: ComcheckReport = {
        list: l.address,
        runsConsidered: n,
        runs: summaries,
        members: members.map((m) => ({
          ...memberStats(m.email, latest, now),
          name: m.name,
          team: m.team,
          role: m.role,
          status: m.status,
        })),
        trend: summaries.map((s) => ({ id: s.id, createdAt: s.createdAt, rate: s.rate })),
      };
      return report;
    },

    async 'directory.export'({ list, runs }) {
      const l = await requireList(ctx, list);
      const latest = await latestRuns(ctx.store, l.address, runsArg(runs));
      const now = ctx.clock.now();
      return (await ctx.store.members.ofList(l.address)).map((m) => directoryEntry(m, memberStats(m.email, latest, now)));
    },

    async 'directory.review'({ list }) {
      const l = await requireList(ctx, list);
      const now = ctx.clock.now();
      // Two decided runs per member are enough; a few more cover members not pinged in every run.
      const latest = await latestRuns(ctx.store, l.address, DEFAULT_REPORT_RUNS);
      const members = await ctx.store.members.ofList(l.address);
      const findings: ReviewFinding[] = [];
      for (const m of members) {
        const problems = reviewMember(m, recentOutcomes(m.email, latest, now), now);
        if (problems.length > 0) findings.push({ email: m.email, name: m.name, team: m.team, role: m.role, problems });
      }
      return { list: l.address, members: members.length, findings };
    },
  };
}
