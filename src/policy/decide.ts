/**
 * THE decision: every rule runs for every message, in a fixed order, and the first refusal wins.
 * The returned verdict is frozen; nothing downstream may turn a refusal into a delivery.
 *
 * Order: message hygiene (loop, automatic, structure), then encryption, then signature, then
 * membership, then replay, then TLP. Signatures are judged before membership on purpose: an
 * outsider forging a member's address without that member's key gets the same signature refusal
 * whether or not the address is a member, so the replies do not reveal the membership.
 */
import type { MessageFacts } from './facts.js';
import type { ListOptions } from './options.js';
import { effectiveTlp, tlpRank } from './tlp-labels.js';
import { refusal } from './verdict.js';
import type { Acceptance, Refusal, RefusalReason, Verdict } from './verdict.js';

type Rule = (f: MessageFacts, o: ListOptions) => RefusalReason | null;

const hygiene: Rule = (f) => {
  if (f.loop) return 'loop';
  // <> is the reverse path of bounces and notifications (RFC 5321, RFC 3834): never a post.
  if (f.autoSubmitted || f.envelopeFrom === null) return 'auto-reply';
  if (f.malformed !== null) return 'malformed';
  return null;
};

const encryption: Rule = (f, o) => {
  // Always refused, even when plain mail is allowed: the unencrypted parts were not covered by
  // what was decrypted and verified, and would be passed off as such after re-signing.
  if (f.encryption === 'partial') return 'partially-encrypted';
  if (f.encryption === 'none' && o['receive-encrypted-only']) return 'not-encrypted';
  if (f.encryption === 'inline' && !o['accept-inline-pgp']) return 'inline-not-accepted';
  // A failed decryption is refused whatever the encryption fact says: contradictory facts from
  // the pipeline must not add up to an acceptance.
  if (f.decryption === 'not-for-list') return 'not-for-list';
  if (f.decryption === 'failed') return 'decrypt-failed';
  // An encrypted message the pipeline did not report as decrypted is not decrypted.
  if (f.encryption !== 'none' && f.decryption !== 'ok') return 'decrypt-failed';
  return null;
};

/**
 * Owner mail from an outsider cannot carry an enrolled key; anything that claims a member's
 * address (envelope or From) must prove it like a post would.
 */
function signatureRequired(f: MessageFacts, o: ListOptions): boolean {
  if (!o['require-signature']) return false;
  return !(f.target === 'owner' && !f.envelopeIsMember && !f.fromIsMember);
}

const signature: Rule = (f, o) => {
  const s = f.signature;
  // A signature that is present but wrong is refused whatever require-signature says: once the
  // list re-signs, members could no longer tell it was bad.
  switch (s.status) {
    case 'bad':
      return 'bad-signature';
    case 'expired-key':
      return 'expired-key';
    case 'revoked-key':
      return 'revoked-key';
    case 'valid':
      if (s.byMember === 'sender') return null;
      if (s.byMember === 'other-member') return 'signed-by-other-member';
      return signatureRequired(f, o) ? 'signed-by-non-member' : null;
    case 'unknown-key':
      return signatureRequired(f, o) ? 'unknown-key' : null;
    case 'none':
      return signatureRequired(f, o) ? 'unsigned' : null;
  }
};

const membership: Rule = (f, o) => {
  if (f.target === 'owner' || !o['members-only']) return null;
  if (f.envelopeFrom === null || !f.envelopeIsMember) return 'sender-not-member';
  if (f.fromAddress === null || !f.fromIsMember) return 'from-not-member';
  if (f.envelopeFrom.toLowerCase() !== f.fromAddress.toLowerCase()) return 'sender-mismatch';
  return null;
};

const replay: Rule = (f) => (f.replay ? 'replay' : null);

const tlp: Rule = (f, o) => {
  const max = tlpRank(o['max-tlp']);
  const found = effectiveTlp(f.tlpLabels);
  if (found !== null) return tlpRank(found) > max ? 'tlp-above-max' : null;
  if (o['require-tlp']) return 'tlp-missing';
  return tlpRank(o['default-tlp']) > max ? 'tlp-default-above-max' : null;
};

const RULES: readonly Rule[] = [hygiene, encryption, signature, membership, replay, tlp];

/** Every refusal that applies, in rule order (for the log and for tests); decide() returns the first. */
export function refusals(facts: MessageFacts, options: ListOptions): Refusal[] {
  const out: Refusal[] = [];
  for (const rule of RULES) {
    const reason = rule(facts, options);
    if (reason !== null) out.push(refusal(reason, facts, options));
  }
  return out;
}

export function decide(facts: MessageFacts, options: ListOptions): Verdict {
  const first = refusals(facts, options)[0];
  if (first !== undefined) return first;
  const found = effectiveTlp(facts.tlpLabels);
  const accepted: Acceptance =
    found === null
      ? { accept: true, tlp: options['default-tlp'], tlpFromDefault: true }
      : { accept: true, tlp: found, tlpFromDefault: false };
  return Object.freeze(accepted);
}

export { formatReply, REFUSAL_REASONS } from './verdict.js';
export type { Acceptance, Refusal, RefusalReason, Verdict } from './verdict.js';
export type { MessageFacts, SignatureFact, MessageTarget, Encryption, Decryption, SignatureSigner } from './facts.js';
