import { headDigest, parseHeadDigest, verifyChain } from '../audit/chain.js';
import type { AuditLog } from '../audit/log.js';
import { aggregateLog, filterLog } from '../audit/query.js';
import { UsageError } from '../errors.js';
import { pruneList } from '../jobs/retention.js';
import type { AdminApi } from './api.js';
import type { AdminContext } from './context.js';
import { printable } from './input.js';
import { requireList } from './lists.js';

type LogOps = Pick<AdminApi, 'log.show' | 'log.verify' | 'log.prune'>;

const DAY_MS = 86_400_000;

/** --since ISO / --days N → the earliest time shown (null: everything). */
export function sinceOf(now: Date, since: string | undefined, days: number | undefined): Date | null {
  if (since !== undefined && days !== undefined) throw new UsageError('give --since or --days, not both');
  if (since !== undefined) {
    // A bare date means its start in UTC, as the log's times are UTC.
    const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(since.trim()) ? `${since.trim()}T00:00:00Z` : since);
    if (Number.isNaN(t)) throw new UsageError(`--since ${printable(since)} is not a date (use ISO 8601, e.g. 2026-03-01 or 2026-03-01T12:00:00Z)`);
    return new Date(t);
  }
  if (days !== undefined) {
    if (typeof days !== 'number' || !Number.isFinite(days) || days < 0) throw new UsageError('--days must be a number of days (0 or more)');
    return new Date(now.getTime() - days * DAY_MS);
  }
  return null;
}

export function logOps(ctx: AdminContext, audit: AuditLog): LogOps {
  return {
    async 'log.show'({ list, since, days, message }) {
      const rec = await requireList(ctx, list);
      const from = sinceOf(ctx.clock.now(), since, days);
      const entries = await ctx.store.audit.all(rec.address);
      const messages = filterLog(aggregateLog(entries), { since: from, message: message ?? null });
      return { list: rec.address, messages };
    },

    async 'log.verify'({ list, pin }) {
      const rec = await requireList(ctx, list);
      const pinnedHead = pin === undefined ? null : parseHeadDigest(pin);
      if (pin !== undefined && pinnedHead === null) {
        throw new UsageError(`--pin ${printable(pin)} is not a head digest (SEQ:HASH, as "remailer log verify" prints it)`);
      }
      // One read of checkpoint and entries; a retention run in between would only add a checkpoint record.
      const checkpoint = (await ctx.store.audit.checkpoint(rec.address)) ?? null;
      const entries = await ctx.store.audit.all(rec.address);
      const r = verifyChain(entries, { checkpoint, pinnedHead });
      const cp = checkpoint ? { seq: checkpoint.seq, lastPrunedAt: checkpoint.lastPrunedAt, at: checkpoint.at } : null;
      if (!r.ok) {
        return {
          list: rec.address,
          ok: false,
          entries: entries.length,
          head: null,
          checkpoint: cp,
          pinned: 'none',
          firstBadSeq: r.firstBadSeq,
          problem: r.problem,
          detail: r.detail,
        };
      }
      const last = entries[entries.length - 1] ?? checkpoint;
      return {
        list: rec.address,
        ok: true,
        entries: r.count,
        head: headDigest(last),
        checkpoint: cp,
        pinned: r.pinned,
        firstBadSeq: null,
        problem: null,
        detail: null,
      };
    },

    async 'log.prune'({ list }) {
      const rec = await requireList(ctx, list);
      return pruneList({ store: ctx.store, audit, clock: ctx.clock }, rec.address);
    },
  };
}
