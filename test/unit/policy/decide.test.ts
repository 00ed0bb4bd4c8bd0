import { expect } from 'chai';
import fc from 'fast-check';
import { REFUSAL_REASONS, decide, formatReply, refusals } from '../../../src/policy/decide.js';
import type { MessageFacts, RefusalReason, SignatureFact, Verdict } from '../../../src/policy/decide.js';
import { DEFAULT_LIST_OPTIONS } from '../../../src/policy/options.js';
import type { ListOptions } from '../../../src/policy/options.js';
import { TLP_LABELS, tlpRank } from '../../../src/policy/tlp.js';
import type { TlpLabel } from '../../../src/policy/tlp.js';

const ALICE = 'alice@cert.example';
const FPR = '0123456789ABCDEF0123456789ABCDEF01234567';

/** A member's well-formed, encrypted, signed, labelled post: accepted under the defaults. */
const GOOD: MessageFacts = {
  target: 'post',
  envelopeFrom: ALICE,
  fromAddress: ALICE,
  envelopeIsMember: true,
  fromIsMember: true,
  loop: false,
  autoSubmitted: false,
  malformed: null,
  encryption: 'pgp-mime',
  decryption: 'ok',
  signature: { status: 'valid', fingerprint: FPR, byMember: 'sender' },
  tlpLabels: ['TLP:GREEN'],
  replay: false,
};

const OUTSIDER: Partial<MessageFacts> = {
  envelopeFrom: 'someone@elsewhere.example',
  fromAddress: 'someone@elsewhere.example',
  envelopeIsMember: false,
  fromIsMember: false,
};

const facts = (patch: Partial<MessageFacts>): MessageFacts => ({ ...GOOD, ...patch });
const opts = (patch: Partial<ListOptions>): ListOptions => ({ ...DEFAULT_LIST_OPTIONS, ...patch });

const WRONG_KEY = "550 5.7.1 The message is not signed with the key enrolled for the sender's address; sign it with your enrolled key";

interface RefuseRow {
  readonly name: string;
  readonly facts: Partial<MessageFacts>;
  readonly options?: Partial<ListOptions>;
  readonly reason: RefusalReason;
  readonly reply: string;
}

