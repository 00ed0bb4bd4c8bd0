import type { ListOptions } from '../policy/options.js';

/**
 * Records as stored. Every record carries `v`, its schema version, so a later release can migrate
 * old records on read (see store/migrate.ts). Bump a record's version when its shape changes.
 */

export const LIST_RECORD_VERSION = 1;
export interface ListRecord {
  v: 1;
  address: string;
  /** Owners' addresses: they receive owner mail and notices (encrypted, so they need an enrolled key). */
  owners: string[];
  fingerprint: string;
  publicKey: string;
  createdAt: string;
  /** Only options an administrator set; defaults are applied on read so a new default reaches old lists. */
  options: Partial<ListOptions>;
}

export type MemberRole = 'representative' | 'alternate' | 'owner' | 'member';
export const MEMBER_ROLES: readonly MemberRole[] = ['representative', 'alternate', 'owner', 'member'];

/** pending: enrolled but not yet confirmed by a signed reply (confirm-enrollment). */
export type MemberStatus = 'active' | 'pending';

export const MEMBER_RECORD_VERSION = 1;
export interface MemberRecord {
  v: 1;
  list: string;
  email: string;
  name: string;
  team: string;
  role: MemberRole;
  status: MemberStatus;
  fingerprint: string;
  publicKey: string;
  keyAlgorithm: string;
  keyCreated: string;
  keyExpires: string | null;
  /** The enrolled key has no user ID for this address; an administrator said so explicitly. */
  allowUidMismatch: boolean;
  enrolledAt: string;
  keyUpdatedAt: string;
  bounceCount: number;
}

/** What produced a queued message: a member's post, or mail the list itself writes. */
export type MessageKind = 'post' | 'owner' | 'notice' | 'comcheck' | 'welcome' | 'key-warning' | 'request-reply';

/**
 * The outer (unencrypted) headers shared by every copy of a message, as decided before the 250
 * (the JSON form of mime's SharedOuterHeaders): only To differs per recipient, so delivery needs
 * no plaintext.
 */
export interface StoredMailbox {
  name?: string;
  address: string;
}
export interface StoredHeaders {
  from: StoredMailbox;
  replyTo: StoredMailbox[];
  subject: string;
  date: string;
  messageId: string;
  inReplyTo: string[];
  references: string[];
  list: { name: string; address: string };
  listPost: string[];
  listHelp: string[];
  listOwner: string[];
  xLoop: string;
  autoSubmitted: 'auto-generated' | 'auto-replied' | null;
}

export const MESSAGE_RECORD_VERSION = 1;
export interface MessageRecord {
  v: 1;
  id: string;
  list: string;
  kind: MessageKind;
  createdAt: string;
  /** Metadata for the log; never content. */
  originalMessageId: string | null;
  envelopeFrom: string | null;
  from: string | null;
  signerFingerprint: string | null;
  tlp: string | null;
  size: number;
  /** The session key wrapped to the list's own key (base64 PKESK): the body blob stays ciphertext at rest. */
  listPkesk: string;
  bodyBytes: number;
  headers: StoredHeaders;
  recipients: number;
}

export type DeliveryState = 'queued' | 'sending' | 'sent' | 'deferred' | 'failed' | 'bounced' | 'skipped';
export const FINAL_STATES: readonly DeliveryState[] = ['sent', 'failed', 'bounced', 'skipped'];

export const DELIVERY_RECORD_VERSION = 1;
export interface DeliveryRecord {
  v: 1;
  messageId: string;
  list: string;
  recipient: string;
  /** The recipient's key when the message was queued (the key used is the one enrolled at send time). */
  fingerprint: string;
  state: DeliveryState;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  nextAttemptAt: string | null;
  lastReply: string | null;
  reason: string | null;
  /** Opaque token in this copy's VERP envelope sender: a bounce names exactly this delivery. */
  verp: string;
  sentAt: string | null;
}

/** A signature already accepted on a list (replay protection), kept for the log retention period. */
export interface ReplayRecord {
  v: 1;
  at: string;
  messageId: string;
}
