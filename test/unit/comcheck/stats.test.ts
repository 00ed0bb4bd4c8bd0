import { expect } from 'chai';
import { effectiveState, median, memberStats, ratio, recentOutcomes, reviewMember, summarizeRun, type RunWithPings } from '../../../src/comcheck/stats.js';
import type { ComcheckRunRecord, PingRecord, PingState } from '../../../src/store/comcheck-records.js';

const NOW = new Date('2026-03-10T00:00:00Z');

function run(id: string, sentAt: string, hours = 72): ComcheckRunRecord {
  return {
    v: 1,
    list: 'l@x.test',
    id,
    createdAt: sentAt,
    trigger: 'manual',
    windowHours: hours,
    requireSigned: true,
    sentAt,
    closesAt: new Date(Date.parse(sentAt) + hours * 3_600_000).toISOString(),
    closedAt: null,
    pinged: 0,
  };
}

function ping(r: ComcheckRunRecord, email: string, state: PingState, replyAfterHours: number | null = null): PingRecord {
  return {
    v: 1,
    list: r.list,
    runId: r.id,
    email,
    fingerprint: 'F'.repeat(40),
    tokenHash: 'h',
    queuedAs: 'q',
    sentAt: r.sentAt,
    state,
    repliedAt: replyAfterHours === null ? null : new Date(Date.parse(r.sentAt ?? '') + replyAfterHours * 3_600_000).toISOString(),
    verified: state === 'replied' || state === 'late',
    signer: null,
  };
}

describe('comcheck: rates, medians and the review (pure)', function () {
  it('median of nothing, odd and even counts, unsorted input', () => {
    expect(median([])).to.equal(null);
    expect(median([5])).to.equal(5);
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
  });

  it('ratio rounds to 4 decimals and is null for nothing', () => {
    expect(ratio(1, 3)).to.equal(0.3333);
    expect(ratio(2, 3)).to.equal(0.6667);
    expect(ratio(0, 0)).to.equal(null);
    expect(ratio(3, 3)).to.equal(1);
  });

  it('an open ping past its window counts as missed; one still inside stays open', () => {
    const r1 = run('r1', '2026-03-01T00:00:00.000Z');
    const r2 = run('r2', '2026-03-09T00:00:00.000Z');
    expect(effectiveState({ state: 'open' }, r1, NOW)).to.equal('missed');
    expect(effectiveState({ state: 'open' }, r2, NOW)).to.equal('open');
    expect(effectiveState({ state: 'late' }, r1, NOW)).to.equal('late');
    expect(effectiveState({ state: 'open' }, { closesAt: null }, NOW)).to.equal('open');
  });

  it('a run: 1 on time, 1 late, 1 missed → 33%', () => {
    const r = run('r1', '2026-03-01T00:00:00.000Z');
    const s = summarizeRun(r, [ping(r, 'a', 'replied', 2), ping(r, 'b', 'late', 80), ping(r, 'c', 'open')], NOW);
    expect(s).to.deep.include({ pinged: 3, replied: 1, late: 1, missed: 1, unverified: 0, open: 0, rate: 0.3333, closed: true });
  });

  it('a run still open reports its open pings and a provisional rate', () => {
    const r = run('r2', '2026-03-09T00:00:00.000Z');
    const s = summarizeRun(r, [ping(r, 'a', 'replied', 1), ping(r, 'b', 'open')], NOW);
    expect(s).to.deep.include({ pinged: 2, replied: 1, open: 1, rate: 0.5, closed: false });
  });

  describe('memberStats over the last runs', function () {
    const r1 = run('r1', '2026-02-01T00:00:00.000Z');
    const r2 = run('r2', '2026-02-08T00:00:00.000Z');
    const r3 = run('r3', '2026-02-15T00:00:00.000Z');
    const r4 = run('r4', '2026-03-09T00:00:00.000Z');
    const runs: RunWithPings[] = [
      { run: r1, pings: [ping(r1, 'a', 'replied', 1), ping(r1, 'b', 'missed')] },
      { run: r2, pings: [ping(r2, 'a', 'late', 100), ping(r2, 'b', 'missed')] },
      { run: r3, pings: [ping(r3, 'a', 'replied', 3), ping(r3, 'b', 'unverified', 5)] },
      { run: r4, pings: [ping(r4, 'a', 'open')] },
    ];

    it('rate over decided pings, last reply, median reply hours, last result', () => {
      const a = memberStats('a', runs, NOW);
      expect(a).to.deep.include({ pinged: 4, replied: 2, late: 1, open: 1, rate: 0.6667, medianReplyHours: 3, lastResult: 'open' });
      expect(a.lastReply).to.equal('2026-02-15T03:00:00.000Z');
    });

    it('a member who never answered in time', () => {
      const b = memberStats('b', runs, NOW);
      expect(b).to.deep.include({ pinged: 3, replied: 0, missed: 2, unverified: 1, rate: 0, medianReplyHours: 5, lastResult: 'unverified' });
    });

    it('a member never pinged', () => {
      expect(memberStats('z', runs, NOW)).to.deep.include({ pinged: 0, rate: null, lastReply: null, medianReplyHours: null, lastResult: null });
    });

    it('recent outcomes: newest first, open ones left out', () => {
      expect(recentOutcomes('a', runs, NOW)).to.deep.equal(['replied', 'late', 'replied']);
      expect(recentOutcomes('b', runs, NOW)).to.deep.equal(['unverified', 'missed', 'missed']);
    });
  });

  describe('reviewMember', function () {
    const base = { keyExpires: null, bounceCount: 0 };
    const table: Array<[string, { keyExpires: string | null; bounceCount: number }, PingState[], string[]]> = [
      ['nothing wrong', base, ['replied', 'missed'], []],
      ['key expires in 20 days', { ...base, keyExpires: '2026-03-30T00:00:00.000Z' }, [], ['key-expires']],
      ['key expires in exactly 30 days', { ...base, keyExpires: '2026-04-09T00:00:00.000Z' }, [], ['key-expires']],
      ['key expires in 31 days', { ...base, keyExpires: '2026-04-10T00:00:00.000Z' }, [], []],
      ['key expired', { ...base, keyExpires: '2026-03-01T00:00:00.000Z' }, [], ['key-expired']],
      ['missed the last two', base, ['missed', 'missed', 'replied'], ['missed-comchecks']],
      ['missed one of the last two', base, ['missed', 'replied', 'missed'], []],
      ['only one com-check so far, missed', base, ['missed'], []],
      ['bounces', { ...base, bounceCount: 2 }, [], ['bounces']],
      ['everything', { keyExpires: '2026-03-12T00:00:00.000Z', bounceCount: 1 }, ['missed', 'missed'], ['key-expires', 'missed-comchecks', 'bounces']],
    ];
    for (const [name, m, recent, kinds] of table) {
      it(name, () => expect(reviewMember(m, recent, NOW).map((p) => p.kind)).to.deep.equal(kinds));
    }
  });
});
