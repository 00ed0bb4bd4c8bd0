import { expect } from 'chai';
import fc from 'fast-check';
import type { PublicKey } from 'openpgp';
import { TestEnv } from '../helpers/env.js';
import { makeMember, type TestMember } from '../helpers/keys.js';
import { inlinePgpMessage, pgpMimeMessage, plainMessage } from '../helpers/mail.js';
import type { Envelope, Reply } from '../../src/pipeline/types.js';

const LIST = 'csirt@lists.test';

type Signer = 'sender' | 'other-member' | 'outsider' | 'none';
type Label = 'none' | 'TLP:CLEAR' | 'TLP:GREEN' | 'TLP:AMBER' | 'TLP:AMBER+STRICT' | 'TLP:RED' | 'tlp: red' | 'TLP:AMBERISH';
interface Spec {
  form: 'combined' | 'detached' | 'inline' | 'plain';
  signer: Signer;
  encryptToList: boolean;
  envelope: 'sender' | 'other-member' | 'outsider';
  from: 'sender' | 'other-member' | 'outsider';
  label: Label;
  labelIn: 'subject' | 'body';
  autoReply: boolean;
  loop: boolean;
}

const RANK: Record<string, number> = { 'TLP:CLEAR': 0, 'TLP:GREEN': 1, 'TLP:AMBER': 2, 'TLP:AMBER+STRICT': 3, 'TLP:RED': 4, 'tlp: red': 4 };

/** The list's default policy, written out independently of src/policy: what must be accepted. */
function oracle(s: Spec): boolean {
  if (s.loop || s.autoReply) return false;
  if (s.form === 'plain' || !s.encryptToList) return false;
  // Whose key signed: 'sender' signs with the From address's own key (see build()).
  const signedBy = s.signer === 'sender' ? s.from : s.signer === 'other-member' ? 'other-member' : s.signer === 'outsider' ? 'stranger' : 'nobody';
  if (s.from === 'outsider' || s.envelope !== s.from) return false;
  if (signedBy !== s.from) return false;
  const rank = RANK[s.label];
  if (rank === undefined) return false; // unlabelled (AMBERISH is no label): require-tlp
  return rank <= 3;
}

/**
 * Random messages through the real pipeline (store, keys, decryption, policy): a 250 comes exactly
 * when the independent oracle says the list must carry the message, and nothing ever throws.
 * Then random mutations of an accepted message: never a second 250 (its signature was already
 * accepted, and a mutation cannot make a new valid one), never a throw.
 */
