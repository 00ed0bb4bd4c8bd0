/**
 * Verdicts, refusal reasons and their SMTP replies. A reply goes back in the SMTP conversation and,
 * through the sender's MTA, into a bounce: so each text is one ASCII sentence that tells the sender
 * what to fix and says nothing about the list's members or the message's content.
 */
import type { MessageFacts } from './facts.js';
import type { ListOptions } from './options.js';
import { effectiveTlp } from './tlp-labels.js';
import type { TlpLabel } from './tlp-labels.js';

export const REFUSAL_REASONS = [
  'loop',
  'auto-reply',
  'malformed',
  'partially-encrypted',
  'not-encrypted',
  'inline-not-accepted',
  'not-for-list',
  'decrypt-failed',
  'bad-signature',
  'expired-key',
  'revoked-key',
  'signed-by-other-member',
  'signed-by-non-member',
  'unknown-key',
  'unsigned',
  'sender-not-member',
  'from-not-member',
  'sender-mismatch',
  'replay',
  'tlp-above-max',
  'tlp-missing',
  'tlp-default-above-max',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface Acceptance {
  readonly accept: true;
  readonly tlp: TlpLabel;
  /** No label was found; `tlp` is the list's default-tlp. */
  readonly tlpFromDefault: boolean;
}

export interface Refusal {
  readonly accept: false;
  readonly reason: RefusalReason;
  readonly code: 550 | 552 | 554;
  readonly enhanced: string;
  readonly text: string;
}

export type Verdict = Acceptance | Refusal;

interface ReplySpec {
  readonly code: Refusal['code'];
  readonly enhanced: string;
  readonly text: (facts: MessageFacts, options: ListOptions) => string;
}

/** Printable ASCII, one short line: the detail comes from a parser and ends up in a reply line. */
function safeDetail(detail: string | null): string {
  const flat = (detail ?? 'unknown error').replace(/[^\x20-\x7e]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat || 'unknown error';
}

// Who signed with a key other than the sender's is nobody's business but the list's: one reply
// for all three cases, or the reply would tell a prober whether a key belongs to a member.
const WRONG_KEY: ReplySpec = {
  code: 550,
  enhanced: '5.7.1',
  text: () => "The message is not signed with the key enrolled for the sender's address; sign it with your enrolled key",
};

const MEMBERS_ONLY = 'send from the address you are enrolled with';

const REPLIES: { readonly [R in RefusalReason]: ReplySpec } = {
  loop: { code: 554, enhanced: '5.4.6', text: () => 'This message has already passed through this list (mail loop) and was not sent again' },
  'auto-reply': {
    code: 550,
    enhanced: '5.7.1',
    text: () => 'This list does not accept automatic messages (auto-replies, delivery reports, bulk mail or a null sender)',
  },
  malformed: {
    code: 554,
    enhanced: '5.6.0',
    text: (f) => `The message structure is invalid (${safeDetail(f.malformed)}); send it again as standard PGP/MIME`,
  },
  'partially-encrypted': {
    code: 550,
    enhanced: '5.7.1',
    text: () => "Part of this message is not encrypted; encrypt the whole message to the list's key as PGP/MIME",
  },
  'not-encrypted': {
    code: 550,
    enhanced: '5.7.1',
    text: () => "This list accepts only encrypted mail; encrypt the message to the list's OpenPGP key",
  },
  'inline-not-accepted': {
    code: 550,
    enhanced: '5.7.1',
    text: () => 'This list does not accept inline PGP; send the message as PGP/MIME',
  },
  'not-for-list': {
    code: 550,
    enhanced: '5.7.5',
    text: () => "The message is not encrypted to this list's key; encrypt it to the list's current OpenPGP key",
  },
  'decrypt-failed': {
    code: 550,
    enhanced: '5.7.5',
    text: () => "The message could not be decrypted; encrypt it again to the list's current OpenPGP key",
  },
  'bad-signature': {
    code: 550,
    enhanced: '5.7.7',
    text: () => 'The message signature does not verify (the message may have been altered); sign it again and resend',
  },
  'expired-key': {
    code: 550,
    enhanced: '5.7.7',
    text: () => 'The message is signed with an expired key; extend or replace your key, have it enrolled, and resend',
  },
  'revoked-key': {
    code: 550,
    enhanced: '5.7.7',
    text: () => 'The message is signed with a revoked key; have a new key enrolled and sign with it',
  },
  'signed-by-other-member': WRONG_KEY,
  'signed-by-non-member': WRONG_KEY,
  'unknown-key': WRONG_KEY,
  unsigned: {
    code: 550,
    enhanced: '5.7.1',
    text: () => 'This list requires messages signed with your enrolled OpenPGP key; sign the message and resend',
  },
  'sender-not-member': {
    code: 550,
    enhanced: '5.7.2',
    text: () => `The envelope sender is not a member of this list; ${MEMBERS_ONLY}`,
  },
  'from-not-member': {
    code: 550,
    enhanced: '5.7.2',
    text: () => `The From address is not a member of this list; ${MEMBERS_ONLY}`,
  },
  'sender-mismatch': {
    code: 550,
    enhanced: '5.7.2',
    text: () => `The envelope sender and the From address differ; ${MEMBERS_ONLY} in both`,
  },
  replay: {
    code: 550,
    enhanced: '5.7.1',
    text: () => 'This signed message was already accepted by this list; write a new message instead of resending it',
  },
  'tlp-above-max': {
    code: 550,
    enhanced: '5.7.1',
    text: (f, o) =>
      `${effectiveTlp(f.tlpLabels) ?? 'TLP:RED'} is above this list's maximum ${o['max-tlp']}`,
  },
  'tlp-missing': {
    code: 550,
    enhanced: '5.7.1',
    text: (_f, o) => `This list requires a TLP label; add one (at most ${o['max-tlp']}) to the subject or body`,
  },
  'tlp-default-above-max': {
    code: 550,
    enhanced: '5.7.1',
    text: (_f, o) =>
      `Unlabelled mail gets this list's default ${o['default-tlp']}, above its maximum ${o['max-tlp']}; add a TLP label of at most ${o['max-tlp']}`,
  },
};

export function refusal(reason: RefusalReason, facts: MessageFacts, options: ListOptions): Refusal {
  const spec = REPLIES[reason];
  return Object.freeze({ accept: false, reason, code: spec.code, enhanced: spec.enhanced, text: spec.text(facts, options) });
}

/** The full SMTP reply line: `<code> <enhanced> <text>`. */
export function formatReply(v: Refusal): string {
  return `${v.code} ${v.enhanced} ${v.text}`;
}
