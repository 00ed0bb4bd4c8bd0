import type { DirectoryEntry } from '../comcheck/directory.js';
import type { MemberComcheckStats, Problem, RunSummary } from '../comcheck/stats.js';
import type { MemberRole, MemberStatus } from '../store/records.js';

/** Results of the com-check and directory operations (plain JSON; field names are a public interface). */

export interface ComcheckRunResult {
  list: string;
  runId: string;
  pinged: number;
  /** Pings already queued for delivery (0 when the daemon is not running: it sends them when it starts). */
  queued: number;
  /** null until the pings are sent. */
  closesAt: string | null;
}

export interface MemberReportRow extends MemberComcheckStats {
  name: string;
  team: string;
  role: MemberRole;
  status: MemberStatus;
}

export interface ComcheckReport {
  list: string;
  /** How many of the latest runs the report covers (--runs). */
  runsConsidered: number;
  /** Oldest first. */
  runs: RunSummary[];
  members: MemberReportRow[];
  /** The list's success rate per run, oldest first: the trend. */
  trend: Array<{ id: string; createdAt: string; rate: number | null }>;
}

export interface ReviewFinding {
  email: string;
  name: string;
  team: string;
  role: MemberRole;
  problems: Problem[];
}

export interface DirectoryReview {
  list: string;
  members: number;
  findings: ReviewFinding[];
}

export type { DirectoryEntry };
