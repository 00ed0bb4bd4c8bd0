/**
 * Session-key wraps on worker threads. The wrap (one X25519 agreement plus a fresh ephemeral key)
 * is the one public-key operation per copy; done on the main thread it took about a sixth of the
 * main thread's time per copy, time the SMTP hand-off and the store need. Here calls made in the
 * same turn of the event loop go to a thread as one message, so a burst of copies costs one
 * round trip, and the main thread only sends and receives.
 *
 * Nothing is lost when a thread fails: whatever it had not answered is wrapped on the main thread,
 * and so is everything after (the daemon logs it once). Session keys cross threads in memory only.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { concatBytes } from './bytes.js';
import { nativeWrap, type NativeRecipient } from './native-wrap.js';

/** A recipient as it crosses to a thread: the KeyObject is rebuilt (and cached) there. */
export type WireRecipient = Omit<NativeRecipient, 'publicKey'>;

export interface WrapRequest {
  id: number;
  items: Array<{ r: WireRecipient; sessionKey: Uint8Array; algorithm: string }>;
}

/** One PKESK packet per item, or the error message for that item. */
export interface WrapReply {
  id: number;
  out: Array<Uint8Array | string>;
}

export interface Wrapper {
  wrap(r: NativeRecipient, sessionKey: Uint8Array, algorithm: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Wraps on the calling thread (one-core machines, `delivery.wrapThreads: 0`, tools and tests). */
export const inlineWrapper: Wrapper = {
  wrap: (r, sessionKey, algorithm) => new Promise((resolve) => resolve(nativeWrap(r, sessionKey, algorithm))),
  close: () => Promise.resolve(),
};

/** One thread per core beyond the first (the main thread's), at most four. */
export function defaultWrapThreads(): number {
  return Math.min(4, Math.max(0, os.availableParallelism() - 1));
}

interface Item {
  r: NativeRecipient;
  sessionKey: Uint8Array;
  algorithm: string;
  resolve(pkesk: Uint8Array): void;
  reject(err: Error): void;
}

interface Thread {
  worker: Worker;
  /** Requests sent and not answered, by id. */
  pending: Map<number, Item[]>;
  /** Fires when the oldest request has waited too long (see ANSWER_WITHIN_MS). */
  watchdog: NodeJS.Timeout | null;
}

/**
 * A thread that has not answered a request this long is taken for hung: a batch of the largest
 * size takes well under a tenth of a second. Its work moves to the main thread, so a hung thread
 * delays copies by this much and never strands them.
 */
const ANSWER_WITHIN_MS = 10_000;

export interface WrapStats {
  threads: number;
  inThreads: number;
  inline: number;
}

export class WrapThreads implements Wrapper {
  private readonly threads: Thread[] = [];
  private queue: Item[] = [];
  private flushing = false;
  private nextId = 1;
  private next = 0;
  private failed = false;
  private closed = false;
  private readonly counts = { inThreads: 0, inline: 0 };

  /** `onFailure` hears once, with the reason, when the threads stop and wraps move to the main thread. */
  constructor(
    private readonly size: number,
    private readonly onFailure: (reason: string) => void = () => {},
  ) {}

  stats(): WrapStats {
    return { threads: this.threads.length, ...this.counts };
  }

  wrap(r: NativeRecipient, sessionKey: Uint8Array, algorithm: string): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      const item: Item = { r, sessionKey, algorithm, resolve, reject };
      if (this.size <= 0 || this.failed || this.closed) {
        this.inline([item]);
        return;
      }
      this.queue.push(item);
      if (!this.flushing) {
        this.flushing = true;
        // After the microtasks of this turn: every copy that got this far in the turn goes along.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushing = false;
    const items = this.queue;
    this.queue = [];
    if (items.length === 0) return;
    if (this.failed || this.closed) {
      this.inline(items);
      return;
    }
    try {
      while (this.threads.length < this.size) this.threads.push(this.spawn());
    } catch (err) {
      // No thread could be made (ERR_WORKER_INIT_FAILED, out of memory): wrap here instead.
      this.fail(`a wrap thread could not start: ${err instanceof Error ? err.message : String(err)}`);
      this.inline(items);
      return;
    }
    // Spread the batch over the threads in equal slices, starting with the next in turn.
    const per = Math.ceil(items.length / this.threads.length);
    for (let i = 0; i < items.length; i += per) {
      const t = this.threads[this.next++ % this.threads.length];
      if (!t) break;
      const slice = items.slice(i, i + per);
      const id = this.nextId++;
      t.pending.set(id, slice);
      if (t.pending.size === 1) {
        t.worker.ref();
        this.arm(t);
      }
      const req: WrapRequest = {
        id,
        items: slice.map((it) => ({
          r: { keyId: it.r.keyId, point: it.r.point, param: it.r.param, hash: it.r.hash, kekBytes: it.r.kekBytes },
          // A copy that owns its store: a clone of a view would copy the whole backing store.
          sessionKey: concatBytes([it.sessionKey]),
          algorithm: it.algorithm,
        })),
      };
      t.worker.postMessage(req);
    }
  }

  private spawn(): Thread {
    // Under tsx (tests, development) this module is TypeScript, and so is the thread's. Node 20
    // ignores `--import tsx` in a worker's execArgv (nodejs/node#47747), so the thread registers
    // tsx itself before loading it.
    const ts = import.meta.url.endsWith('.ts');
    const entry = new URL(ts ? './wrap-thread.ts' : './wrap-thread.js', import.meta.url);
    const script = ts ? `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); });` : entry;
    const worker = new Worker(script, {
      eval: ts,
      stdout: false,
      stderr: false,
      // A thread holds only recipients' public keys: a small heap keeps it from adding tens of MiB
      // to the daemon's footprint (measured: 20 MiB with V8's defaults, 6 with these).
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 64 },
    });
    const t: Thread = { worker, pending: new Map(), watchdog: null };
    worker.unref();
    worker.on('message', (reply: WrapReply) => {
      const items = t.pending.get(reply.id);
      if (!items) return;
      t.pending.delete(reply.id);
      if (t.watchdog) clearTimeout(t.watchdog);
      t.watchdog = null;
      if (t.pending.size === 0) worker.unref();
      else this.arm(t);
      items.forEach((it, i) => {
        const out = reply.out[i];
        if (out instanceof Uint8Array) {
          this.counts.inThreads++;
          it.resolve(out);
        } else it.reject(new Error(out ?? 'the wrap thread gave no answer'));
      });
    });
    worker.on('error', (err) => this.fail(`a wrap thread failed: ${err.message}`));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(`a wrap thread exited (code ${code})`);
    });
    return t;
  }

  /** Requests are answered in order, so the watchdog only ever waits for the oldest. */
  private arm(t: Thread): void {
    t.watchdog = setTimeout(() => this.fail(`a wrap thread did not answer within ${ANSWER_WITHIN_MS / 1000} s`), ANSWER_WITHIN_MS);
    t.watchdog.unref();
  }

  /** From now on every wrap runs on the main thread, starting with those the threads still owe. */
  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.onFailure(reason);
    const owed = this.threads.flatMap((t) => [...t.pending.values()].flat());
    for (const t of this.threads.splice(0)) {
      t.pending.clear();
      if (t.watchdog) clearTimeout(t.watchdog);
      void t.worker.terminate();
    }
    this.inline(owed);
  }

  private inline(items: readonly Item[]): void {
    for (const it of items) {
      try {
        const pkesk = nativeWrap(it.r, it.sessionKey, it.algorithm);
        this.counts.inline++;
        it.resolve(pkesk);
      } catch (err) {
        it.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  /** Stops the threads; a wrap still owed is done on the main thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const owed = this.threads.flatMap((t) => [...t.pending.values()].flat());
    const threads = this.threads.splice(0);
    for (const t of threads) {
      t.pending.clear();
      if (t.watchdog) clearTimeout(t.watchdog);
    }
    this.inline(owed);
    this.inline(this.queue.splice(0));
    // A thread stuck in native code may never confirm; shutdown does not wait for it for long.
    await Promise.race([Promise.all(threads.map((t) => t.worker.terminate())), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  }
}
