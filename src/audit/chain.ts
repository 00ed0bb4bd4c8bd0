/**
 * The hash-chained delivery log, pure part: building entries, retention checkpoints, verification.
 * The store keeps one chain per list; this module never touches it.
 *
 * What the chain does and does not prove. Every entry commits to its predecessor through `prev`,
 * so an edit, a deletion in the middle, a reordering or a deletion at the start is visible to
 * `remailer log verify`. There is no secret in it, though: anyone who can write the store can
 * recompute every hash after the entry they changed, drop the newest entries, or append invented
 * ones, and the result verifies. Against that the only defence is a head recorded outside the
 * store: an owner notes `headDigest()` (or receives it by mail) and passes it as `pinnedHead`; then
 * nothing up to that entry can be changed, and the tail cannot be cut below it, without verify
 * failing. Entries appended after the pin are only as trustworthy as the store.
 */
import { canonicalJson, sha256Hex } from './canonical.js';

export { canonicalJson } from './canonical.js';

export interface ChainEntry<P = unknown> {
  /** 1, 2, 3 … with no gaps; a checkpoint stands in for the pruned prefix. */
  seq: number;
  /** ISO 8601 time of the event. */
  at: string;
  type: string;
  payload: P;
  /** Hash of the previous entry, of the checkpoint's last pruned entry, or GENESIS for seq 1. */
  prev: string;
  hash: string;
}

export type UnsealedEntry<P = unknown> = Omit<ChainEntry<P>, 'hash'>;

/** The `prev` of entry 1. */
export const GENESIS = '0'.repeat(64);

/** Entry type reserved for the record of a retention run; appendEntry refuses it. */
export const CHECKPOINT_TYPE = 'checkpoint';

/** Payload of a CHECKPOINT_TYPE entry: which prefix a retention run removed. */
export interface CheckpointRecord {
  seq: number;
  hash: string;
  prunedCount: number;
}

/**
 * Kept in the store in place of entries 1..seq after they are pruned. It stands in for entry
 * `seq`: the first remaining entry's `prev` must equal `hash`. `digest` catches a damaged record;
 * it cannot stop a deliberate forgery (see the top of the file and verifyChain).
 */
export interface Checkpoint {
  kind: 'checkpoint';
  /** Seq of the last pruned entry. */
  seq: number;
  /** Its hash. */
  hash: string;
  /** Its time: everything older is gone. */
  lastPrunedAt: string;
  /** Entries removed since the chain began; always equal to seq, kept for readers of the record. */
  prunedCount: number;
  /** When the pruning happened. */
  at: string;
  digest: string;
}

/** The position a successor links to: an entry, a checkpoint, or nothing yet. */
export interface Head {
  seq: number;
  hash: string;
}

/** SHA-256 (hex) over the canonical JSON of seq, at, type, payload and prev. */
export function hashEntry(entry: UnsealedEntry): string {
  const { seq, at, type, payload, prev } = entry;
  return sha256Hex(canonicalJson({ seq, at, type, payload, prev }));
}

export function appendEntry<P>(prev: ChainEntry | Checkpoint | null, type: string, payload: P, at: Date): ChainEntry<P> {
  if (type === CHECKPOINT_TYPE) throw new RangeError(`entry type "${CHECKPOINT_TYPE}" is reserved for retention records`);
  return seal(prev, type, payload, at);
}

/**
 * Retention in two steps, in this order:
 *   1. append `recordCheckpoint(tail, cp, now)` to the chain (a synced write);
 *   2. in one batch, delete entries 1..cp.seq and store `cp`.
 * A crash between the steps leaves the old checkpoint and all entries, which still verify. The
 * chained record makes every pruning visible in the log itself and lets verify reject a stored
 * checkpoint that no retention run wrote.
 */
export function makeCheckpoint(prunedUpTo: ChainEntry, at: Date): Checkpoint {
  const body = {
    kind: 'checkpoint' as const,
    seq: prunedUpTo.seq,
    hash: prunedUpTo.hash,
    lastPrunedAt: prunedUpTo.at,
    prunedCount: prunedUpTo.seq,
    at: at.toISOString(),
  };
  return { ...body, digest: checkpointDigest(body) };
}

