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
