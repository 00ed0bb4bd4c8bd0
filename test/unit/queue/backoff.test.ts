import { expect } from 'chai';
import { parseDuration } from '../../../src/config/duration.js';
import { DEFAULT_RETRY_SCHEDULE } from '../../../src/config/schema.js';
import { DEFAULT_SCHEDULE_MS, JITTER, nextAttemptDelay, retryDecision } from '../../../src/queue/backoff.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const mid = (): number => 0.5;
const low = (): number => 0;
const high = (): number => 1;

describe('queue/backoff nextAttemptDelay', () => {
  it('DEFAULT_SCHEDULE_MS is the config default (delivery.retry)', () => {
    expect(DEFAULT_RETRY_SCHEDULE.map((d) => parseDuration(d))).to.deep.equal([...DEFAULT_SCHEDULE_MS]);
  });

  const cases: [attempt: number, expectedMs: number][] = [
    [1, 50_000],
    [2, 5 * MIN],
    [3, 10 * MIN],
    [4, 20 * MIN],
    [5, 40 * MIN],
    [6, 1 * HOUR],
    [7, 1 * HOUR],
    [50, 1 * HOUR],
    [10_000, 1 * HOUR],
  ];
  for (const [attempt, expectedMs] of cases) {
    it(`attempt ${attempt} without jitter (random 0.5) waits ${expectedMs / MIN} min`, () => {
      expect(nextAttemptDelay(attempt, DEFAULT_SCHEDULE_MS, mid)).to.equal(expectedMs);
    });
  }

  it('grows strictly over the schedule and then stays at the last entry', () => {
    const delays = Array.from({ length: 10 }, (_, i) => nextAttemptDelay(i + 1, DEFAULT_SCHEDULE_MS, mid));
    for (let i = 1; i < DEFAULT_SCHEDULE_MS.length; i++) {
      expect(delays[i], `attempt ${i + 1}`).to.be.greaterThan(delays[i - 1] ?? Infinity);
    }
    expect(delays.slice(DEFAULT_SCHEDULE_MS.length - 1)).to.deep.equal(Array(5).fill(HOUR));
  });

  it('jitter bounds are exactly ±20 %: random 0 gives 0.8×, random 1 gives 1.2×', () => {
    expect(JITTER).to.equal(0.2);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const base = nextAttemptDelay(attempt, DEFAULT_SCHEDULE_MS, mid);
      expect(nextAttemptDelay(attempt, DEFAULT_SCHEDULE_MS, low)).to.equal(Math.round(base * 0.8));
      expect(nextAttemptDelay(attempt, DEFAULT_SCHEDULE_MS, high)).to.equal(Math.round(base * 1.2));
    }
  });

  it('stays within the bounds for random values across [0, 1)', () => {
    for (let i = 0; i <= 100; i++) {
      const r = i / 100;
      const d = nextAttemptDelay(3, DEFAULT_SCHEDULE_MS, () => r);
      expect(d).to.be.within(8 * MIN, 12 * MIN);
    }
  });

  it('clamps a broken random source instead of producing negative or huge delays', () => {
    expect(nextAttemptDelay(1, DEFAULT_SCHEDULE_MS, () => -5)).to.equal(40_000);
    expect(nextAttemptDelay(1, DEFAULT_SCHEDULE_MS, () => 7)).to.equal(60_000);
    expect(nextAttemptDelay(1, DEFAULT_SCHEDULE_MS, () => Number.NaN)).to.equal(50_000);
  });

  it('works with a one-entry schedule', () => {
    expect(nextAttemptDelay(1, [30_000], mid)).to.equal(30_000);
    expect(nextAttemptDelay(9, [30_000], mid)).to.equal(30_000);
  });

  const bad: [string, number, readonly number[]][] = [
    ['attempt 0', 0, DEFAULT_SCHEDULE_MS],
    ['negative attempt', -1, DEFAULT_SCHEDULE_MS],
    ['fractional attempt', 1.5, DEFAULT_SCHEDULE_MS],
    ['empty schedule', 1, []],
    ['negative entry', 1, [60_000, -1]],
    ['infinite entry', 1, [Infinity]],
  ];
  for (const [name, attempt, schedule] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => nextAttemptDelay(attempt, schedule, mid)).to.throw(RangeError);
    });
  }
});

