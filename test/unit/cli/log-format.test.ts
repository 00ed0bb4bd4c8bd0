import { expect } from 'chai';
import type { LogVerifyView } from '../../../src/admin/api.js';
import { sinceOf } from '../../../src/admin/log.js';
import type { LogMessage } from '../../../src/audit/query.js';
import { UsageError } from '../../../src/errors.js';
import { logText, messageBlock, problemLine, pruneText, safe, verifyText } from '../../../src/cli/log-format.js';

const base: LogMessage = {
  seq: 1,
  time: '2026-01-01T10:00:00.000Z',
  queueId: '20260101T100000000Z-abc',
  kind: 'post',
  originalMessageId: '<orig@client.test>',
  envelopeFrom: 'alice@a.test',
  from: 'alice@a.test',
  signer: 'AAAABBBB',
  tlp: 'TLP:AMBER',
  size: 4096,
  decision: 'accepted',
  reason: null,
  reply: '250 2.0.0 Ok: queued as 20260101T100000000Z-abc',
  recipientCount: 3,
  recipients: [
    { recipient: 'bob@b.test', state: 'sent', attempts: 1, lastReply: '250 2.0.0 queued', reason: null, time: '2026-01-01T10:00:01.000Z' },
    {
      recipient: 'carol.long@c.test',
      state: 'failed',
      attempts: 2,
      lastReply: '451 4.3.0 later',
      reason: 'dropped by operator',
      time: '2026-01-01T10:05:00.000Z',
    },
  ],
  partial: false,
};

