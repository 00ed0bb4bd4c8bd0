import { getOr, jsonSub, key, prefixRange, type Root, type Sub } from './db.js';
import type { ReplayRecord } from './records.js';
import type { Tx } from './tx.js';

/** Digests of signatures already accepted per list: the same signature twice is a replay. */
export class ReplayRepo {
  readonly sub: Sub<ReplayRecord>;
  constructor(root: Root) {
    this.sub = jsonSub<ReplayRecord>(root, 'replay');
  }

  get(list: string, digest: string): Promise<ReplayRecord | undefined> {
    return getOr(this.sub, key(list, digest));
  }

  put(tx: Tx, list: string, digest: string, rec: ReplayRecord): Tx {
    return tx.put(this.sub, key(list, digest), rec);
  }

  /** Remove digests older than `before` (they outlived the retention period). */
  async prune(tx: Tx, list: string, before: Date): Promise<number> {
    let n = 0;
    const cutoff = before.toISOString();
    for await (const [k, v] of this.sub.iterator(prefixRange(list))) {
      if (v.at < cutoff) {
        tx.del(this.sub, k);
        n++;
      }
    }
    return n;
  }
}
