import type { Root } from './db.js';
import { Tx } from './tx.js';

/** Registers how to undo an in-memory effect of a build if its batch is not written. */
export type Undo = (fn: () => void) => void;
export type Build = (tx: Tx, undo: Undo) => void;

interface Pending {
  build: Build;
  undo: Array<() => void>;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Group commit: every change that must be durable goes through here. Callers queue a build
 * function; the committer runs the queued builds in order into ONE LevelDB batch and writes it
 * with sync, so a burst of N delivery results costs one fsync, not N, and each caller's changes
 * stay atomic. Builds run serially at batch time, so they may extend in-memory sequences (the
 * audit chain heads) without races; what they register with `undo` is reverted, newest first,
 * when the write fails, so memory returns to what is on disk.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private running = false;
  /** Most changes folded into one batch (bounds batch size and latency). */
  private readonly maxChanges = 512;

  constructor(private readonly root: Root) {}

  commit(build: Build): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ build, undo: [], resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxChanges);
        const tx = new Tx(this.root);
        const built: Pending[] = [];
        for (const p of batch) {
          // Each change builds into its own Tx so a build that throws halfway adds nothing.
          const own = new Tx(this.root);
          try {
            p.build(own, (fn) => p.undo.push(fn));
          } catch (err) {
            undoAll([p]);
            p.reject(err);
            continue;
          }
          own.moveTo(tx);
          built.push(p);
        }
        try {
          await tx.commit();
          for (const p of built) p.resolve();
        } catch (err) {
          undoAll(built);
          for (const p of built) p.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Resolves when everything queued so far is on disk (or failed). */
  async flush(): Promise<void> {
    await this.commit(() => {});
  }
}

function undoAll(changes: readonly Pending[]): void {
  for (const p of [...changes].reverse()) for (const fn of p.undo.reverse()) fn();
}