const REFUSE: readonly RefuseRow[] = [
  { name: 'our own loop marker', facts: { loop: true }, reason: 'loop', reply: '554 5.4.6 This message has already passed through this list (mail loop) and was not sent again' },
  {
    name: 'an auto-reply',
    facts: { autoSubmitted: true },
    reason: 'auto-reply',
    reply: '550 5.7.1 This list does not accept automatic messages (auto-replies, delivery reports, bulk mail or a null sender)',
  },
  { name: 'the null reverse path', facts: { envelopeFrom: null }, reason: 'auto-reply', reply: '550 5.7.1 This list does not accept automatic messages (auto-replies, delivery reports, bulk mail or a null sender)' },
  {
    name: 'malformed MIME',
    facts: { malformed: 'multipart/encrypted without a Version: 1 part' },
    reason: 'malformed',
    reply: '554 5.6.0 The message structure is invalid (multipart/encrypted without a Version: 1 part); send it again as standard PGP/MIME',
  },
  {
    name: 'malformed, with a line break and non-ASCII in the parser text',
    facts: { malformed: 'bad\r\nX-Injected: yes \u00e9' },
    reason: 'malformed',
    reply: '554 5.6.0 The message structure is invalid (bad X-Injected: yes); send it again as standard PGP/MIME',
  },
  {
    name: 'partly encrypted',
    facts: { encryption: 'partial' },
    reason: 'partially-encrypted',
    reply: "550 5.7.1 Part of this message is not encrypted; encrypt the whole message to the list's key as PGP/MIME",
  },
  {
    name: 'partly encrypted, even when plain mail is allowed',
    facts: { encryption: 'partial' },
    options: { 'receive-encrypted-only': false },
    reason: 'partially-encrypted',
    reply: "550 5.7.1 Part of this message is not encrypted; encrypt the whole message to the list's key as PGP/MIME",
  },
  {
    name: 'plain text',
    facts: { encryption: 'none', decryption: 'not-applicable' },
    reason: 'not-encrypted',
    reply: "550 5.7.1 This list accepts only encrypted mail; encrypt the message to the list's OpenPGP key",
  },
  {
    name: 'inline PGP when the list takes PGP/MIME only',
    facts: { encryption: 'inline' },
    options: { 'accept-inline-pgp': false },
    reason: 'inline-not-accepted',
    reply: '550 5.7.1 This list does not accept inline PGP; send the message as PGP/MIME',
  },
  {
    name: 'encrypted to another key',
    facts: { decryption: 'not-for-list' },
    reason: 'not-for-list',
    reply: "550 5.7.5 The message is not encrypted to this list's key; encrypt it to the list's current OpenPGP key",
  },
  {
    name: 'decryption failed',
    facts: { decryption: 'failed' },
    reason: 'decrypt-failed',
    reply: "550 5.7.5 The message could not be decrypted; encrypt it again to the list's current OpenPGP key",
  },
  {
    name: 'plain text allowed, but the pipeline reports a failed decryption',
    facts: { encryption: 'none', decryption: 'failed' },
    options: { 'receive-encrypted-only': false },
    reason: 'decrypt-failed',
    reply: "550 5.7.5 The message could not be decrypted; encrypt it again to the list's current OpenPGP key",
  },
  {
    name: 'encrypted but not reported as decrypted',
    facts: { decryption: 'not-applicable' },
    reason: 'decrypt-failed',
    reply: "550 5.7.5 The message could not be decrypted; encrypt it again to the list's current OpenPGP key",
  },
  {
    name: 'bad signature',
    facts: { signature: { status: 'bad' } },
    reason: 'bad-signature',
    reply: '550 5.7.7 The message signature does not verify (the message may have been altered); sign it again and resend',
  },
  {
    name: 'bad signature when signatures are optional',
    facts: { signature: { status: 'bad' } },
    options: { 'require-signature': false },
    reason: 'bad-signature',
    reply: '550 5.7.7 The message signature does not verify (the message may have been altered); sign it again and resend',
  },
  {
    name: 'bad signature on owner mail from an outsider',
    facts: { ...OUTSIDER, target: 'owner', signature: { status: 'bad' } },
    reason: 'bad-signature',
    reply: '550 5.7.7 The message signature does not verify (the message may have been altered); sign it again and resend',
  },
  {
    name: 'expired key',
    facts: { signature: { status: 'expired-key' } },
    reason: 'expired-key',
    reply: '550 5.7.7 The message is signed with an expired key; extend or replace your key, have it enrolled, and resend',
  },
  {
    name: 'revoked key, signatures optional',
    facts: { signature: { status: 'revoked-key' } },
    options: { 'require-signature': false },
    reason: 'revoked-key',
    reply: '550 5.7.7 The message is signed with a revoked key; have a new key enrolled and sign with it',
  },
  {
    name: "signed with another member's key",
    facts: { signature: { status: 'valid', fingerprint: FPR, byMember: 'other-member' } },
    reason: 'signed-by-other-member',
    reply: WRONG_KEY,
  },
  {
    name: "signed with another member's key, signatures optional",
    facts: { signature: { status: 'valid', fingerprint: FPR, byMember: 'other-member' } },
    options: { 'require-signature': false },
    reason: 'signed-by-other-member',
    reply: WRONG_KEY,
  },
  {
    name: "signed with a non-member's key",
    facts: { signature: { status: 'valid', fingerprint: FPR, byMember: 'non-member' } },
    reason: 'signed-by-non-member',
    reply: WRONG_KEY,
  },
  { name: 'signed with an unknown key', facts: { signature: { status: 'unknown-key' } }, reason: 'unknown-key', reply: WRONG_KEY },
  {
    name: 'unsigned',
    facts: { signature: { status: 'none' } },
    reason: 'unsigned',
    reply: '550 5.7.1 This list requires messages signed with your enrolled OpenPGP key; sign the message and resend',
  },
  {
    name: "unsigned owner mail claiming a member's From",
    facts: { target: 'owner', envelopeFrom: 'x@elsewhere.example', envelopeIsMember: false, signature: { status: 'none' } },
    reason: 'unsigned',
    reply: '550 5.7.1 This list requires messages signed with your enrolled OpenPGP key; sign the message and resend',
  },
  {
    name: 'envelope sender not a member',
    facts: { envelopeIsMember: false },
    reason: 'sender-not-member',
    reply: '550 5.7.2 The envelope sender is not a member of this list; send from the address you are enrolled with',
  },
  {
    name: 'From not a member',
    facts: { fromIsMember: false },
    reason: 'from-not-member',
    reply: '550 5.7.2 The From address is not a member of this list; send from the address you are enrolled with',
  },
  {
    name: 'From missing',
    facts: { fromAddress: null, fromIsMember: false },
    reason: 'from-not-member',
    reply: '550 5.7.2 The From address is not a member of this list; send from the address you are enrolled with',
  },
  {
    name: 'envelope and From are different members',
    facts: { envelopeFrom: 'bob@cert.example' },
    reason: 'sender-mismatch',
    reply: '550 5.7.2 The envelope sender and the From address differ; send from the address you are enrolled with in both',
  },
  {
    name: 'a replayed signature',
    facts: { replay: true },
    reason: 'replay',
    reply: '550 5.7.1 This signed message was already accepted by this list; write a new message instead of resending it',
  },
  {
    name: 'TLP:RED on an AMBER+STRICT list',
    facts: { tlpLabels: ['TLP:GREEN', 'TLP:RED'] },
    reason: 'tlp-above-max',
    reply: "550 5.7.1 TLP:RED is above this list's maximum TLP:AMBER+STRICT",
  },
  {
    name: 'TLP:AMBER on a GREEN list',
    facts: { tlpLabels: ['TLP:AMBER'] },
    options: { 'max-tlp': 'TLP:GREEN' },
    reason: 'tlp-above-max',
    reply: "550 5.7.1 TLP:AMBER is above this list's maximum TLP:GREEN",
  },
  {
    name: 'no label',
    facts: { tlpLabels: [] },
    reason: 'tlp-missing',
    reply: '550 5.7.1 This list requires a TLP label; add one (at most TLP:AMBER+STRICT) to the subject or body',
  },
  {
    name: 'no label, and the default is above the maximum',
    facts: { tlpLabels: [] },
    options: { 'require-tlp': false, 'default-tlp': 'TLP:AMBER', 'max-tlp': 'TLP:GREEN' },
    reason: 'tlp-default-above-max',
    reply: "550 5.7.1 Unlabelled mail gets this list's default TLP:AMBER, above its maximum TLP:GREEN; add a TLP label of at most TLP:GREEN",
  },
];

