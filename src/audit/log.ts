import type { Store } from '../store/store.js';
import type { Tx } from '../store/tx.js';
import type { Undo } from '../store/commit.js';
import { appendEntry, recordCheckpoint, type ChainEntry, type Checkpoint } from './chain.js';
import type { AuditEvents, AuditType } from './events.js';

/**
 * Appending to the per-list hash chains. The head of each chain is kept in memory so an append
 * is pure computation inside a group-commit build (builds run serially, so heads never race);
 * if the batch fails, the head is put back.
 */
export class AuditLog {
  private readonly heads = new Map<string, ChainEntry | Checkpoint | null>();

  constructor(private readonly store: Store) {}

  /** Load a list's head (last entry, else its checkpoint) before the first append to it. */
  async prepare(list: string): Promise<void> {
    if (this.heads.has(list)) return;
    const last = await this.store.audit.last(list);
    const head = last ?? (await this.store.audit.checkpoint(list)) ?? null;
    if (!this.heads.has(list)) this.heads.set(list, head);
  }

  /** Inside a commit build: add one entry to the list's chain. prepare(list) must have run. */
  append<T extends AuditType>(tx: Tx, undo: Undo, list: string, type: T, payload: AuditEvents[T], at: Date): ChainEntry {
    return this.extend(tx, undo, list, (prev) => appendEntry(prev, type, payload, at));
  }

  /**
   * Inside a commit build: step 1 of the retention protocol (chain.ts), the chained record that
   * vouches for `checkpoint`. It goes through the cached head like any other append, so it cannot
   * fork the chain while the daemon appends concurrently.
   */
  appendCheckpoint(tx: Tx, undo: Undo, list: string, checkpoint: Checkpoint, at: Date): ChainEntry {
    return this.extend(tx, undo, list, (prev) => recordCheckpoint(prev, checkpoint, at));
  }

  /** The one way the chain grows: the next entry after the cached head, stored, and the head moved. */
  private extend(tx: Tx, undo: Undo, list: string, next: (prev: ChainEntry | Checkpoint | null) => ChainEntry): ChainEntry {
    if (!this.heads.has(list)) throw new Error(`audit head of ${list} not loaded`);
    const prev = this.heads.get(list) ?? null;
    const entry = next(prev);
    this.store.audit.put(tx, list, entry);
    this.heads.set(list, entry);
    undo(() => this.heads.set(list, prev));
    return entry;
  }

  /** A single event as its own durable write. */
  async record<T extends AuditType>(list: string, type: T, payload: AuditEvents[T], at: Date): Promise<void> {
    await this.prepare(list);
    await this.store.commit((tx, undo) => {
      this.append(tx, undo, list, type, payload, at);
    });
  }
}
