import type { AuditLog } from '../audit/log.js';
import { RefusedError, UsageError } from '../errors.js';
import type { DeliveryKey } from '../store/deliveries.js';
import { FINAL_STATES, type DeliveryRecord, type MessageRecord } from '../store/records.js';
import type { AdminApi, QueueEntryView, QueueView } from './api.js';
import type { AdminContext } from './context.js';
import { printable } from './input.js';

type QueueOps = Pick<AdminApi, 'queue.ls' | 'queue.retry' | 'queue.drop'>;

/** The reason a dropped delivery carries in its record and its log entry. */
export const DROPPED_REASON = 'dropped by operator';

const pending = (d: DeliveryRecord): boolean => !FINAL_STATES.includes(d.state);
const keyOf = (d: DeliveryRecord): DeliveryKey => ({ messageId: d.messageId, recipient: d.recipient });

/** Queue ids are ours (queue/ids.ts); anything else cannot name a message, and must not reach a key range. */
function queueId(input: string): string {
  const id = input.trim();
  if (!/^[A-Za-z0-9-]{1,80}$/.test(id)) throw new RefusedError(`"${printable(input)}" is not a queue id (see "remailer queue ls")`);
  return id;
}

async function requireMessage(ctx: AdminContext, input: string): Promise<MessageRecord> {
  const id = queueId(input);
  const m = await ctx.store.messages.get(id);
  if (!m) throw new RefusedError(`no message ${id} in the queue (see "remailer queue ls")`);
  return m;
}

export function queueView(records: readonly DeliveryRecord[]): QueueView {
  const deliveries: QueueEntryView[] = records.filter(pending).map((d) => ({
    queueId: d.messageId,
    list: d.list,
    recipient: d.recipient,
    state: d.state,
    attempts: d.attempts,
    createdAt: d.createdAt,
    nextAttemptAt: d.nextAttemptAt,
    lastReply: d.lastReply,
    reason: d.reason,
  }));
  const count = (s: string): number => deliveries.filter((d) => d.state === s).length;
  return {
    summary: {
      deliveries: deliveries.length,
      messages: new Set(deliveries.map((d) => d.queueId)).size,
      queued: count('queued'),
      sending: count('sending'),
      deferred: count('deferred'),
    },
    deliveries,
  };
}

export function queueOps(ctx: AdminContext, audit: AuditLog): QueueOps {
  async function pendingRecords(): Promise<DeliveryRecord[]> {
    const out: DeliveryRecord[] = [];
    for (const k of await ctx.store.deliveries.pendingKeys()) {
      const d = await ctx.store.deliveries.get(k);
      if (d && pending(d)) out.push(d);
    }
    return out;
  }

  return {
    async 'queue.ls'() {
      return queueView(await pendingRecords());
    },

    async 'queue.retry'({ id, all }) {
      if (all && id !== undefined) throw new UsageError('give a queue id or --all, not both');
      if (!all && id === undefined) throw new UsageError('name a queue id, or --all for every pending delivery');
      let targets: DeliveryRecord[];
      if (id !== undefined) {
        const m = await requireMessage(ctx, id);
        targets = (await ctx.store.deliveries.ofMessage(m.id)).filter(pending);
        if (targets.length === 0) throw new RefusedError(`message ${m.id} has nothing pending: every delivery is final (see "remailer log ${m.list} --message ${m.id}")`);
      } else {
        targets = await pendingRecords();
      }
      const now = ctx.clock.now();
      const at = now.toISOString();
      // Only deferred copies wait for a time; queued and sending ones are due already.
      const due = targets.filter((d) => d.state === 'deferred').map((d): DeliveryRecord => ({ ...d, nextAttemptAt: at, updatedAt: at }));
      const lists = [...new Set(targets.map((d) => d.list))];
      for (const l of lists) await audit.prepare(l);
      await ctx.store.commit((tx, undo) => {
        for (const d of due) ctx.store.deliveries.put(tx, d);
        for (const l of lists) {
          const mine = targets.filter((d) => d.list === l);
          const ids = [...new Set(mine.map((d) => d.messageId))];
          audit.append(tx, undo, l, 'admin', { action: 'queue-retry', detail: `${ids.join(' ')}: ${mine.length} deliveries` }, now);
        }
      });
      await ctx.events.queueRetry?.(targets.map(keyOf));
      return { retried: targets.length, madeDue: due.length, messages: [...new Set(targets.map((d) => d.messageId))] };
    },

    async 'queue.drop'({ id }) {
      const m = await requireMessage(ctx, id);
      const before = (await ctx.store.deliveries.ofMessage(m.id)).filter(pending);
      if (before.length === 0) throw new RefusedError(`message ${m.id} has nothing pending: every delivery is final (see "remailer log ${m.list} --message ${m.id}")`);
      // Stop the worker first, then read again: what it wrote in between is the state we replace.
      const inFlight = (await ctx.events.queueDrop?.(before.map(keyOf))) ?? [];
      const busy = new Set(inFlight.map((k) => k.recipient));
      const now = ctx.clock.now();
      const at = now.toISOString();
      const current = (await ctx.store.deliveries.ofMessage(m.id)).filter(pending);
      const dropped = current
        .filter((d) => !busy.has(d.recipient))
        .map((d): DeliveryRecord => ({ ...d, state: 'failed', reason: DROPPED_REASON, nextAttemptAt: null, updatedAt: at }));
      await audit.prepare(m.list);
      await ctx.store.commit((tx, undo) => {
        for (const d of dropped) {
          ctx.store.deliveries.put(tx, d);
          audit.append(
            tx,
            undo,
            m.list,
            'delivery',
            { messageId: d.messageId, recipient: d.recipient, state: 'failed', attempts: d.attempts, reply: null, reason: DROPPED_REASON },
            now,
          );
        }
        // Nothing left to send: the ciphertext goes (a copy still in flight drops it when it finishes).
        if (busy.size === 0) ctx.store.messages.dropBody(tx, m.id);
      });
      // A copy in flight may have finished before this commit, seen our drops still pending and
      // kept the body: whoever sees nothing pending last drops it.
      if (busy.size > 0 && !(await ctx.store.deliveries.hasPending(m.id))) {
        await ctx.store.commit((tx) => ctx.store.messages.dropBody(tx, m.id));
      }
      return { queueId: m.id, list: m.list, dropped: dropped.map((d) => d.recipient), inFlight: [...busy] };
    },
  };
}