export function recordCheckpoint(tail: ChainEntry | Checkpoint | null, checkpoint: Checkpoint, at: Date): ChainEntry<CheckpointRecord> {
  const record: CheckpointRecord = { seq: checkpoint.seq, hash: checkpoint.hash, prunedCount: checkpoint.prunedCount };
  return seal(tail, CHECKPOINT_TYPE, record, at);
}

/** "seq:hash", short enough to copy from a terminal or a mail. */
export function headDigest(last: ChainEntry | Checkpoint | null): string {
  return last === null ? `0:${GENESIS}` : `${last.seq}:${last.hash}`;
}

export function parseHeadDigest(text: string): Head | null {
  const m = /^\s*(\d{1,15}):([0-9a-f]{64})\s*$/i.exec(text);
  if (!m?.[1] || !m[2]) return null;
  return { seq: Number(m[1]), hash: m[2].toLowerCase() };
}

function seal<P>(prev: ChainEntry | Checkpoint | null, type: string, payload: P, at: Date): ChainEntry<P> {
  if (type === '') throw new RangeError('entry type must not be empty');
  const unsealed: UnsealedEntry<P> = {
    seq: prev === null ? 1 : prev.seq + 1,
    at: at.toISOString(),
    type,
    payload,
    prev: prev === null ? GENESIS : prev.hash,
  };
  return { ...unsealed, hash: hashEntry(unsealed) };
}

export function checkpointDigest(cp: Omit<Checkpoint, 'digest'>): string {
  const { kind, seq, hash, lastPrunedAt, prunedCount, at } = cp;
  return sha256Hex(canonicalJson({ kind, seq, hash, lastPrunedAt, prunedCount, at }));
}

export type ChainProblem = 'altered' | 'removed' | 'reordered' | 'bad-checkpoint';

export type VerifyResult =
  | {
      ok: true;
      /** Entries checked (not counting the pruned ones). */
      count: number;
      /** Hash of the newest entry (or of the checkpoint / GENESIS when there is none). */
      head: string;
      headSeq: number;
      /** 'pruned': the pinned entry is older than the checkpoint, so it could not be compared. */
      pinned: 'none' | 'matched' | 'pruned';
    }
  | { ok: false; firstBadSeq: number; problem: ChainProblem; detail: string };

export interface VerifyOptions {
  /** The store's checkpoint, when entries have been pruned. */
  checkpoint?: Checkpoint | null;
  /** A head recorded outside the store (parseHeadDigest of what the owner noted). */
  pinnedHead?: Head | null;
}

/**
 * Recomputes the chain in the given order (the store's seq order) and reports the first problem:
 *
 * - altered: an entry's stored hash does not match its content (reported at the seq that belongs
 *   at that position, so a changed `seq` field is reported where it was changed); or an entry
 *   does not link to its predecessor although both hash correctly, i.e. someone rewrote the
 *   predecessor and recomputed its hash: reported at the predecessor; or a pinned entry differs.
 * - removed: a seq is missing (gap, missing start without a checkpoint, or a tail cut below the
 *   pinned head): reported at the first missing seq.
 * - reordered: the expected seq does come, but later in the list (swaps, moves, duplicates).
 * - bad-checkpoint: the checkpoint is damaged, does not link to the first remaining entry, or no
 *   retention record in the chain vouches for it.
 *
 * Cannot detect without a pinned head: a rewrite of every entry from some point on, a cut tail,
 * invented entries at the end. With a pinned head: anything at or before it, but a rewrite of the
 * whole history up to it is reported at the pinned seq, since the true first change is unknowable.
 */