interface AcceptRow {
  readonly name: string;
  readonly facts: Partial<MessageFacts>;
  readonly options?: Partial<ListOptions>;
  readonly tlp: TlpLabel;
  readonly fromDefault: boolean;
}

const ACCEPT: readonly AcceptRow[] = [
  { name: "a member's signed, encrypted, labelled post", facts: {}, tlp: 'TLP:GREEN', fromDefault: false },
  { name: 'a label at the maximum', facts: { tlpLabels: ['TLP:AMBER+STRICT'] }, tlp: 'TLP:AMBER+STRICT', fromDefault: false },
  { name: 'several labels: the most restrictive', facts: { tlpLabels: ['TLP:CLEAR', 'TLP:AMBER', 'TLP:GREEN'] }, tlp: 'TLP:AMBER', fromDefault: false },
  { name: 'TLP:RED on a RED list', facts: { tlpLabels: ['TLP:RED'] }, options: { 'max-tlp': 'TLP:RED' }, tlp: 'TLP:RED', fromDefault: false },
  { name: 'unlabelled, labels optional: the default', facts: { tlpLabels: [] }, options: { 'require-tlp': false }, tlp: 'TLP:AMBER', fromDefault: true },
  { name: 'inline PGP', facts: { encryption: 'inline' }, tlp: 'TLP:GREEN', fromDefault: false },
  {
    name: 'plain text when the list allows it',
    facts: { encryption: 'none', decryption: 'not-applicable' },
    options: { 'receive-encrypted-only': false },
    tlp: 'TLP:GREEN',
    fromDefault: false,
  },
  { name: 'unsigned when signatures are optional', facts: { signature: { status: 'none' } }, options: { 'require-signature': false }, tlp: 'TLP:GREEN', fromDefault: false },
  {
    name: 'unknown key when signatures are optional',
    facts: { signature: { status: 'unknown-key' } },
    options: { 'require-signature': false },
    tlp: 'TLP:GREEN',
    fromDefault: false,
  },
  { name: 'envelope and From differ only in case', facts: { envelopeFrom: 'Alice@CERT.example' }, tlp: 'TLP:GREEN', fromDefault: false },
  {
    name: 'a non-member on an open, unsigned list',
    facts: { ...OUTSIDER, signature: { status: 'none' } },
    options: { 'members-only': false, 'require-signature': false },
    tlp: 'TLP:GREEN',
    fromDefault: false,
  },
  { name: 'owner mail from an outsider, unsigned', facts: { ...OUTSIDER, target: 'owner', signature: { status: 'none' } }, tlp: 'TLP:GREEN', fromDefault: false },
  {
    name: "owner mail from an outsider, signed with a key we don't know",
    facts: { ...OUTSIDER, target: 'owner', signature: { status: 'unknown-key' } },
    tlp: 'TLP:GREEN',
    fromDefault: false,
  },
  { name: 'owner mail from a member', facts: { target: 'owner' }, tlp: 'TLP:GREEN', fromDefault: false },
];

