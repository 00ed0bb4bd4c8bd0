import type { MessageFacts, SignatureFact } from '../policy/decide.js';
import { findTlpLabels, type TlpLabel } from '../policy/tlp.js';
import type { SignatureReport } from '../pgp/decrypt.js';
import type { MemberRecord } from '../store/records.js';
import type { ReadMessage } from './read.js';

/**
 * Turning what was read into the facts the decision function judges. Pure: the store lookups
 * (members, replay) are done by the caller and passed in.
 */

export interface Membership {
  /** Members who may post and receive (confirmed). */
  readonly byEmail: ReadonlyMap<string, MemberRecord>;
  readonly byFingerprint: ReadonlyMap<string, MemberRecord>;
}

export function membership(members: readonly MemberRecord[]): Membership {
  const active = members.filter((m) => m.status === 'active');
  return {
    byEmail: new Map(active.map((m) => [m.email, m])),
    byFingerprint: new Map(active.map((m) => [m.fingerprint, m])),
  };
}

const BAD_ORDER: ReadonlyArray<SignatureReport['status']> = ['bad', 'revoked-key', 'expired-key'];

/** The sender: the member the From address names (the envelope must match it; policy checks that). */
export function senderOf(read: ReadMessage, m: Membership): MemberRecord | undefined {
  const from = read.outer?.headers.from?.address.toLowerCase();
  return from ? m.byEmail.get(from) : undefined;
}

/**
 * One fact for all signatures: any broken one (bad, revoked, expired) wins, so a valid signature
 * cannot launder a forged one beside it; then a valid one by the sender; then by someone else.
 */
export function signatureFact(read: ReadMessage, sender: MemberRecord | undefined, m: Membership): SignatureFact {
  for (const status of BAD_ORDER) {
    if (read.signatures.some((s) => s.status === status)) {
      return status === 'bad' ? { status: 'bad' } : status === 'revoked-key' ? { status: 'revoked-key' } : { status: 'expired-key' };
    }
  }
  if (read.signatures.length === 0 || read.unsignedPiece) return { status: 'none' };
  const valid = read.signatures.filter((s) => s.status === 'valid' && s.signerFingerprint !== undefined);
  const bySender = sender ? valid.find((s) => s.signerFingerprint === sender.fingerprint) : undefined;
  if (bySender?.signerFingerprint) return { status: 'valid', fingerprint: bySender.signerFingerprint, byMember: 'sender' };
  const other = valid[0];
  if (other?.signerFingerprint) {
    const byMember = m.byFingerprint.has(other.signerFingerprint) ? 'other-member' : 'non-member';
    return { status: 'valid', fingerprint: other.signerFingerprint, byMember };
  }
  return { status: 'unknown-key' };
}

/** The replay key: the digest of the sender's valid signature (null when there is none). */
export function replayDigest(read: ReadMessage, sig: SignatureFact): string | null {
  if (sig.status !== 'valid') return null;
  return read.signatures.find((s) => s.status === 'valid' && s.signerFingerprint === sig.fingerprint)?.digest ?? null;
}

export function tlpLabelsOf(read: ReadMessage): TlpLabel[] {
  const labels: TlpLabel[] = [];
  for (const t of read.texts) for (const f of findTlpLabels(t)) labels.push(f.label);
  return labels;
}

export interface FactInput {
  target: 'post' | 'owner';
  envelopeFrom: string | null;
  listAddress: string;
  listIdentifier: string;
  read: ReadMessage;
  membership: Membership;
  signature: SignatureFact;
  replay: boolean;
}

const BULK = new Set(['bulk', 'junk', 'list']);

export function buildFacts(i: FactInput): MessageFacts {
  const h = i.read.outer?.headers;
  const fromAddress = h?.from?.address.toLowerCase() ?? null;
  const loop = !!h && (h.xLoop.includes(i.listAddress) || h.listId === i.listIdentifier);
  const autoSubmitted =
    i.envelopeFrom === null ||
    !!i.read.outer?.isReport ||
    (!!h && ((h.autoSubmitted !== null && h.autoSubmitted !== 'no') || (h.precedence !== null && BULK.has(h.precedence))));
  return {
    target: i.target,
    envelopeFrom: i.envelopeFrom,
    fromAddress,
    envelopeIsMember: i.envelopeFrom !== null && i.membership.byEmail.has(i.envelopeFrom),
    fromIsMember: fromAddress !== null && i.membership.byEmail.has(fromAddress),
    loop,
    autoSubmitted,
    malformed: i.read.malformed,
    encryption: i.read.encryption,
    decryption: i.read.decryption,
    signature: i.signature,
    tlpLabels: tlpLabelsOf(i.read),
    replay: i.replay,
  };
}
