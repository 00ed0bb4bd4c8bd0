/**
 * When to try a deferred delivery again, and when to stop. Pure: the caller passes the clock
 * reading and the random source, so tests can pin both.
 */

/** The config default (`delivery.retry`): 50s, 5m, 10m, 20m, 40m, then every hour. */
export const DEFAULT_SCHEDULE_MS: readonly number[] = [50_000, 300_000, 600_000, 1_200_000, 2_400_000, 3_600_000];

/**
 * Jitter is ±20 % of the scheduled delay, spread uniformly:
 *   delay = round(base × (1 + JITTER × (2r − 1)))   with r = random(), clamped to [0, 1]
 * so r = 0 gives 0.8 × base, r = 0.5 gives base and r = 1 gives 1.2 × base. Without jitter every
 * delivery deferred by the same smarthost outage would come back in the same second.
 */
export const JITTER = 0.2;

/**
 * Delay in ms before the next try, after `attempt` tries have been made (1 after the first
 * failure). The schedule's last entry repeats, so the delay grows with the schedule and then stays
 * there. `random` must return a number in [0, 1), like Math.random; anything else (NaN, out of
 * range) is clamped so a bad source can never produce a negative or huge delay.
 */
export function nextAttemptDelay(attempt: number, schedule: readonly number[], random: () => number): number {
  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  }
  checkSchedule(schedule);
  const base = schedule[Math.min(attempt, schedule.length) - 1] ?? 0;
  const r = clamp01(random());
  return Math.round(base * (1 + JITTER * (2 * r - 1)));
}

export type RetryDecision = { kind: 'retry'; at: Date } | { kind: 'give-up'; reason: string };

export interface RetryInput {
  /** When the message was first queued (its 250): the lifetime counts from here, not from the last try. */
  firstQueuedAt: Date;
  /** The time of the failure being decided on. */
  now: Date;
  /** Tries made so far, including the one that just failed (attempts are counted before a send). */
  attempts: number;
  schedule: readonly number[];
  maxQueueMs: number;
  random: () => number;
}

/**
 * Retry after a temporary failure, or give up.
 *
 * Lifetime rule: we give up as soon as the next try, jitter included, would fall strictly after
 * firstQueuedAt + maxQueueMs; a try exactly at the deadline still happens. This is one step
 * stricter than Postfix. Postfix's qmgr (qmgr_active.c) decides at the end of a failed delivery
 * pass: when event_time() >= create_time + maximal_queue_lifetime the message expires and is
 * returned, otherwise it is deferred, and the deferred try may then run after the deadline (one
 * more failure expires it). Postfix therefore keeps mail up to one back-off interval past the
 * lifetime; we never try after it, so maxQueueMs is a hard upper bound on how long a member
 * waits before the owner hears that a copy failed. The difference is at most one schedule step
 * (1h with the default schedule against a default lifetime of 120h).
 */
export function retryDecision(input: RetryInput): RetryDecision {
  const { firstQueuedAt, now, attempts, schedule, maxQueueMs, random } = input;
  if (!Number.isFinite(maxQueueMs) || maxQueueMs < 0) {
    throw new RangeError(`maxQueueMs must be a finite number >= 0, got ${maxQueueMs}`);
  }
  const queued = firstQueuedAt.getTime();
  const nowMs = now.getTime();
  if (Number.isNaN(queued) || Number.isNaN(nowMs)) throw new RangeError('firstQueuedAt and now must be valid dates');
  const deadline = queued + maxQueueMs;
  const at = nowMs + nextAttemptDelay(attempts, schedule, random);
  if (at > deadline) {
    return {
      kind: 'give-up',
      reason:
        `queue lifetime of ${formatMs(maxQueueMs)} reached after ${attempts} ` +
        `attempt${attempts === 1 ? '' : 's'}: the next try would be at ${new Date(at).toISOString()}, ` +
        `after the deadline ${new Date(deadline).toISOString()}`,
    };
  }
  return { kind: 'retry', at: new Date(at) };
}

function checkSchedule(schedule: readonly number[]): void {
  if (schedule.length === 0) throw new RangeError('retry schedule must not be empty');
  for (const ms of schedule) {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`retry schedule entries must be finite and >= 0, got ${ms}`);
  }
}

function clamp01(r: number): number {
  if (Number.isNaN(r)) return 0.5;
  return Math.min(1, Math.max(0, r));
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