describe('policy/decide: table', () => {
  for (const row of REFUSE) {
    it(`refuses ${row.name}: ${row.reason}`, () => {
      const v = decide(facts(row.facts), opts(row.options ?? {}));
      if (v.accept) expect.fail(`accepted: ${JSON.stringify(v)}`);
      expect(v.reason).to.equal(row.reason);
      expect(formatReply(v)).to.equal(row.reply);
    });
  }
  for (const row of ACCEPT) {
    it(`accepts ${row.name}`, () => {
      const v = decide(facts(row.facts), opts(row.options ?? {}));
      expect(v).to.deep.equal({ accept: true, tlp: row.tlp, tlpFromDefault: row.fromDefault });
    });
  }

  it('has a row for every refusal reason', () => {
    const covered = new Set(REFUSE.map((r) => r.reason));
    expect(REFUSAL_REASONS.filter((r) => !covered.has(r))).to.deep.equal([]);
  });

  it('the first refusal wins: a loop that is also unsigned, unlabelled and from a non-member is a loop', () => {
    const f = facts({ loop: true, signature: { status: 'none' }, tlpLabels: [], envelopeIsMember: false });
    const all = refusals(f, DEFAULT_LIST_OPTIONS).map((r) => r.reason);
    expect(all).to.deep.equal(['loop', 'unsigned', 'sender-not-member', 'tlp-missing']);
    const v = decide(f, DEFAULT_LIST_OPTIONS);
    expect(v.accept === false && v.reason).to.equal('loop');
  });

  it('verdicts are frozen: a refusal cannot be turned into an acceptance downstream', () => {
    const refused = decide(facts({ replay: true }), DEFAULT_LIST_OPTIONS);
    const accepted = decide(GOOD, DEFAULT_LIST_OPTIONS);
    expect(Object.isFrozen(refused)).to.equal(true);
    expect(Object.isFrozen(accepted)).to.equal(true);
    expect(() => Object.assign(refused, { accept: true })).to.throw(TypeError);
  });
});

