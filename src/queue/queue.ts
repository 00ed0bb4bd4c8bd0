import type { AuditLog } from '../audit/log.js';
import type { MessageEvent } from '../audit/events.js';
import type { Clock } from '../clock.js';
import type { DeliveryRecord, MessageKind, MessageRecord, StoredHeaders } from '../store/records.js';
import type { Store } from '../store/store.js';
import { randomToken } from './ids.js';

export interface NewRecipient {
  email: string;
  fingerprint: string;
  /** Not sent, and why (e.g. the key expired since enrollment): recorded, never sent in plain. */
  skip?: string;
}

export interface NewMessage {
  /** The queue id, chosen before the message was composed (its Message-ID is made from it). */
  id: string;
  list: string;
  kind: MessageKind;
  originalMessageId: string | null;
  envelopeFrom: string | null;
  from: string | null;
  signerFingerprint: string | null;
  tlp: string | null;
  size: number;
  reply: (id: string) => string;
  headers: StoredHeaders;
  body: Uint8Array;
  listPkesk: Uint8Array;
  recipients: readonly NewRecipient[];
  /** Signature digest to remember against replays. */
  replayDigest?: string | null;
}

export interface Queued {
  message: MessageRecord;
  deliveries: DeliveryRecord[];
}

/**
 * Accepting a message into the queue: the ciphertext body, the message record, one delivery
 * record per recipient, the replay digest and the log entries, in ONE synced batch. Only after
 * this resolves may the SMTP side answer 250.
 */
export class Queue {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async accept(m: NewMessage): Promise<Queued> {
    const now = this.clock.now();
    const at = now.toISOString();
    const id = m.id;
    const message: MessageRecord = {
      v: 1,
      id,
      list: m.list,
      kind: m.kind,
      createdAt: at,
      originalMessageId: m.originalMessageId,
      envelopeFrom: m.envelopeFrom,
      from: m.from,
      signerFingerprint: m.signerFingerprint,
      tlp: m.tlp,
      size: m.size,
      listPkesk: Buffer.from(m.listPkesk).toString('base64'),
      bodyBytes: m.body.length,
      headers: m.headers,
      recipients: m.recipients.length,
    };
    const deliveries: DeliveryRecord[] = m.recipients.map((r) => ({
      v: 1,
      messageId: id,
      list: m.list,
      recipient: r.email,
      fingerprint: r.fingerprint,
      state: r.skip ? 'skipped' : 'queued',
      attempts: 0,
      createdAt: at,
      updatedAt: at,
      nextAttemptAt: r.skip ? null : at,
      lastReply: null,
      reason: r.skip ?? null,
      verp: randomToken(16),
      sentAt: null,
    }));
    const event: MessageEvent = {
      messageId: id,
      kind: m.kind,
      originalMessageId: m.originalMessageId,
      envelopeFrom: m.envelopeFrom,
      from: m.from,
      signer: m.signerFingerprint,
      tlp: m.tlp,
      size: m.size,
      decision: 'accepted',
      reason: null,
      reply: m.reply(id),
      recipients: deliveries.length,
    };
    await this.audit.prepare(m.list);
    const anyToSend = deliveries.some((d) => d.state === 'queued');
    await this.store.commit((tx, undo) => {
      this.store.messages.put(tx, message, anyToSend ? m.body : undefined);
      for (const d of deliveries) this.store.deliveries.create(tx, d);
      if (m.replayDigest) this.store.replay.put(tx, m.list, m.replayDigest, { v: 1, at, messageId: id });
      this.audit.append(tx, undo, m.list, 'message', event, now);
      for (const d of deliveries) {
        if (d.state !== 'skipped') continue;
        this.audit.append(tx, undo, m.list, 'delivery', {
          messageId: id,
          recipient: d.recipient,
          state: 'skipped',
          attempts: 0,
          reply: null,
          reason: d.reason,
        }, now);
      }
    });
    return { message, deliveries };
  }
}
