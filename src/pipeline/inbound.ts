import type { AuditLog } from '../audit/log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../log.js';
import { composePost } from '../mime/list-message.js';
import { listIdentifier, type RandomSource } from '../mime/index.js';
import { listMessageId, newQueueId } from '../queue/ids.js';
import { sealForList } from '../pgp/fanout.js';
import type { PublicKeyCache } from '../pgp/key-cache.js';
import type { ListKeyring } from '../pgp/keyring.js';
import { decide, formatReply, type Refusal } from '../policy/decide.js';
import { withDefaults } from '../policy/options.js';
import { effectiveTlp } from '../policy/tlp.js';
import { storeHeaders } from '../queue/headers.js';
import { recipientsFor, type OnQueued } from '../queue/list-mail.js';
import type { Queue } from '../queue/queue.js';
import type { ListRecord, MemberRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { buildFacts, membership, replayDigest, senderOf, signatureFact } from './facts.js';
import { readMessage } from './read.js';
import { resolveTarget } from './recipients.js';
import { TEMPFAIL, type Envelope, type InboundPort, type Reply, type Target } from './types.js';

export interface PipelineDeps {
  store: Store;
  keyring: ListKeyring;
  keys: PublicKeyCache;
  queue: Queue;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  config: Config;
  random: RandomSource;
  onQueued: OnQueued;
  /** Mail to a list's service addresses other than post/owner (bounces, com-check replies, requests). */
  services?: Partial<Record<'bounce' | 'comcheck' | 'request', (raw: Buffer, env: Envelope, list: ListRecord) => Promise<Reply>>>;
}

const NO_LIST: Reply = { code: 550, enhanced: '5.1.1', text: 'No such list here' };

function refusalReply(r: Refusal): Reply {
  return { code: r.code, enhanced: r.enhanced, text: r.text };
}

/** One inbound message from bytes to a decision, and for an accepted one, a durable queue entry. */
export class InboundPipeline implements InboundPort {
  constructor(private readonly d: PipelineDeps) {}

  async resolveRecipient(address: string): Promise<Target | null> {
    const t = await resolveTarget(address, async (a) => (await this.d.store.lists.get(a)) !== undefined);
    if (!t) return null;
    if (t.kind === 'post' || t.kind === 'owner') return t;
    return this.d.services?.[t.kind] ? t : null;
  }

  async receive(raw: Buffer, env: Envelope): Promise<Reply> {
    const list = await this.d.store.lists.get(env.target.list);
    if (!list) return NO_LIST;
    const kind = env.target.kind;
    if (kind === 'post' || kind === 'owner') return this.post(raw, env, list, kind);
    const handler = this.d.services?.[kind];
    return handler ? handler(raw, env, list) : NO_LIST;
  }

  private async post(raw: Buffer, env: Envelope, list: ListRecord, target: 'post' | 'owner'): Promise<Reply> {
    const { store, clock, config } = this.d;
    const listKey = this.d.keyring.get(list.address);
    if (!listKey) {
      this.d.log.error('LIST_KEY_MISSING', { list: list.address });
      return TEMPFAIL;
    }
    const now = clock.now();
    const options = withDefaults(list.options);
    const members = await store.members.ofList(list.address);
    const m = membership(members);
    const candidates = await Promise.all(
      members.map(async (mm) => ({ fingerprint: mm.fingerprint, key: await this.d.keys.get(mm.fingerprint, mm.publicKey) })),
    );
    // Compressed content may legitimately inflate; beyond a few times the SMTP limit it is a bomb.
    const maxDecoded = config.smtp.maxMessageBytes * 4;
    const read = await readMessage(raw, {
      listKey,
      candidates,
      limits: { maxDecodedBytes: maxDecoded },
      maxDecompressedBytes: maxDecoded,
      now,
    });
    const sender = senderOf(read, m);
    const signature = signatureFact(read, sender, m);
    const digest = replayDigest(read, signature);
    const replay = digest !== null && (await store.replay.get(list.address, digest)) !== undefined;
    const facts = buildFacts({
      target,
      envelopeFrom: env.mailFrom,
      listAddress: list.address,
      listIdentifier: listIdentifier(list.address),
      read,
      membership: m,
      signature,
      replay,
    });
    const verdict = decide(facts, options);
    const h = read.outer?.headers;
    const meta = {
      originalMessageId: h?.messageId ?? null,
      envelopeFrom: env.mailFrom,
      from: facts.fromAddress,
      signer: signature.status === 'valid' ? signature.fingerprint : null,
      size: raw.length,
    };

    if (!verdict.accept) {
      await this.d.audit.record(
        list.address,
        'message',
        // The label found is logged even for a refusal: owners see what was refused as what.
        { messageId: null, kind: target, ...meta, tlp: effectiveTlp(facts.tlpLabels), decision: 'refused', reason: verdict.reason, reply: formatReply(verdict), recipients: 0 },
        now,
      );
      this.d.log.info('REFUSED', { list: list.address, from: env.mailFrom, reason: verdict.reason, size: raw.length });
      return refusalReply(verdict);
    }

    const to = recipients(members, list, target, sender?.email ?? facts.fromAddress, options['deliver-to-sender']);
    const queueId = newQueueId(now);
    const messageId = listMessageId(queueId, config.smtp.hostname);
    // Plaintext lives only inside this block: once the message is sealed nothing references the
    // decrypted content or the composed inner message any more, while the synced write runs.
    const { sealed, outer } = await (async () => {
      const content = read.content;
      if (!content) throw new Error('accepted message without content');
      read.content = null;
      read.texts = [];
      const composed = composePost({
        list: { address: list.address, options },
        target,
        sender,
        fromAddress: facts.fromAddress,
        fromName: h?.from?.name ?? null,
        subject: read.subject,
        label: verdict.tlp,
        labelFromDefault: verdict.tlpFromDefault,
        signature,
        content,
        inReplyTo: read.inReplyTo,
        references: read.references,
        date: now,
        messageId,
        random: this.d.random,
      });
      return { sealed: await sealForList({ inner: composed.inner, listKey, now }), outer: composed.outer };
    })();
    const queued = await this.d.queue.accept({
      id: queueId,
      list: list.address,
      kind: target,
      ...meta,
      signerFingerprint: meta.signer,
      tlp: verdict.tlp,
      reply: (id) => `250 2.0.0 Ok: queued as ${id}`,
      headers: storeHeaders(outer),
      body: sealed.body,
      listPkesk: sealed.listPkesk,
      recipients: await recipientsFor(this.d.keys, to, now),
      replayDigest: digest,
    });
    this.d.onQueued(queued, sealed.sessionKey, sealed.body);
    this.d.log.info('ACCEPTED', {
      list: list.address,
      id: queued.message.id,
      from: env.mailFrom,
      tlp: verdict.tlp,
      size: raw.length,
      recipients: queued.deliveries.length,
    });
    return { code: 250, enhanced: '2.0.0', text: `Ok: queued as ${queued.message.id}` };
  }
}

/** Who receives: active members (not the sender unless asked), or the owners for owner mail. */
function recipients(
  members: readonly MemberRecord[],
  list: ListRecord,
  target: 'post' | 'owner',
  sender: string | null,
  deliverToSender: boolean,
): MemberRecord[] {
  const active = members.filter((m) => m.status === 'active');
  const chosen =
    target === 'owner' ? active.filter((m) => m.role === 'owner' || list.owners.includes(m.email)) : active;
  return chosen.filter((m) => deliverToSender || m.email !== sender);
}
