import type { SessionKey } from 'openpgp';
import type { Clock } from '../clock.js';
import { buildInnerMessage, newMessageId, type RandomSource } from '../mime/index.js';
import type { PublicKeyCache } from '../pgp/key-cache.js';
import type { ListKeyring } from '../pgp/keyring.js';
import { sealForList } from '../pgp/fanout.js';
import { withDefaults } from '../policy/options.js';
import type { TlpLabel } from '../policy/tlp.js';
import type { ListRecord, MemberRecord, MessageKind } from '../store/records.js';
import { listName, sharedOuterHeaders } from '../mime/list-message.js';
import { storeHeaders } from './headers.js';
import type { NewRecipient, Queue, Queued } from './queue.js';

/** Called once a message is durably queued, with what the delivery worker needs in memory. */
export type OnQueued = (q: Queued, sessionKey: SessionKey, body: Uint8Array) => void;

export interface ListMail {
  list: ListRecord;
  kind: MessageKind;
  to: readonly MemberRecord[];
  subject: string;
  /** The outer (visible) subject; defaults to the list's placeholder with the label. */
  outerSubject?: string;
  text: string;
  label: TlpLabel;
  autoSubmitted?: 'auto-generated' | 'auto-replied';
  inReplyTo?: readonly string[];
  /** The list's Reply-To override, e.g. the com-check address. */
  replyTo?: string;
}

/** Why a member's key cannot be used now, or null when it can. */
export async function keyProblem(keys: PublicKeyCache, m: MemberRecord, now: Date): Promise<string | null> {
  const u = await keys.usable(m.fingerprint, m.publicKey, now);
  if (u.ok) return null;
  return u.reason === 'expired'
    ? 'the key has expired'
    : u.reason === 'revoked'
      ? 'the key has been revoked'
      : u.reason === 'no-encryption-key'
        ? 'the key has no usable encryption key'
        : 'the key is not valid';
}

export async function recipientsFor(keys: PublicKeyCache, members: readonly MemberRecord[], now: Date): Promise<NewRecipient[]> {
  return Promise.all(
    members.map(async (m) => {
      const problem = await keyProblem(keys, m, now);
      return problem ? { email: m.email, fingerprint: m.fingerprint, skip: problem } : { email: m.email, fingerprint: m.fingerprint };
    }),
  );
}

/**
 * Mail the list writes itself (notices to owners, com-check pings, welcomes, key warnings):
 * signed by the list, encrypted per member, queued like any post, so it shares every guarantee.
 */
export class ListMailer {
  constructor(
    private readonly queue: Queue,
    private readonly keyring: ListKeyring,
    private readonly keys: PublicKeyCache,
    private readonly clock: Clock,
    private readonly hostname: string,
    private readonly random: RandomSource,
    private readonly onQueued: OnQueued,
  ) {}

  async send(mail: ListMail): Promise<Queued | null> {
    if (mail.to.length === 0) return null;
    const listKey = this.keyring.get(mail.list.address);
    if (!listKey) throw new Error(`the key of list ${mail.list.address} is not loaded`);
    const now = this.clock.now();
    const options = withDefaults(mail.list.options);
    const identity = { address: mail.list.address, options };
    const messageId = newMessageId(this.hostname, this.random);
    const outer = sharedOuterHeaders({
      list: identity,
      fromName: listName(identity),
      label: mail.label,
      date: now,
      messageId,
      inReplyTo: mail.inReplyTo ?? [],
      references: mail.inReplyTo ?? [],
      ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
      ...(mail.autoSubmitted ? { autoSubmitted: mail.autoSubmitted } : {}),
    });
    if (mail.outerSubject) outer.subject = mail.outerSubject;
    const inner = buildInnerMessage({
      subject: mail.subject,
      from: outer.from,
      to: { name: listName(identity), address: mail.list.address },
      date: now,
      messageId,
      replyTo: outer.replyTo ?? [],
      inReplyTo: mail.inReplyTo ?? [],
      references: mail.inReplyTo ?? [],
      outer,
      notice: `This message was written by ${mail.list.address} itself.`,
      content: { kind: 'pieces', text: mail.text, attachments: [] },
      random: this.random,
    });
    const sealed = await sealForList({ inner, listKey, now });
    const queued = await this.queue.accept({
      list: mail.list.address,
      kind: mail.kind,
      originalMessageId: null,
      envelopeFrom: null,
      from: mail.list.address,
      signerFingerprint: mail.list.fingerprint,
      tlp: mail.label,
      size: inner.length,
      reply: (id) => `queued as ${id}`,
      headers: storeHeaders(outer),
      body: sealed.body,
      listPkesk: sealed.listPkesk,
      recipients: await recipientsFor(this.keys, mail.to, now),
    });
    this.onQueued(queued, sealed.sessionKey, sealed.body);
    return queued;
  }
}
