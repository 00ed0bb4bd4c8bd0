/**
 * Records of com-checks, enrollment confirmations and key-expiry warnings (see store/records.ts
 * for the conventions: every record carries `v`, bump it when the shape changes).
 *
 * Tokens are never stored: a record holds only the SHA-256 of its token, so the store (and its
 * backups) cannot be used to answer a com-check. The token itself exists only inside the
 * encrypted ping or welcome.
 */

/** open: waiting for a reply; replied: in time (and signed, where required); late: after the window;
 * unverified: answered, but without the valid signature the list requires (not counted);
 * missed: no reply when the window closed. */
export type PingState = 'open' | 'replied' | 'late' | 'unverified' | 'missed';
export const PING_STATES: readonly PingState[] = ['open', 'replied', 'late', 'unverified', 'missed'];

export type RunTrigger = 'manual' | 'schedule';

export const COMCHECK_RUN_RECORD_VERSION = 1;
export interface ComcheckRunRecord {
  v: 1;
  list: string;
  /** Sorts by time (queue id format). */
  id: string;
  createdAt: string;
  trigger: RunTrigger;
  windowHours: number;
  /** comcheck-require-signed when the run started. */
  requireSigned: boolean;
  /** When the pings were queued (the window starts then); null while they wait for the daemon. */
  sentAt: string | null;
  closesAt: string | null;
  /** When the window-close job turned open pings into missed ones. */
  closedAt: string | null;
  pinged: number;
}

export const PING_RECORD_VERSION = 1;
export interface PingRecord {
  v: 1;
  list: string;
  runId: string;
  email: string;
  /** The member's key when the run started: the ping is encrypted to it. */
  fingerprint: string;
  /** SHA-256 (hex) of the token; null until the ping is queued. */
  tokenHash: string | null;
  /** The queue id of the ping; null while unsent. */
  queuedAs: string | null;
  sentAt: string | null;
  state: PingState;
  repliedAt: string | null;
  /** The reply carried a valid signature by the member's enrolled key. */
  verified: boolean;
  signer: string | null;
}

export const ENROLLMENT_RECORD_VERSION = 1;
/** A pending member's welcome (confirm-enrollment): one per member, for the key it was sent to. */
export interface EnrollmentRecord {
  v: 1;
  list: string;
  email: string;
  fingerprint: string;
  createdAt: string;
  tokenHash: string | null;
  queuedAs: string | null;
  sentAt: string | null;
}

/** Where a token hash points. */
export type TokenRef =
  | { v: 1; kind: 'ping'; list: string; runId: string; email: string }
  | { v: 1; kind: 'welcome'; list: string; email: string; fingerprint: string };

export const EXPIRY_WARNING_RECORD_VERSION = 1;
/** A key-expiry warning already sent: once per member, key and threshold (days before expiry; 0 = expired). */
export interface ExpiryWarningRecord {
  v: 1;
  list: string;
  email: string;
  fingerprint: string;
  threshold: number;
  at: string;
}