// ---- properties ----------------------------------------------------------------------------

/** Mostly the good value, sometimes one of the others, so both verdicts occur often. */
function mostly<T>(good: T, ...others: T[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 5, arbitrary: fc.constant(good) }, { weight: 1, arbitrary: fc.constantFrom(...others) });
}

const signatureArb: fc.Arbitrary<SignatureFact> = mostly<SignatureFact>(
  GOOD.signature,
  { status: 'none' },
  { status: 'bad' },
  { status: 'expired-key' },
  { status: 'revoked-key' },
  { status: 'unknown-key' },
  { status: 'valid', fingerprint: FPR, byMember: 'other-member' },
  { status: 'valid', fingerprint: FPR, byMember: 'non-member' },
);

const factsArb: fc.Arbitrary<MessageFacts> = fc.record({
  target: mostly<MessageFacts['target']>('post', 'owner'),
  envelopeFrom: mostly<string | null>(ALICE, 'ALICE@cert.example', 'bob@cert.example', 'mallory@evil.example', null),
  fromAddress: mostly<string | null>(ALICE, 'bob@cert.example', 'mallory@evil.example', null),
  envelopeIsMember: mostly(true, false),
  fromIsMember: mostly(true, false),
  loop: mostly(false, true),
  autoSubmitted: mostly(false, true),
  malformed: mostly<string | null>(null, 'bad boundary', 'x\r\ny'),
  encryption: mostly<MessageFacts['encryption']>('pgp-mime', 'inline', 'none', 'partial'),
  decryption: mostly<MessageFacts['decryption']>('ok', 'not-for-list', 'failed', 'not-applicable'),
  signature: signatureArb,
  tlpLabels: fc.oneof(
    { weight: 3, arbitrary: fc.array(fc.constantFrom(...TLP_LABELS), { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constant([]) },
  ),
  replay: mostly(false, true),
});

const optionsArb: fc.Arbitrary<ListOptions> = fc
  .record({
    'max-tlp': fc.constantFrom(...TLP_LABELS),
    'default-tlp': fc.constantFrom(...TLP_LABELS),
    'require-tlp': fc.boolean(),
    'receive-encrypted-only': fc.boolean(),
    'members-only': fc.boolean(),
    'require-signature': fc.boolean(),
    'accept-inline-pgp': fc.boolean(),
  })
  .map((o) => ({ ...DEFAULT_LIST_OPTIONS, ...o }));

// The rules again, written independently of decide.ts, one predicate each.
type Predicate = (f: MessageFacts, o: ListOptions) => boolean;
const highest = (labels: readonly TlpLabel[]): TlpLabel | null =>
  labels.length === 0 ? null : labels.reduce((a, b) => (tlpRank(b) > tlpRank(a) ? b : a));
const outsiderToOwner = (f: MessageFacts): boolean => f.target === 'owner' && !f.envelopeIsMember && !f.fromIsMember;
const signedBySender = (f: MessageFacts): boolean => f.signature.status === 'valid' && f.signature.byMember === 'sender';

const RULES: Record<string, Predicate> = {
  'no loop': (f) => !f.loop,
  'not automatic': (f) => !f.autoSubmitted && f.envelopeFrom !== null,
  'well formed': (f) => f.malformed === null,
  'never partly encrypted': (f) => f.encryption !== 'partial',
  'encrypted when required': (f, o) => f.encryption !== 'none' || !o['receive-encrypted-only'],
  'inline only when allowed': (f, o) => f.encryption !== 'inline' || o['accept-inline-pgp'],
  'decrypted when encrypted': (f) => f.encryption === 'none' || f.decryption === 'ok',
  'no failed decryption': (f) => f.decryption !== 'failed' && f.decryption !== 'not-for-list',
  'no broken signature': (f) => !['bad', 'expired-key', 'revoked-key'].includes(f.signature.status),
  "never signed with another member's key": (f) => !(f.signature.status === 'valid' && f.signature.byMember === 'other-member'),
  'signed by the sender when required': (f, o) => !o['require-signature'] || outsiderToOwner(f) || signedBySender(f),
  'members only': (f, o) =>
    f.target === 'owner' ||
    !o['members-only'] ||
    (f.envelopeFrom !== null &&
      f.fromAddress !== null &&
      f.envelopeIsMember &&
      f.fromIsMember &&
      f.envelopeFrom.toLowerCase() === f.fromAddress.toLowerCase()),
  'no replay': (f) => !f.replay,
  'labelled when required': (f, o) => f.tlpLabels.length > 0 || !o['require-tlp'],
  'label within the maximum': (f, o) => tlpRank(highest(f.tlpLabels) ?? o['default-tlp']) <= tlpRank(o['max-tlp']),
};

const failing = (f: MessageFacts, o: ListOptions): string[] => Object.entries(RULES).filter(([, p]) => !p(f, o)).map(([n]) => n);

/** Single changes that make a message no better: [name, change or null when it does not apply]. */
const SIG_RANK = (s: SignatureFact): number => {
  if (s.status === 'valid') return s.byMember === 'sender' ? 0 : s.byMember === 'non-member' ? 2 : 3;
  return { none: 1, 'unknown-key': 2, bad: 3, 'expired-key': 3, 'revoked-key': 3 }[s.status];
};
const ALL_SIGS: readonly SignatureFact[] = [
  GOOD.signature,
  { status: 'none' },
  { status: 'unknown-key' },
  { status: 'valid', fingerprint: FPR, byMember: 'non-member' },
  { status: 'valid', fingerprint: FPR, byMember: 'other-member' },
  { status: 'bad' },
  { status: 'expired-key' },
  { status: 'revoked-key' },
];
const WORSE_ENCRYPTION: Record<MessageFacts['encryption'], Array<MessageFacts['encryption']>> = {
  'pgp-mime': ['inline', 'none', 'partial'],
  inline: ['partial'],
  none: ['partial'],
  partial: [],
};

function worseFacts(f: MessageFacts): MessageFacts[] {
  const out: MessageFacts[] = [
    { ...f, loop: true },
    { ...f, autoSubmitted: true },
    { ...f, malformed: 'bad structure' },
    { ...f, envelopeFrom: null },
    { ...f, fromAddress: null },
    { ...f, replay: true },
    // An encrypted message the pipeline could not decrypt (not-applicable) becomes, as "none",
    // a consistent plain message: plain is not worse than undecryptable where plain is allowed.
    ...WORSE_ENCRYPTION[f.encryption]
      .filter((e) => !(e === 'none' && f.decryption === 'not-applicable'))
      .map((encryption) => ({ ...f, encryption })),
    ...(f.decryption === 'ok' ? (['failed', 'not-for-list', 'not-applicable'] as const).map((decryption) => ({ ...f, decryption })) : []),
    ...ALL_SIGS.filter((s) => SIG_RANK(s) > SIG_RANK(f.signature)).map((signature) => ({ ...f, signature })),
    ...(f.tlpLabels.length > 0 ? TLP_LABELS.map((l) => ({ ...f, tlpLabels: [...f.tlpLabels, l] })) : []),
  ];
  // Membership is a requirement only for posts; on owner mail a member's address is a claim
  // that raises the bar (it must be signed), so losing it is not "worse" there.
  if (f.target === 'post') out.push({ ...f, envelopeIsMember: false }, { ...f, fromIsMember: false });
  return out;
}

function stricterOptions(o: ListOptions): ListOptions[] {
  return [
    { ...o, 'receive-encrypted-only': true },
    { ...o, 'accept-inline-pgp': false },
    { ...o, 'members-only': true },
    { ...o, 'require-signature': true },
    { ...o, 'require-tlp': true },
    ...TLP_LABELS.filter((l) => tlpRank(l) < tlpRank(o['max-tlp'])).map((l) => ({ ...o, 'max-tlp': l })),
    ...TLP_LABELS.filter((l) => tlpRank(l) > tlpRank(o['default-tlp'])).map((l) => ({ ...o, 'default-tlp': l })),
  ];
}

const describeVerdict = (v: Verdict): string => (v.accept ? `accept ${v.tlp}` : `refuse ${v.reason}`);

describe('policy/decide: properties', () => {
  it('accepts exactly when every rule holds, with the right label', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(factsArb, optionsArb, (f, o) => {
        const v = decide(f, o);
        const broken = failing(f, o);
        if (v.accept) {
          accepted++;
          expect(broken, 'accepted although').to.deep.equal([]);
          expect(v.tlp).to.equal(highest(f.tlpLabels) ?? o['default-tlp']);
          expect(v.tlpFromDefault).to.equal(f.tlpLabels.length === 0);
        } else {
          refused++;
          expect(broken, `refused (${v.reason}) although every rule holds`).not.to.deep.equal([]);
        }
      }),
      { numRuns: 20000 },
    );
    // Guards the generators: the property is only worth something if both verdicts occur often.
    expect(accepted).to.be.above(1000);
    expect(refused).to.be.above(1000);
  });

  it('making one fact of a refused message worse never yields accept', () => {
    let checked = 0;
    fc.assert(
      fc.property(factsArb, optionsArb, (f, o) => {
        const v = decide(f, o);
        fc.pre(!v.accept);
        for (const worse of worseFacts(f)) {
          checked++;
          const w = decide(worse, o);
          expect(w.accept, `${describeVerdict(v)} became ${describeVerdict(w)} for ${JSON.stringify(worse)}`).to.equal(false);
        }
      }),
      { numRuns: 5000 },
    );
    expect(checked).to.be.above(10000);
  });

  it('tightening one option never turns a refusal into an acceptance', () => {
    fc.assert(
      fc.property(factsArb, optionsArb, (f, o) => {
        fc.pre(!decide(f, o).accept);
        for (const stricter of stricterOptions(o)) expect(decide(f, stricter).accept).to.equal(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('decide returns the first of refusals(), and refusals() is empty exactly when it accepts', () => {
    fc.assert(
      fc.property(factsArb, optionsArb, (f, o) => {
        const all = refusals(f, o);
        const v = decide(f, o);
        if (v.accept) expect(all).to.deep.equal([]);
        else expect(v).to.deep.equal(all[0]);
      }),
      { numRuns: 5000 },
    );
  });

  it('replies are one ASCII line, <code> <enhanced> <text>, and leak no address, key or parser text with line breaks', () => {
    fc.assert(
      fc.property(factsArb, optionsArb, (f, o) => {
        for (const r of refusals(f, o)) {
          const line = formatReply(r);
          expect(line).to.match(/^(550|552|554) 5\.\d\.\d [\x20-\x7e]+$/);
          expect(line.startsWith(`${r.code} ${r.enhanced} `)).to.equal(true);
          expect(r.text.toLowerCase()).not.to.match(/alice|bob|mallory|@|0123456789abcdef/);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("on posts, a message not signed by the sender's key gets the same reply whether or not its addresses are members", () => {
    fc.assert(
      fc.property(factsArb, optionsArb, fc.boolean(), fc.boolean(), (f, o, envelopeIsMember, fromIsMember) => {
        fc.pre(f.target === 'post' && o['require-signature'] && !signedBySender(f));
        const a = decide(f, o);
        const b = decide({ ...f, envelopeIsMember, fromIsMember }, o);
        expect(a.accept).to.equal(false);
        expect(!a.accept && formatReply(a)).to.equal(!b.accept && formatReply(b));
      }),
      { numRuns: 5000 },
    );
  });
});
