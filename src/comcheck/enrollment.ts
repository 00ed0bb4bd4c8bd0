import type { EnrollmentRecord } from '../store/comcheck-records.js';
import type { MemberRecord, MemberStatus } from '../store/records.js';

/**
 * Enrollment confirmation (list option confirm-enrollment): a member with a new key stays
 * pending, receiving nothing and unable to post, until a reply signed by that key brings back the
 * token of the welcome encrypted to it. Pure decisions; the outbox sends the welcome.
 */

/** The status after a key was enrolled or replaced. Without confirm-enrollment: active. The same
 * key (same fingerprint, e.g. an extended expiry) proves nothing new and keeps the status; a
 * different key needs confirming again. */
export function statusAfterKey(current: MemberStatus | null, oldFingerprint: string | null, newFingerprint: string, confirm: boolean): MemberStatus {
  if (!confirm) return 'active';
  if (current !== null && oldFingerprint === newFingerprint) return current;
  return 'pending';
}

/** The welcome to send (recorded unsent; the outbox makes the token and sends it). */
export function enrollmentFor(m: MemberRecord, now: Date): EnrollmentRecord {
  return { v: 1, list: m.list, email: m.email, fingerprint: m.fingerprint, createdAt: now.toISOString(), tokenHash: null, queuedAs: null, sentAt: null };
}
