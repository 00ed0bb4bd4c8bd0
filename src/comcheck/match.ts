import type { PingState } from '../store/comcheck-records.js';
import type { MemberStatus } from '../store/records.js';

/**
 * What a message to a list's com-check address means: which pings it answers and which pending
 * enrollments it confirms. Pure: the caller reads the message and looks the tokens up first.
 */

export interface ReplyMember {
  email: string;
  fingerprint: string;
  status: MemberStatus;
}

/** What a token-shaped string in the reply turned out to name. */
export type TokenTarget =
  | { kind: 'unknown' }
  | { kind: 'ping'; email: string; state: PingState; closesAt: string | null; requireSigned: boolean }
  | { kind: 'welcome'; email: string; fingerprint: string };

export interface ReplyFacts {
  fromAddress: string | null;
  envelopeFrom: string | null;
  /** Auto-Submitted other than no, Precedence bulk/junk/list, a report, our own loop marker, or the null sender. */
  automatic: boolean;
  /** The member (active or pending) the From address names. */
  member: ReplyMember | undefined;
  /** A valid signature by the member's enrolled key and no broken signature beside it. */
  signedByMember: boolean;
  tokens: readonly TokenTarget[];
  now: Date;
}

/** Why a whole message counts for nothing. */
export type IgnoreReason = 'automatic' | 'envelope-mismatch' | 'not-a-member' | 'no-token';

export type TokenOutcome =
  | { kind: 'ping'; outcome: 'replied' | 'late' | 'unverified'; verified: boolean }
  | { kind: 'ping'; outcome: 'duplicate' }
  | { kind: 'welcome'; outcome: 'confirmed' | 'unsigned' | 'stale' }
  | { kind: 'ignored'; reason: 'unknown-token' | 'wrong-address' };

export interface ReplyJudgement {
  ignored: IgnoreReason | null;
  /** One outcome per entry of `tokens`, in the same order. */
  tokens: TokenOutcome[];
}

/**
 * A ping answered: counted (replied in the window, late after it) when signed by the member's key
 * or when the run did not require a signature; otherwise "replied, unverified", which a later
 * signed reply can still turn into a counted one. A ping counted once stays as it is.
 */
export function pingOutcome(
  p: { state: PingState; closesAt: string | null; requireSigned: boolean },
  signed: boolean,
  now: Date,
): TokenOutcome {
  if (p.state === 'replied' || p.state === 'late') return { kind: 'ping', outcome: 'duplicate' };
  const counts = signed || !p.requireSigned;
  if (!counts) return p.state === 'unverified' ? { kind: 'ping', outcome: 'duplicate' } : { kind: 'ping', outcome: 'unverified', verified: false };
  const onTime = p.closesAt !== null && now.getTime() <= Date.parse(p.closesAt);
  return { kind: 'ping', outcome: onTime ? 'replied' : 'late', verified: signed };
}

/** A welcome answered: only a reply signed by the key the welcome was encrypted to confirms. */
export function welcomeOutcome(w: { fingerprint: string }, member: ReplyMember, signed: boolean): TokenOutcome {
  if (w.fingerprint !== member.fingerprint) return { kind: 'welcome', outcome: 'stale' };
  return { kind: 'welcome', outcome: signed ? 'confirmed' : 'unsigned' };
}

function unattributed(t: TokenTarget): TokenOutcome {
  return { kind: 'ignored', reason: t.kind === 'unknown' ? 'unknown-token' : 'wrong-address' };
}

export function judgeReply(f: ReplyFacts): ReplyJudgement {
  const none = (ignored: IgnoreReason): ReplyJudgement => ({ ignored, tokens: f.tokens.map(unattributed) });
  if (f.automatic) return none('automatic');
  if (f.tokens.length === 0) return { ignored: 'no-token', tokens: [] };
  // As for posts: the envelope and From must name the same address, or anyone could answer for anyone.
  if (f.fromAddress === null || f.envelopeFrom === null || f.envelopeFrom.toLowerCase() !== f.fromAddress) {
    return none('envelope-mismatch');
  }
  const member = f.member;
  if (!member) return none('not-a-member');
  const tokens = f.tokens.map((t): TokenOutcome => {
    if (t.kind === 'unknown' || t.email !== member.email) return unattributed(t);
    if (t.kind === 'ping') return pingOutcome(t, f.signedByMember, f.now);
    return welcomeOutcome(t, member, f.signedByMember);
  });
  return { ignored: null, tokens };
}
