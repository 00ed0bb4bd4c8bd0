/**
 * What the audit log records. Metadata only: addresses, ids, fingerprints, labels, sizes,
 * decisions and SMTP replies. Never message content, never key material.
 */

export interface MessageEvent {
  /** Our queue id; null for a refused message (it was never queued). */
  messageId: string | null;
  kind: string;
  originalMessageId: string | null;
  envelopeFrom: string | null;
  from: string | null;
  signer: string | null;
  tlp: string | null;
  size: number;
  decision: 'accepted' | 'refused';
  reason: string | null;
  reply: string;
  recipients: number;
}

export interface DeliveryEvent {
  messageId: string;
  recipient: string;
  state: string;
  attempts: number;
  reply: string | null;
  reason: string | null;
}

export interface AdminEvent {
  action: string;
  member?: string;
  detail?: string;
}

export interface AuditEvents {
  message: MessageEvent;
  delivery: DeliveryEvent;
  bounce: { messageId: string | null; recipient: string | null; kind: string; status: string | null; diagnostic: string | null };
  admin: AdminEvent;
  comcheck: Record<string, string | number | boolean | null>;
}

export type AuditType = keyof AuditEvents;
