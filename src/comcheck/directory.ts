import type { PingState } from '../store/comcheck-records.js';
import type { MemberRecord } from '../store/records.js';
import { toCsv } from '../util/csv.js';
import type { MemberComcheckStats } from './stats.js';

/** The contact directory: one entry per member, as `directory export` writes it. Pure. */
export interface DirectoryEntry {
  name: string;
  team: string;
  role: string;
  email: string;
  status: string;
  fingerprint: string;
  keyExpires: string | null;
  enrolledAt: string;
  /** Outcome of the member's latest com-check ping, null if never pinged. */
  lastComcheck: PingState | null;
  lastComcheckAt: string | null;
  /** Replied in time ÷ decided pings over the last N runs (0..1), null when none decided yet. */
  successRate: number | null;
}

export const DIRECTORY_COLUMNS: readonly (keyof DirectoryEntry)[] = [
  'name',
  'team',
  'role',
  'email',
  'status',
  'fingerprint',
  'keyExpires',
  'enrolledAt',
  'lastComcheck',
  'lastComcheckAt',
  'successRate',
];

export function directoryEntry(m: MemberRecord, s: MemberComcheckStats): DirectoryEntry {
  return {
    name: m.name,
    team: m.team,
    role: m.role,
    email: m.email,
    status: m.status,
    fingerprint: m.fingerprint,
    keyExpires: m.keyExpires,
    enrolledAt: m.enrolledAt,
    lastComcheck: s.lastResult,
    lastComcheckAt: s.lastResultAt,
    successRate: s.rate,
  };
}

export function directoryCsv(entries: readonly DirectoryEntry[]): string {
  return toCsv(
    DIRECTORY_COLUMNS,
    entries.map((e) => DIRECTORY_COLUMNS.map((c) => e[c])),
  );
}
