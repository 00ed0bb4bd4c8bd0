/** Text for people, pure: `remailer queue ls`, `retry` and `drop`. */
import type { QueueDropResult, QueueEntryView, QueueRetryResult, QueueView } from '../admin/api.js';
import { safe } from './log-format.js';
import { plural, table } from './output.js';

/** When the worker takes it up: "now" once due, else the time to the second. */
export function nextAttempt(d: QueueEntryView, now: Date): string {
  if (d.state === 'sending') return 'in progress';
  if (d.nextAttemptAt === null) return '-';
  const t = Date.parse(d.nextAttemptAt);
  if (Number.isNaN(t) || t <= now.getTime()) return 'now';
  return d.nextAttemptAt.replace(/\.\d{3}Z$/, 'Z');
}

export function summaryLine(v: QueueView): string {
  const s = v.summary;
  return `${plural(s.deliveries, 'pending delivery', 'pending deliveries')} in ${plural(s.messages, 'message')}: ${s.queued} queued, ${s.sending} sending, ${s.deferred} deferred`;
}

export function queueText(v: QueueView, now: Date): string[] {
  if (v.deliveries.length === 0) return ['the queue is empty'];
  const rows = v.deliveries.map((d) => [
    d.queueId,
    safe(d.list),
    safe(d.recipient),
    d.state,
    String(d.attempts),
    nextAttempt(d, now),
    d.lastReply === null ? '-' : safe(d.lastReply),
  ]);
  return [...table(['QUEUE ID', 'LIST', 'RECIPIENT', 'STATE', 'ATTEMPTS', 'NEXT ATTEMPT', 'LAST REPLY'], rows), '', summaryLine(v)];
}

export function retryText(r: QueueRetryResult, viaDaemon: boolean): string[] {
  if (r.retried === 0) return ['nothing to retry: the queue is empty'];
  const what = `${plural(r.retried, 'delivery', 'deliveries')} of ${plural(r.messages.length, 'message')}`;
  const due = r.madeDue > 0 ? ` (${r.madeDue} deferred made due now)` : '';
  const when = viaDaemon ? 'the daemon is sending them now' : 'they are sent as soon as the daemon starts';
  return [`retrying ${what}${due}: ${when}`];
}

export function dropText(r: QueueDropResult): string[] {
  const out: string[] = [];
  if (r.dropped.length > 0) {
    out.push(`dropped ${plural(r.dropped.length, 'delivery', 'deliveries')} of ${r.queueId} (${r.list}), marked failed: dropped by operator`);
    for (const rcpt of r.dropped) out.push(`  ${safe(rcpt)}`);
  }
  if (r.inFlight.length > 0) {
    out.push(`${plural(r.inFlight.length, 'copy', 'copies')} already with the smarthost could not be stopped; their outcome is logged as usual:`);
    for (const rcpt of r.inFlight) out.push(`  ${safe(rcpt)}`);
  }
  return out;
}
