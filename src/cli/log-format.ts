/**
 * Text for people, pure: `remailer log`, `log verify` and `log prune`. The values come from mail
 * (Message-IDs, addresses) and from remote servers (SMTP replies), so control characters are
 * masked before they reach a terminal.
 */
import type { LogVerifyView } from '../admin/api.js';
import { stateCounts, type LogMessage, type LogRecipient } from '../audit/query.js';
import type { PruneResult } from '../jobs/retention.js';
import { fields, plural, table } from './output.js';

/** Masks anything a terminal would interpret (escape sequences, line breaks). */
export function safe(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
}

const orNone = (s: string | null, none = '-'): string => (s === null || s === '' ? none : safe(s));

/** `  key:   value` lines, values aligned within the block. */
function indentedFields(pairs: Array<[string, string]>, indent = '  '): string[] {
  return fields(pairs).map((line) => indent + line);
}

function countsText(m: LogMessage): string {
  const parts = Object.entries(stateCounts(m))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([state, n]) => `${n} ${state}`);
  const total = m.recipientCount ?? m.recipients.length;
  return parts.length === 0 ? String(total) : `${total} (${parts.join(', ')})`;
}

function recipientDetail(r: LogRecipient): string {
  if (r.reason !== null && r.lastReply !== null && r.reason !== r.lastReply) return `${safe(r.reason)}; last reply: ${safe(r.lastReply)}`;
  return orNone(r.reason ?? r.lastReply, '');
}

/** One block per message: a headline, its fields, then one indented line per recipient. */
export function messageBlock(m: LogMessage): string[] {
  const head = [m.time, m.decision.toUpperCase(), m.queueId ?? '(not queued)', m.kind ?? ''].filter((s) => s !== '');
  const lines = [safe(head.join('  '))];
  if (m.partial) {
    lines.push('  (its message entry was pruned by retention; later delivery entries follow)');
  } else {
    const pairs: Array<[string, string]> = [
      ['message-id', orNone(m.originalMessageId)],
      ['envelope from', orNone(m.envelopeFrom, '<>')],
      ['from', orNone(m.from)],
      ['signed by', orNone(m.signer, '(no valid signature)')],
      ['tlp', orNone(m.tlp)],
      ['size', m.size === null ? '-' : `${m.size} bytes`],
    ];
    if (m.decision === 'refused') pairs.push(['reason', orNone(m.reason)]);
    pairs.push(['reply', orNone(m.reply)]);
    if (m.decision === 'accepted') pairs.push(['recipients', countsText(m)]);
    lines.push(...indentedFields(pairs));
  }
  if (m.recipients.length > 0) {
    const rows = m.recipients.map((r) => [safe(r.recipient), r.state, plural(r.attempts, 'attempt'), recipientDetail(r)]);
    lines.push(...table(['', '', '', ''], rows).slice(1).map((l) => `    ${l}`));
  }
  return lines;
}

export function logText(list: string, messages: readonly LogMessage[], filtered: boolean): string[] {
  if (messages.length === 0) return [`no log entries for ${list}${filtered ? ' match' : ''}`];
  const out: string[] = [];
  for (const m of messages) {
    if (out.length > 0) out.push('');
    out.push(...messageBlock(m));
  }
  return out;
}

/** "entry 37 was altered (content does not match its hash)" and friends: one line. */
export function problemLine(v: LogVerifyView): string {
  const n = v.firstBadSeq ?? 0;
  // The chain's detail often starts by naming the entry again; once is enough.
  let detail = (v.detail ?? '').replace(new RegExp(`^entry ${n}: `), '');
  const gap = /^(?:entry \d+ is|entries (\d+)\.\.(\d+) are) missing \((.*)\)$/.exec(detail);
  if (gap) detail = gap[1] ? `entries ${gap[1]}..${gap[2] ?? ''} are missing; ${gap[3] ?? ''}` : (gap[3] ?? '');
  const why = detail === '' ? '' : ` (${detail})`;
  switch (v.problem) {
    case 'removed':
      return `entry ${n} was removed${why}`;
    case 'reordered':
      return `entry ${n} is out of order${why}`;
    case 'bad-checkpoint':
      return `the retention checkpoint at entry ${n} is not valid${why}`;
    default:
      return `entry ${n} was altered${why}`;
  }
}

export function verifyText(v: LogVerifyView): string[] {
  if (!v.ok) return [problemLine(v)];
  const out = [`ok: ${plural(v.entries, 'entry', 'entries')}, head ${v.head ?? '-'}`];
  if (v.checkpoint) {
    out.push(`entries 1..${v.checkpoint.seq} were pruned by retention (run at ${v.checkpoint.at}; newest pruned from ${v.checkpoint.lastPrunedAt})`);
  }
  if (v.pinned === 'matched') out.push('the pinned head matches');
  if (v.pinned === 'pruned') out.push('the pinned entry is older than the retention checkpoint and could not be compared: pin a newer head');
  return out;
}

export function pruneText(r: PruneResult): string[] {
  const entries =
    r.checkpointSeq === null
      ? '0'
      : `${r.entries} (the checkpoint stands for entries 1..${r.checkpointSeq}; recorded as entry ${r.recordSeq ?? '?'})`;
  return [
    `${r.list}: kept the last ${plural(r.retentionDays, 'day')} (pruned what is older than ${r.cutoff})`,
    ...indentedFields([
      ['log entries', r.chainProblem === null ? entries : `none: the log does not verify (${r.chainProblem})`],
      ['replay digests', String(r.replayDigests)],
      ['messages', `${r.messages} (${plural(r.deliveries, 'delivery record', 'delivery records')})`],
    ]),
  ];
}