describe('pipeline: property-based', function () {
  this.timeout(180_000);
  let env: TestEnv;
  let listKey: PublicKey;
  let sender: TestMember;
  let other: TestMember;
  let outsider: TestMember;
  let stranger: TestMember;

  before(async () => {
    env = await TestEnv.start();
    const l = await env.listWithMembers(3);
    listKey = l.listKey;
    [sender, other] = l.members as [TestMember, TestMember];
    outsider = await makeMember('out@side.test');
    stranger = await makeMember('stranger@side.test');
  });
  after(async () => env?.stop());

  const who = (w: Spec['envelope']): TestMember => (w === 'sender' ? sender : w === 'other-member' ? other : outsider);

  async function build(s: Spec, n: number): Promise<{ raw: Buffer; envelope: string }> {
    const labelText = s.label === 'none' ? '' : s.label;
    const subject = `${s.labelIn === 'subject' ? labelText : ''} property run ${n}`.trim();
    const text = `${s.labelIn === 'body' ? labelText : ''} body ${n} ${Math.random()}`;
    const from = who(s.from);
    const headers = [...(s.autoReply ? ['Auto-Submitted: auto-replied'] : []), ...(s.loop ? [`X-Loop: ${LIST}`] : [])];
    const spec = { from: { address: from.email }, to: LIST, subject, text, headers };
    const signerKey = s.signer === 'sender' ? from.key : s.signer === 'other-member' ? other.key : s.signer === 'outsider' ? stranger.key : undefined;
    // "sender" signs with the From member's key; when From is someone else that is their key.
    const signKey = s.signer === 'sender' && s.from !== 'sender' ? who(s.from).key : signerKey;
    const encryptTo = [s.encryptToList ? listKey : stranger.publicKey];
    const opts = { encryptTo, ...(signKey ? { signer: signKey } : {}), sign: signKey ? (s.form === 'detached' ? 'detached' : 'combined') : 'none' } as const;
    const raw =
      s.form === 'plain' ? plainMessage(spec) : s.form === 'inline' ? await inlinePgpMessage(spec, opts) : await pgpMimeMessage(spec, opts);
    return { raw, envelope: who(s.envelope).email };
  }

  function receive(raw: Buffer, mailFrom: string): Promise<Reply> {
    const env2: Envelope = { mailFrom, rcptTo: LIST, target: { kind: 'post', list: LIST }, remoteAddress: '127.0.0.1' };
    return env.daemon.inbound.receive(raw, env2);
  }

  const randomSpec: fc.Arbitrary<Spec> = fc.record({
    form: fc.constantFrom('combined', 'detached', 'inline', 'plain'),
    signer: fc.constantFrom<Signer>('sender', 'other-member', 'outsider', 'none'),
    encryptToList: fc.boolean(),
    envelope: fc.constantFrom('sender', 'other-member', 'outsider'),
    from: fc.constantFrom('sender', 'other-member', 'outsider'),
    label: fc.constantFrom<Label>('none', 'TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED', 'tlp: red', 'TLP:AMBERISH'),
    labelIn: fc.constantFrom('subject', 'body'),
    autoReply: fc.boolean(),
    loop: fc.boolean(),
  });
  /** A message the list carries, with at most one field changed: where the boundaries are. */
  const nearGood: fc.Arbitrary<Spec> = fc
    .tuple(
      fc.record({
        form: fc.constantFrom('combined', 'detached', 'inline'),
        label: fc.constantFrom<Label>('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT'),
        labelIn: fc.constantFrom('subject', 'body'),
      }),
      randomSpec,
      fc.constantFrom<keyof Spec | 'none'>('none', 'form', 'signer', 'encryptToList', 'envelope', 'from', 'label', 'autoReply', 'loop'),
    )
    .map(([good, rnd, field]) => {
      const base: Spec = { ...good, signer: 'sender', encryptToList: true, envelope: 'sender', from: 'sender', autoReply: false, loop: false };
      return field === 'none' ? base : { ...base, [field]: rnd[field] };
    });
  const specArb = fc.oneof({ arbitrary: nearGood, weight: 3 }, { arbitrary: randomSpec, weight: 1 });

  it('answers 250 exactly when the policy says the list must carry the message', async () => {
    let n = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(specArb, async (s) => {
        n++;
        const { raw, envelope } = await build(s, n);
        const reply = await receive(raw, envelope);
        const expected = oracle(s);
        if (expected) accepted++;
        if ((reply.code === 250) !== expected) {
          throw new Error(`${JSON.stringify(s)} → ${reply.code} ${reply.enhanced} ${reply.text}`);
        }
        expect(reply.code === 250 || (reply.code >= 500 && reply.code < 600)).to.equal(true);
      }),
      { numRuns: 150 },
    );
    expect(accepted, 'the generator reaches accepted messages too').to.be.greaterThan(20);
  });

  it('mutations of an accepted message are never accepted again and never throw', async () => {
    const { raw } = await build(
      { form: 'combined', signer: 'sender', encryptToList: true, envelope: 'sender', from: 'sender', label: 'TLP:GREEN', labelIn: 'subject', autoReply: false, loop: false },
      9999,
    );
    expect((await receive(raw, sender.email)).code).to.equal(250);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ pos: fc.nat({ max: raw.length - 1 }), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat({ max: raw.length }), { nil: undefined }),
        async (edits, cut) => {
          const m = Buffer.from(raw);
          for (const e of edits) m[e.pos] = e.byte;
          const input = cut === undefined ? m : m.subarray(0, cut);
          const reply = await receive(input, sender.email);
          if (reply.code === 250) throw new Error(`a mutated copy was accepted: ${JSON.stringify(edits)} cut=${String(cut)}`);
          expect(reply.code).to.be.within(400, 599);
        },
      ),
      { numRuns: 200 },
    );
  });
});