export function verifyChain(entries: readonly ChainEntry[], opts: VerifyOptions = {}): VerifyResult {
  const cp = opts.checkpoint ?? null;
  if (cp !== null && !checkpointIntact(cp)) {
    return bad(isSeq(cp.seq) ? cp.seq : 0, 'bad-checkpoint', 'the checkpoint record is damaged (digest mismatch or malformed)');
  }
  const start: Head = cp ?? { seq: 0, hash: GENESIS };
  const walked = walk(entries, start, cp !== null);
  if (walked !== null) return walked;

  if (cp !== null && cp.seq > 0 && !entries.some((e) => vouchesFor(e, cp))) {
    return bad(cp.seq, 'bad-checkpoint', `no "${CHECKPOINT_TYPE}" entry in the log records pruning through seq ${cp.seq}`);
  }
  const last: Head = entries[entries.length - 1] ?? start;
  let pinned: 'none' | 'matched' | 'pruned' = 'none';
  if (opts.pinnedHead) {
    const checked = checkPinned(opts.pinnedHead, entries, start, last);
    if (typeof checked !== 'string') return checked;
    pinned = checked;
  }
  return { ok: true, count: entries.length, head: last.hash, headSeq: last.seq, pinned };
}

type Failure = Extract<VerifyResult, { ok: false }>;

function walk(entries: readonly ChainEntry[], start: Head, fromCheckpoint: boolean): Failure | null {
  let expSeq = start.seq + 1;
  let expPrev = start.hash;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e === undefined || !sealedCorrectly(e)) {
      return bad(expSeq, 'altered', `entry ${expSeq}: content does not match its hash`);
    }
    if (e.seq !== expSeq) {
      if (e.seq > expSeq && !entries.slice(i + 1).some((x) => x.seq === expSeq)) {
        const span = e.seq - 1 === expSeq ? `entry ${expSeq} is` : `entries ${expSeq}..${e.seq - 1} are`;
        return bad(expSeq, 'removed', `${span} missing (found ${e.seq} next)`);
      }
      return bad(expSeq, 'reordered', `entry ${e.seq} stands where entry ${expSeq} belongs`);
    }
    if (e.prev !== expPrev) {
      if (i === 0 && fromCheckpoint) {
        return bad(start.seq, 'bad-checkpoint', `entry ${e.seq} does not link to the checkpoint's entry ${start.seq}`);
      }
      if (i === 0) return bad(e.seq, 'altered', `entry ${e.seq} does not link to the start of the chain`);
      return bad(
        expSeq - 1,
        'altered',
        `entry ${expSeq} does not link to entry ${expSeq - 1}: entry ${expSeq - 1} was rewritten and rehashed, or the link was`,
      );
    }
    expSeq += 1;
    expPrev = e.hash;
  }
  return null;
}

function checkPinned(pin: Head, entries: readonly ChainEntry[], start: Head, last: Head): Failure | 'matched' | 'pruned' {
  if (pin.seq > last.seq) {
    return bad(last.seq + 1, 'removed', `the log ends at ${last.seq} but the pinned head is entry ${pin.seq}: the tail was removed`);
  }
  if (pin.seq < start.seq) return 'pruned';
  const hash = pin.seq === start.seq ? start.hash : entries[pin.seq - start.seq - 1]?.hash;
  if (hash !== pin.hash.toLowerCase()) {
    return bad(pin.seq, 'altered', `entry ${pin.seq} differs from the pinned head: the log was rewritten at or before it`);
  }
  return 'matched';
}

function sealedCorrectly(e: ChainEntry): boolean {
  if (!isSeq(e.seq) || typeof e.at !== 'string' || typeof e.type !== 'string' || typeof e.prev !== 'string') return false;
  try {
    return hashEntry(e) === e.hash;
  } catch {
    // A payload that is no longer JSON-serialisable was not what was hashed.
    return false;
  }
}

function vouchesFor(e: ChainEntry, cp: Checkpoint): boolean {
  if (e.type !== CHECKPOINT_TYPE || e.seq <= cp.seq) return false;
  const p = e.payload;
  if (typeof p !== 'object' || p === null) return false;
  const r = p as Partial<Record<keyof CheckpointRecord, unknown>>;
  return r.seq === cp.seq && r.hash === cp.hash && r.prunedCount === cp.prunedCount;
}

function checkpointIntact(cp: Checkpoint): boolean {
  if (cp.kind !== 'checkpoint' || !isSeq(cp.seq) || cp.prunedCount !== cp.seq) return false;
  try {
    return checkpointDigest(cp) === cp.digest;
  } catch {
    return false;
  }
}

function isSeq(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function bad(firstBadSeq: number, problem: ChainProblem, detail: string): Failure {
  return { ok: false, firstBadSeq, problem, detail };
}
