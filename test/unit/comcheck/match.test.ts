import { expect } from 'chai';
import { judgeReply, pingOutcome, welcomeOutcome, type ReplyFacts, type TokenOutcome, type TokenTarget } from '../../../src/comcheck/match.js';
import type { PingState } from '../../../src/store/comcheck-records.js';

const NOW = new Date('2026-03-02T12:00:00Z');
const BEFORE = '2026-03-03T00:00:00.000Z';
const PASSED = '2026-03-02T00:00:00.000Z';
const ALICE = { email: 'alice@a.test', fingerprint: 'A'.repeat(40), status: 'active' as const };

function ping(state: PingState, closesAt: string | null = BEFORE, requireSigned = true, email = ALICE.email): TokenTarget {
  return { kind: 'ping', email, state, closesAt, requireSigned };
}

function facts(over: Partial<ReplyFacts> = {}): ReplyFacts {
  return {
    fromAddress: ALICE.email,
    envelopeFrom: ALICE.email,
    automatic: false,
    member: ALICE,
    signedByMember: true,
    tokens: [ping('open')],
    now: NOW,
    ...over,
  };
}

describe('comcheck: reply matching (pure)', function () {
  describe('pingOutcome', function () {
    const cases: Array<[string, PingState, string | null, boolean, boolean, TokenOutcome]> = [
      ['signed, in the window', 'open', BEFORE, true, true, { kind: 'ping', outcome: 'replied', verified: true }],
      ['signed, after the window', 'open', PASSED, true, true, { kind: 'ping', outcome: 'late', verified: true }],
      ['signed, after the close job marked it missed', 'missed', PASSED, true, true, { kind: 'ping', outcome: 'late', verified: true }],
      ['unsigned while signatures are required', 'open', BEFORE, true, false, { kind: 'ping', outcome: 'unverified', verified: false }],
      ['unsigned while they are not', 'open', BEFORE, false, false, { kind: 'ping', outcome: 'replied', verified: false }],
      ['signed after an unsigned one: now it counts', 'unverified', BEFORE, true, true, { kind: 'ping', outcome: 'replied', verified: true }],
      ['unsigned again', 'unverified', BEFORE, true, false, { kind: 'ping', outcome: 'duplicate' }],
      ['a second reply', 'replied', BEFORE, true, true, { kind: 'ping', outcome: 'duplicate' }],
      ['a second late reply', 'late', PASSED, true, true, { kind: 'ping', outcome: 'duplicate' }],
      ['the deadline instant still counts', 'open', NOW.toISOString(), true, true, { kind: 'ping', outcome: 'replied', verified: true }],
    ];
    for (const [name, state, closesAt, requireSigned, signed, want] of cases) {
      it(name, () => expect(pingOutcome({ state, closesAt, requireSigned }, signed, NOW)).to.deep.equal(want));
    }
  });

  describe('welcomeOutcome', function () {
    it('confirmed only when signed by the key the welcome went to', () => {
      expect(welcomeOutcome({ fingerprint: ALICE.fingerprint }, ALICE, true)).to.deep.equal({ kind: 'welcome', outcome: 'confirmed' });
      expect(welcomeOutcome({ fingerprint: ALICE.fingerprint }, ALICE, false)).to.deep.equal({ kind: 'welcome', outcome: 'unsigned' });
      expect(welcomeOutcome({ fingerprint: 'B'.repeat(40) }, ALICE, true)).to.deep.equal({ kind: 'welcome', outcome: 'stale' });
    });
  });

  describe('judgeReply', function () {
    const table: Array<[string, Partial<ReplyFacts>, ReturnType<typeof judgeReply>]> = [
      ['a good reply', {}, { ignored: null, tokens: [{ kind: 'ping', outcome: 'replied', verified: true }] }],
      ['no token in it', { tokens: [] }, { ignored: 'no-token', tokens: [] }],
      ['an unknown token', { tokens: [{ kind: 'unknown' }] }, { ignored: null, tokens: [{ kind: 'ignored', reason: 'unknown-token' }] }],
      [
        "another member's token",
        { tokens: [ping('open', BEFORE, true, 'bob@b.test')] },
        { ignored: null, tokens: [{ kind: 'ignored', reason: 'wrong-address' }] },
      ],
      ['from a non-member', { member: undefined, fromAddress: 'eve@e.test', envelopeFrom: 'eve@e.test' }, { ignored: 'not-a-member', tokens: [{ kind: 'ignored', reason: 'wrong-address' }] }],
      ['envelope and From differ', { envelopeFrom: 'eve@e.test' }, { ignored: 'envelope-mismatch', tokens: [{ kind: 'ignored', reason: 'wrong-address' }] }],
      ['the null sender', { envelopeFrom: null, automatic: true }, { ignored: 'automatic', tokens: [{ kind: 'ignored', reason: 'wrong-address' }] }],
      ['an auto-reply', { automatic: true }, { ignored: 'automatic', tokens: [{ kind: 'ignored', reason: 'wrong-address' }] }],
      ['envelope in other case', { envelopeFrom: 'Alice@A.test' }, { ignored: null, tokens: [{ kind: 'ping', outcome: 'replied', verified: true }] }],
      [
        'two pings and a welcome in one reply',
        { tokens: [ping('open'), ping('replied'), { kind: 'welcome', email: ALICE.email, fingerprint: ALICE.fingerprint }] },
        {
          ignored: null,
          tokens: [
            { kind: 'ping', outcome: 'replied', verified: true },
            { kind: 'ping', outcome: 'duplicate' },
            { kind: 'welcome', outcome: 'confirmed' },
          ],
        },
      ],
      ['a welcome unsigned', { signedByMember: false, tokens: [{ kind: 'welcome', email: ALICE.email, fingerprint: ALICE.fingerprint }] }, { ignored: null, tokens: [{ kind: 'welcome', outcome: 'unsigned' }] }],
    ];
    for (const [name, over, want] of table) {
      it(name, () => expect(judgeReply(facts(over))).to.deep.equal(want));
    }
  });
});