describe('queue/backoff retryDecision', () => {
  const t0 = new Date('2026-03-01T00:00:00.000Z');
  const at = (ms: number): Date => new Date(t0.getTime() + ms);
  const lifetime = 120 * HOUR;
  const base = { firstQueuedAt: t0, schedule: DEFAULT_SCHEDULE_MS, maxQueueMs: lifetime };

  it('schedules the first retry within a minute of the failure, jitter included', () => {
    const d = retryDecision({ ...base, now: at(2000), attempts: 1, random: mid });
    expect(d).to.deep.equal({ kind: 'retry', at: at(2000 + 50_000) });
    const latest = retryDecision({ ...base, now: at(2000), attempts: 1, random: () => 0.999999 });
    expect(latest.kind === 'retry' && latest.at.getTime() - at(2000).getTime()).to.be.at.most(MIN);
  });

  it('counts the delay from now, not from the first queueing', () => {
    const d = retryDecision({ ...base, now: at(50 * HOUR), attempts: 40, random: mid });
    expect(d).to.deep.equal({ kind: 'retry', at: at(51 * HOUR) });
  });

  it('applies jitter to the retry time', () => {
    const d = retryDecision({ ...base, now: at(0), attempts: 2, random: high });
    expect(d).to.deep.equal({ kind: 'retry', at: at(6 * MIN) });
  });

  it('retries when the next try lands exactly on the deadline', () => {
    const d = retryDecision({ ...base, now: at(lifetime - HOUR), attempts: 9, random: mid });
    expect(d).to.deep.equal({ kind: 'retry', at: at(lifetime) });
  });

  it('gives up when the next try would land 1 ms after the deadline', () => {
    const d = retryDecision({ ...base, now: at(lifetime - HOUR + 1), attempts: 9, random: mid });
    expect(d.kind).to.equal('give-up');
    if (d.kind === 'give-up') {
      expect(d.reason).to.contain('120h').and.contain('9 attempts').and.contain(at(lifetime).toISOString());
    }
  });

  it('decides the boundary with the jittered delay', () => {
    const now = at(lifetime - 55 * MIN);
    expect(retryDecision({ ...base, now, attempts: 9, random: low }).kind).to.equal('retry');
    expect(retryDecision({ ...base, now, attempts: 9, random: high }).kind).to.equal('give-up');
  });

  it('gives up when already past the deadline', () => {
    const d = retryDecision({ ...base, now: at(lifetime + 1), attempts: 3, random: low });
    expect(d.kind).to.equal('give-up');
  });

  it('with lifetime 0 gives up at once and says "1 attempt"', () => {
    const d = retryDecision({ ...base, maxQueueMs: 0, now: t0, attempts: 1, random: low });
    expect(d.kind).to.equal('give-up');
    if (d.kind === 'give-up') expect(d.reason).to.contain('after 1 attempt:');
  });

  it('walks the default schedule to the give-up point of a 2h lifetime', () => {
    // failures at the retry times themselves, no jitter: 0, +50s, +5m, +10m, +20m, +40m → t = 75m50s,
    // next would be 135m50s > 120m.
    let now = at(0);
    const retries: number[] = [];
    for (let attempts = 1; attempts < 20; attempts++) {
      const d = retryDecision({ ...base, maxQueueMs: 2 * HOUR, now, attempts, random: mid });
      if (d.kind === 'give-up') break;
      retries.push((d.at.getTime() - t0.getTime()) / 1000);
      now = d.at;
    }
    expect(retries).to.deep.equal([50, 350, 950, 2150, 4550]);
  });

  it('rejects invalid dates and lifetimes', () => {
    expect(() => retryDecision({ ...base, now: new Date('x'), attempts: 1, random: mid })).to.throw(RangeError);
    expect(() => retryDecision({ ...base, maxQueueMs: -1, now: t0, attempts: 1, random: mid })).to.throw(RangeError);
    expect(() => retryDecision({ ...base, maxQueueMs: NaN, now: t0, attempts: 1, random: mid })).to.throw(RangeError);
  });
});
