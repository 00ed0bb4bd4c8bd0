import type { LogMessage } from '../audit/query.js';
import type { PruneResult } from '../jobs/retention.js';
import type { DeliveryState, MemberRole, MemberStatus } from '../store/records.js';

/**
 * What an administrator can do, as one typed table of operations. The CLI calls it in-process when
 * the daemon is stopped, or through the daemon's admin socket when it runs; both paths run the same
 * code (admin/), so they cannot drift apart. Arguments and results are plain JSON.
 */

export interface ListSummary {
  address: string;
  name: string;
  fingerprint: string;
  owners: string[];
  members: number;
  createdAt: string;
}

export type OptionValue = string | number | boolean;

export interface ListDetails extends ListSummary {
  /** Every list option with its effective value. */
  options: Record<string, OptionValue>;
  /** The options an administrator set explicitly (the rest are defaults). */
  setOptions: string[];
  postAddress: string;
  ownerAddress: string;
  requestAddress: string;
}

export interface MemberView {
  list: string;
  email: string;
  name: string;
  team: string;
  role: MemberRole;
  status: MemberStatus;
  fingerprint: string;
  algorithm: string;
  keyCreated: string;
  keyExpires: string | null;
  enrolledAt: string;
  keyUpdatedAt: string;
  allowUidMismatch: boolean;
  bounceCount: number;
}

export interface EnrollResult extends MemberView {
  warnings: string[];
}

export interface KeyInput {
  /** The key file's bytes, base64 (armored or binary OpenPGP). */
  base64: string;
}

/** `log <list>`: the messages of a list's log, oldest first (see audit/query.ts for the fields). */
export interface LogView {
  list: string;
  messages: LogMessage[];
}

/** `log verify`: the outcome of recomputing the chain. */
export interface LogVerifyView {
  list: string;
  ok: boolean;
  /** Entries checked (the pruned ones are not counted). */
  entries: number;
  /** "SEQ:HASH" of the newest entry (of the checkpoint, or 0:GENESIS, when there is none); null when not ok. */
  head: string | null;
  /** The retention checkpoint standing in for pruned entries, if any. */
  checkpoint: { seq: number; lastPrunedAt: string; at: string } | null;
  /** none: no --pin; matched; pruned: the pinned entry is older than the checkpoint, not compared. */
  pinned: 'none' | 'matched' | 'pruned';
  /** First bad entry when not ok. */
  firstBadSeq: number | null;
  problem: 'altered' | 'removed' | 'reordered' | 'bad-checkpoint' | null;
  detail: string | null;
}

/** `queue ls`: one delivery that is not final. */
export interface QueueEntryView {
  queueId: string;
  list: string;
  recipient: string;
  state: DeliveryState;
  attempts: number;
  createdAt: string;
  /** When the worker tries next; for a queued copy, the time it became due. */
  nextAttemptAt: string | null;
  lastReply: string | null;
  reason: string | null;
}

export interface QueueView {
  summary: { deliveries: number; messages: number; queued: number; sending: number; deferred: number };
  deliveries: QueueEntryView[];
}

export interface QueueRetryResult {
  /** Pending deliveries handed back to the worker. */
  retried: number;
  /** Of those, deferred ones made due now. */
  madeDue: number;
  messages: string[];
}

export interface QueueDropResult {
  queueId: string;
  list: string;
  /** Recipients whose deliveries were marked failed ("dropped by operator"). */
  dropped: string[];
  /** Copies the worker was already handing to the smarthost: their outcome is recorded as usual. */
  inFlight: string[];
}

export interface AdminApi {
  'list.create'(a: { address: string; name?: string | undefined; owners: string[] }): Promise<ListSummary>;
  'list.ls'(a: Record<string, never>): Promise<ListSummary[]>;
  'list.show'(a: { address: string }): Promise<ListDetails>;
  'list.set'(a: { address: string; option: string; value: string }): Promise<{ address: string; option: string; value: OptionValue }>;
  'list.key'(a: { address: string }): Promise<{ address: string; fingerprint: string; armored: string }>;
  'list.delete'(a: { address: string }): Promise<{ address: string; members: number }>;
  'member.add'(a: {
    list: string;
    email: string;
    key: KeyInput;
    fingerprint?: string | undefined;
    name?: string | undefined;
    team?: string | undefined;
    role?: MemberRole | undefined;
    allowUidMismatch?: boolean | undefined;
  }): Promise<EnrollResult>;
  'member.ls'(a: { list: string }): Promise<MemberView[]>;
  'member.show'(a: { list: string; email: string }): Promise<MemberView>;
  'member.update-key'(a: {
    list: string;
    email: string;
    key: KeyInput;
    fingerprint?: string | undefined;
    allowUidMismatch?: boolean | undefined;
  }): Promise<EnrollResult>;
  'member.rm'(a: { list: string; email: string }): Promise<{ list: string; email: string }>;
  'log.show'(a: { list: string; since?: string | undefined; days?: number | undefined; message?: string | undefined }): Promise<LogView>;
  'log.verify'(a: { list: string; pin?: string | undefined }): Promise<LogVerifyView>;
  'log.prune'(a: { list: string }): Promise<PruneResult>;
  'queue.ls'(a: Record<string, never>): Promise<QueueView>;
  'queue.retry'(a: { id?: string | undefined; all?: boolean | undefined }): Promise<QueueRetryResult>;
  'queue.drop'(a: { id: string }): Promise<QueueDropResult>;
  'daemon.status'(a: Record<string, never>): Promise<{ pid: number; startedAt: string; version: string }>;
}

export type Op = keyof AdminApi;
export type Args<K extends Op> = Parameters<AdminApi[K]>[0];
export type Result<K extends Op> = Awaited<ReturnType<AdminApi[K]>>;

export const OPS: readonly Op[] = [
  'list.create',
  'list.ls',
  'list.show',
  'list.set',
  'list.key',
  'list.delete',
  'member.add',
  'member.ls',
  'member.show',
  'member.update-key',
  'member.rm',
  'log.show',
  'log.verify',
  'log.prune',
  'queue.ls',
  'queue.retry',
  'queue.drop',
  'daemon.status',
];

export function isOp(s: unknown): s is Op {
  return typeof s === 'string' && (OPS as readonly string[]).includes(s);
}

/** Anything that can run an operation: in-process, or a client of the admin socket. */
export interface AdminClient {
  call<K extends Op>(op: K, args: Args<K>): Promise<Result<K>>;
  readonly mode: 'direct' | 'daemon';
}
