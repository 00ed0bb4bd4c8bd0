/**
 * Reading the delivery log, pure part: folding a list's chain entries into one record per message
 * with the latest outcome per recipient, and filtering them. Only what the entries carry comes out
 * (metadata, decisions, SMTP replies); the log holds no message content, so neither does this.
 */
import type { ChainEntry } from './chain.js';
import type { DeliveryEvent, MessageEvent } from './events.js';

/** One recipient of a message, as its newest `delivery` entry left it. */
export interface LogRecipient {
  recipient: string;
  /** skipped, sent, deferred, failed or bounced. */
  state: string;
  attempts: number;
  /** The newest SMTP reply any attempt got (a skipped copy has none). */
  lastReply: string | null;
  /** Why it was skipped, failed or bounced, as the newest entry says. */
  reason: string | null;
  /** Time of the newest entry for this recipient. */
  time: string;
}

/** One inbound message (or mail the list wrote), accepted or refused, with its recipients. */
export interface LogMessage {
  /** Seq of its `message` entry in the chain (of its first `delivery` entry when `partial`). */
  seq: number;
  time: string;
  /** Our queue id; null for a refused message, which was never queued. */
  queueId: string | null;
  /** post, owner, notice, comcheck, ... (null when `partial`). */
  kind: string | null;
  originalMessageId: string | null;
  envelopeFrom: string | null;
  from: string | null;
  /** Fingerprint of the key whose signature verified, if any. */
  signer: string | null;
  tlp: string | null;
  /** Bytes as received over SMTP. */
  size: number | null;
  decision: 'accepted' | 'refused';
  /** Refusal reason (null when accepted). */
  reason: string | null;
  /** The SMTP reply the sender got. */
  reply: string | null;
  /** Recipients at acceptance; those without an entry yet are still queued. */
  recipientCount: number | null;
  recipients: LogRecipient[];
  /** The `message` entry was pruned by retention; only later `delivery` entries remain. */
  partial: boolean;
}

export interface LogFilter {
  /** Messages at or after this time. */
  since?: Date | null;
  /** A queue id or an original Message-ID (angle brackets optional). */
  message?: string | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Entries are read defensively: the chain proves who changed them, not that they have the shape
 * this release writes, and `log` must still show an old or damaged log rather than crash.
 */
function messageEvent(p: unknown): MessageEvent | null {
  if (!isObject(p)) return null;
  const decision = p['decision'];
  if (decision !== 'accepted' && decision !== 'refused') return null;
  return {
    messageId: str(p['messageId']),
    kind: str(p['kind']) ?? 'post',
    originalMessageId: str(p['originalMessageId']),
    envelopeFrom: str(p['envelopeFrom']),
    from: str(p['from']),
    signer: str(p['signer']),
    tlp: str(p['tlp']),
    size: num(p['size']) ?? 0,
    decision,
    reason: str(p['reason']),
    reply: str(p['reply']) ?? '',
    recipients: num(p['recipients']) ?? 0,
  };
}

function deliveryEvent(p: unknown): DeliveryEvent | null {
  if (!isObject(p)) return null;
  const messageId = str(p['messageId']);
  const recipient = str(p['recipient']);
  const state = str(p['state']);
  if (messageId === null || recipient === null || state === null) return null;
  return { messageId, recipient, state, attempts: num(p['attempts']) ?? 0, reply: str(p['reply']), reason: str(p['reason']) };
}

/** Folds entries (in chain order) into messages in the order their first entry appears. */
export function aggregateLog(entries: Iterable<ChainEntry>): LogMessage[] {
  const out: LogMessage[] = [];
  const byQueueId = new Map<string, { msg: LogMessage; rcpts: Map<string, LogRecipient> }>();
  for (const e of entries) {
    if (e.type === 'message') {
      const m = messageEvent(e.payload);
      if (!m) continue;
      const msg: LogMessage = {
        seq: e.seq,
        time: e.at,
        queueId: m.messageId,
        kind: m.kind,
        originalMessageId: m.originalMessageId,
        envelopeFrom: m.envelopeFrom,
        from: m.from,
        signer: m.signer,
        tlp: m.tlp,
        size: m.size,
        decision: m.decision,
        reason: m.reason,
        reply: m.reply,
        recipientCount: m.recipients,
        recipients: [],
        partial: false,
      };
      out.push(msg);
      if (m.messageId !== null) byQueueId.set(m.messageId, { msg, rcpts: new Map() });
    } else if (e.type === 'delivery') {
      const d = deliveryEvent(e.payload);
      if (!d) continue;
      let slot = byQueueId.get(d.messageId);
      if (!slot) {
        // Its message entry is older than the retention checkpoint.
        const msg = partialMessage(e.seq, e.at, d.messageId);
        out.push(msg);
        slot = { msg, rcpts: new Map() };
        byQueueId.set(d.messageId, slot);
      }
      const prev = slot.rcpts.get(d.recipient);
      const r: LogRecipient = {
        recipient: d.recipient,
        state: d.state,
        attempts: Math.max(d.attempts, prev?.attempts ?? 0),
        lastReply: d.reply ?? prev?.lastReply ?? null,
        reason: d.reason,
        time: e.at,
      };
      if (!prev) slot.msg.recipients.push(r);
      else Object.assign(prev, r);
      slot.rcpts.set(d.recipient, prev ?? r);
    }
  }
  return out;
}

function partialMessage(seq: number, at: string, queueId: string): LogMessage {
  return {
    seq,
    time: at,
    queueId,
    kind: null,
    originalMessageId: null,
    envelopeFrom: null,
    from: null,
    signer: null,
    tlp: null,
    size: null,
    decision: 'accepted',
    reason: null,
    reply: null,
    recipientCount: null,
    recipients: [],
    partial: true,
  };
}

/** "<a@b>", "a@b" and " <a@b> " name the same Message-ID. */
export function bareMessageId(s: string): string {
  return s.trim().replace(/^<(.*)>$/, '$1').trim();
}

export function filterLog(messages: readonly LogMessage[], f: LogFilter): LogMessage[] {
  const since = f.since ? f.since.getTime() : null;
  const wanted = f.message ? bareMessageId(f.message) : null;
  return messages.filter((m) => {
    if (since !== null && !(Date.parse(m.time) >= since)) return false;
    if (wanted !== null) {
      const byQueue = m.queueId === wanted;
      const byOriginal = m.originalMessageId !== null && bareMessageId(m.originalMessageId) === wanted;
      if (!byQueue && !byOriginal) return false;
    }
    return true;
  });
}

/** Recipients by state, e.g. { sent: 3, deferred: 1 }; those without an entry count as queued. */
export function stateCounts(m: LogMessage): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of m.recipients) counts[r.state] = (counts[r.state] ?? 0) + 1;
  const unseen = (m.recipientCount ?? 0) - m.recipients.length;
  if (m.decision === 'accepted' && unseen > 0) counts['queued'] = (counts['queued'] ?? 0) + unseen;
  return counts;
}