describe('cli/log-format', function () {
  it('an accepted message: headline, fields, recipients indented and aligned', () => {
    expect(messageBlock(base)).to.deep.equal([
      '2026-01-01T10:00:00.000Z  ACCEPTED  20260101T100000000Z-abc  post',
      '  message-id:    <orig@client.test>',
      '  envelope from: alice@a.test',
      '  from:          alice@a.test',
      '  signed by:     AAAABBBB',
      '  tlp:           TLP:AMBER',
      '  size:          4096 bytes',
      '  reply:         250 2.0.0 Ok: queued as 20260101T100000000Z-abc',
      '  recipients:    3 (1 failed, 1 queued, 1 sent)',
      '    bob@b.test         sent    1 attempt   250 2.0.0 queued',
      '    carol.long@c.test  failed  2 attempts  dropped by operator; last reply: 451 4.3.0 later',
    ]);
  });

  it('a refused message: its reason and reply, no recipients', () => {
    const m: LogMessage = {
      ...base,
      queueId: null,
      decision: 'refused',
      reason: 'tlp-above-max',
      reply: '550 5.7.1 TLP:RED is above',
      signer: null,
      tlp: null,
      envelopeFrom: null,
      recipientCount: 0,
      recipients: [],
    };
    expect(messageBlock(m)).to.deep.equal([
      '2026-01-01T10:00:00.000Z  REFUSED  (not queued)  post',
      '  message-id:    <orig@client.test>',
      '  envelope from: <>',
      '  from:          alice@a.test',
      '  signed by:     (no valid signature)',
      '  tlp:           -',
      '  size:          4096 bytes',
      '  reason:        tlp-above-max',
      '  reply:         550 5.7.1 TLP:RED is above',
    ]);
  });

  it('a partial message (its entry pruned) says so', () => {
    const m: LogMessage = { ...base, partial: true, kind: null, recipients: base.recipients.slice(0, 1) };
    expect(messageBlock(m)).to.deep.equal([
      '2026-01-01T10:00:00.000Z  ACCEPTED  20260101T100000000Z-abc',
      '  (its message entry was pruned by retention; later delivery entries follow)',
      '    bob@b.test  sent  1 attempt  250 2.0.0 queued',
    ]);
  });

  it('control characters from mail or remote servers never reach the terminal', () => {
    const m: LogMessage = { ...base, originalMessageId: '<x\x1b[31m@evil>', recipients: [{ ...base.recipients[0]!, lastReply: '250 ok\r\nInjected' }] };
    const text = messageBlock(m).join('\n');
    expect(text).to.not.match(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(text).to.include('<x?[31m@evil>');
    expect(text).to.include('250 ok??Injected');
    expect(safe('a\u009bb')).to.equal('a?b');
  });

  it('blocks are separated by an empty line; no messages says so', () => {
    const two = logText('l@x.test', [base, { ...base, seq: 9 }], false);
    expect(two.filter((l) => l === '')).to.have.length(1);
    expect(logText('l@x.test', [], false)).to.deep.equal(['no log entries for l@x.test']);
    expect(logText('l@x.test', [], true)).to.deep.equal(['no log entries for l@x.test match']);
  });

  const fail = (problem: LogVerifyView['problem'], seq: number, detail: string): LogVerifyView => ({
    list: 'l@x.test',
    ok: false,
    entries: 50,
    head: null,
    checkpoint: null,
    pinned: 'none',
    firstBadSeq: seq,
    problem,
    detail,
  });
  const problems: Array<[LogVerifyView, string]> = [
    [fail('altered', 37, 'entry 37: content does not match its hash'), 'entry 37 was altered (content does not match its hash)'],
    [fail('removed', 12, 'entry 12 is missing (found 13 next)'), 'entry 12 was removed (found 13 next)'],
    [fail('removed', 12, 'entries 12..14 are missing (found 15 next)'), 'entry 12 was removed (entries 12..14 are missing; found 15 next)'],
    [
      fail('removed', 51, 'the log ends at 50 but the pinned head is entry 60: the tail was removed'),
      'entry 51 was removed (the log ends at 50 but the pinned head is entry 60: the tail was removed)',
    ],
    [fail('reordered', 5, 'entry 6 stands where entry 5 belongs'), 'entry 5 is out of order (entry 6 stands where entry 5 belongs)'],
    [fail('bad-checkpoint', 40, 'the checkpoint record is damaged'), 'the retention checkpoint at entry 40 is not valid (the checkpoint record is damaged)'],
  ];
  for (const [v, want] of problems) {
    it(`problemLine: ${v.problem ?? ''} ${v.detail ?? ''}`, () => {
      expect(problemLine(v)).to.equal(want);
      expect(verifyText(v)).to.deep.equal([want]);
    });
  }

  it('verifyText: ok line first, then what the checkpoint and the pin say', () => {
    const ok: LogVerifyView = { ...fail(null, 0, ''), ok: true, entries: 12, head: '52:abcd', firstBadSeq: null, detail: null };
    expect(verifyText(ok)).to.deep.equal(['ok: 12 entries, head 52:abcd']);
    expect(verifyText({ ...ok, entries: 1 })[0]).to.equal('ok: 1 entry, head 52:abcd');
    const pruned = verifyText({
      ...ok,
      checkpoint: { seq: 40, lastPrunedAt: '2025-01-01T00:00:00.000Z', at: '2026-01-01T03:17:00.000Z' },
      pinned: 'matched',
    });
    expect(pruned).to.deep.equal([
      'ok: 12 entries, head 52:abcd',
      'entries 1..40 were pruned by retention (run at 2026-01-01T03:17:00.000Z; newest pruned from 2025-01-01T00:00:00.000Z)',
      'the pinned head matches',
    ]);
    expect(verifyText({ ...ok, pinned: 'pruned' })[1]).to.match(/older than the retention checkpoint/);
  });

  it('pruneText', () => {
    expect(
      pruneText({
        list: 'l@x.test',
        retentionDays: 30,
        cutoff: '2026-01-01T00:00:00.000Z',
        entries: 10,
        checkpointSeq: 10,
        recordSeq: 25,
        replayDigests: 2,
        messages: 1,
        deliveries: 1,
        chainProblem: null,
      }),
    ).to.deep.equal([
      'l@x.test: kept the last 30 days (pruned what is older than 2026-01-01T00:00:00.000Z)',
      '  log entries:    10 (the checkpoint stands for entries 1..10; recorded as entry 25)',
      '  replay digests: 2',
      '  messages:       1 (1 delivery record)',
    ]);
  });

  describe('sinceOf (--since / --days)', function () {
    const now = new Date('2026-03-10T12:00:00Z');
    const cases: Array<[string | undefined, number | undefined, string | null]> = [
      [undefined, undefined, null],
      ['2026-03-01', undefined, '2026-03-01T00:00:00.000Z'],
      ['2026-03-01T08:30:00Z', undefined, '2026-03-01T08:30:00.000Z'],
      ['2026-03-01T08:30:00+02:00', undefined, '2026-03-01T06:30:00.000Z'],
      [undefined, 1, '2026-03-09T12:00:00.000Z'],
      [undefined, 0, '2026-03-10T12:00:00.000Z'],
      [undefined, 0.5, '2026-03-10T00:00:00.000Z'],
    ];
    for (const [since, days, want] of cases) {
      it(`since=${since ?? '-'} days=${days ?? '-'}`, () => {
        expect(sinceOf(now, since, days)?.toISOString() ?? null).to.equal(want);
      });
    }
    it('refuses nonsense and both at once (usage errors)', () => {
      for (const [s, d] of [['yesterday', undefined], [undefined, -1], [undefined, Number.NaN], ['2026-01-01', 3]] as const) {
        expect(() => sinceOf(now, s, d)).to.throw(UsageError);
      }
    });
  });
});
