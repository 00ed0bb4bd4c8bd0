import type { ChainEntry, Checkpoint } from '../audit/chain.js';
import { getOr, jsonSub, key, prefixRange, type Root, type Sub } from './db.js';
import type { Tx } from './tx.js';

/** Sequence numbers as fixed-width keys, so LevelDB's byte order is the chain's order. */
function seqKey(list: string, seq: number): string {
  return key(list, String(seq).padStart(12, '0'));
}

/** The per-list hash-chained log entries and the retention checkpoint that replaces pruned ones. */
export class AuditRepo {
  readonly entries: Sub<ChainEntry>;
  readonly checkpoints: Sub<Checkpoint>;
  constructor(root: Root) {
    this.entries = jsonSub<ChainEntry>(root, 'log');
    this.checkpoints = jsonSub<Checkpoint>(root, 'logcp');
  }

  put(tx: Tx, list: string, entry: ChainEntry): Tx {
    return tx.put(this.entries, seqKey(list, entry.seq), entry);
  }

  del(tx: Tx, list: string, seq: number): Tx {
    return tx.del(this.entries, seqKey(list, seq));
  }

  async last(list: string): Promise<ChainEntry | undefined> {
    for await (const v of this.entries.values({ ...prefixRange(list), reverse: true, limit: 1 })) return v;
    return undefined;
  }

  checkpoint(list: string): Promise<Checkpoint | undefined> {
    return getOr(this.checkpoints, list);
  }

  putCheckpoint(tx: Tx, list: string, cp: Checkpoint): Tx {
    return tx.put(this.checkpoints, list, cp);
  }

  /** Entries in chain order; `fromSeq` skips what comes before. */
  async *iterate(list: string, fromSeq = 0): AsyncGenerator<ChainEntry> {
    const range = prefixRange(list);
    const gte = fromSeq > 0 ? seqKey(list, fromSeq) : undefined;
    for await (const v of this.entries.values(gte ? { gte, lt: range.lt } : range)) yield v;
  }

  async all(list: string): Promise<ChainEntry[]> {
    const out: ChainEntry[] = [];
    for await (const e of this.iterate(list)) out.push(e);
    return out;
  }
}
