import type { ComcheckRunRecord, PingRecord, PingState } from '../store/comcheck-records.js';

/**
 * Success rates, reply times and the directory review: pure functions over run and ping records,
 * so every number the report prints has a table test.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A ping still "open" after its window closed is missed, whether or not the close job ran yet. */
export function effectiveState(p: Pick<PingRecord, 'state'>, run: Pick<ComcheckRunRecord, 'closesAt'>, now: Date): PingState {
  if (p.state === 'open' && run.closesAt !== null && Date.parse(run.closesAt) < now.getTime()) return 'missed';
  return p.state;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const hi = s[mid] as number;
  return s.length % 2 === 1 ? hi : ((s[mid - 1] as number) + hi) / 2;
}

/** A ratio rounded for output (4 decimals: 0.3333); null when there is nothing to divide by. */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

export interface StateCounts {
  replied: number;
  late: number;
  unverified: number;
  missed: number;
  open: number;
}

export function countStates(states: readonly PingState[]): StateCounts {
  const c: StateCounts = { replied: 0, late: 0, unverified: 0, missed: 0, open: 0 };
  for (const s of states) c[s]++;
  return c;
}

export interface RunSummary extends StateCounts {
  id: string;
  createdAt: string;
  trigger: string;
  sentAt: string | null;
  closesAt: string | null;
  /** The window has closed. */
  closed: boolean;
  pinged: number;
  /** Replied in the window (and signed where required) ÷ pinged. Only late, unverified and
   * missed pings lower it once the window closed; while it is open the rate can still rise. */
  rate: number | null;
}

export function summarizeRun(run: ComcheckRunRecord, pings: readonly PingRecord[], now: Date): RunSummary {
  const c = countStates(pings.map((p) => effectiveState(p, run, now)));
  return {
    id: run.id,
    createdAt: run.createdAt,
    trigger: run.trigger,
    sentAt: run.sentAt,
    closesAt: run.closesAt,
    closed: run.closesAt !== null && Date.parse(run.closesAt) < now.getTime(),
    pinged: pings.length,
    ...c,
    rate: ratio(c.replied, pings.length),
  };
}

export interface MemberComcheckStats extends StateCounts {
  email: string;
  /** Pings to this member in the runs considered. */
  pinged: number;
  /** Replied in time ÷ pings whose outcome is known (open pings are left out until they close). */
  rate: number | null;
  /** Latest reply of any kind (in time, late or unverified). */
  lastReply: string | null;
  /** Median hours from ping to reply, over the replies counted in `lastReply`. */
  medianReplyHours: number | null;
  /** The outcome of the latest ping, and when that run started. */
  lastResult: PingState | null;
  lastResultAt: string | null;
}

export interface RunWithPings {
  run: ComcheckRunRecord;
  pings: readonly PingRecord[];
}

/** One member's figures over the given runs (oldest first). */
export function memberStats(email: string, runs: readonly RunWithPings[], now: Date): MemberComcheckStats {
  const mine: Array<{ run: ComcheckRunRecord; ping: PingRecord; state: PingState }> = [];
  for (const r of runs) {
    const ping = r.pings.find((p) => p.email === email);
    if (ping) mine.push({ run: r.run, ping, state: effectiveState(ping, r.run, now) });
  }
  const c = countStates(mine.map((m) => m.state));
  const decided = mine.length - c.open;
  const replies = mine.filter((m) => m.ping.repliedAt !== null);
  const hours = replies
    .filter((m) => m.ping.sentAt !== null)
    .map((m) => (Date.parse(m.ping.repliedAt as string) - Date.parse(m.ping.sentAt as string)) / HOUR_MS);
  const last = mine[mine.length - 1];
  const lastReply = replies.map((m) => m.ping.repliedAt as string).sort().pop() ?? null;
  const med = median(hours);
  return {
    email,
    pinged: mine.length,
    ...c,
    rate: ratio(c.replied, decided),
    lastReply,
    medianReplyHours: med === null ? null : Math.round(med * 100) / 100,
    lastResult: last ? last.state : null,
    lastResultAt: last ? last.run.createdAt : null,
  };
}

export type ProblemKind = 'key-expired' | 'key-expires' | 'missed-comchecks' | 'bounces';

export interface Problem {
  kind: ProblemKind;
  detail: string;
}

export const REVIEW_EXPIRY_DAYS = 30;

/**
 * What `directory review` flags for one member: a key that expired or expires within 30 days, the
 * last two decided com-checks both missed, or deliveries that bounced.
 * `recent` is the member's ping outcomes, newest first, open pings already left out.
 */
export function reviewMember(
  m: { keyExpires: string | null; bounceCount: number },
  recent: readonly PingState[],
  now: Date,
): Problem[] {
  const out: Problem[] = [];
  if (m.keyExpires !== null) {
    const days = (Date.parse(m.keyExpires) - now.getTime()) / DAY_MS;
    if (days <= 0) out.push({ kind: 'key-expired', detail: `key expired on ${m.keyExpires.slice(0, 10)}` });
    else if (days <= REVIEW_EXPIRY_DAYS) {
      out.push({ kind: 'key-expires', detail: `key expires on ${m.keyExpires.slice(0, 10)} (in ${Math.ceil(days)} days)` });
    }
  }
  if (recent.length >= 2 && recent[0] === 'missed' && recent[1] === 'missed') {
    out.push({ kind: 'missed-comchecks', detail: 'missed the last two com-checks' });
  }
  if (m.bounceCount > 0) out.push({ kind: 'bounces', detail: `${m.bounceCount} bounced deliveries` });
  return out;
}

/** The member's decided outcomes, newest first (input: runs oldest first). */
export function recentOutcomes(email: string, runs: readonly RunWithPings[], now: Date): PingState[] {
  const out: PingState[] = [];
  for (const r of runs) {
    const ping = r.pings.find((p) => p.email === email);
    if (!ping) continue;
    const s = effectiveState(ping, r.run, now);
    if (s !== 'open') out.push(s);
  }
  return out.reverse();
}
