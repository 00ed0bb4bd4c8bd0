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

/** Com-checks, enrollment confirmations, key-expiry warnings and key requests by mail. */
export type ComcheckEvent = {
  action:
    | 'run-started'
    | 'ping-sent'
    | 'reply'
    | 'reply-ignored'
    | 'window-closed'
    | 'welcome-sent'
    | 'enrollment-confirmed'
    | 'enrollment-unconfirmed'
    | 'expiry-warning'
    | 'key-request';
  runId?: string | null;
  member?: string | null;
  /** What happened: replied, late, unverified, duplicate, updated, refused, ... */
  result?: string | null;
  reason?: string | null;
  count?: number | null;
  fingerprint?: string | null;
};

export interface AuditEvents {
  message: MessageEvent;
  delivery: DeliveryEvent;
  bounce: { messageId: string | null; recipient: string | null; kind: string; status: string | null; diagnostic: string | null };
  admin: AdminEvent;
  comcheck: ComcheckEvent;
}

export type AuditType = keyof AuditEvents;
