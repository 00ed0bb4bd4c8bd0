import type { BatchOp, Root, Sub } from './db.js';

/**
 * One atomic, synced write across sublevels. Repositories add operations; commit() writes them
 * in one LevelDB batch with sync, so "250 means durable" and nothing is ever half-written.
 */
export class Tx {
  private readonly ops: BatchOp[] = [];
  constructor(private readonly root: Root) {}

  put<V>(sub: Sub<V>, key: string, value: V): this {
    this.ops.push({ type: 'put', sublevel: sub, key, value } as BatchOp);
    return this;
  }

  del<V>(sub: Sub<V>, key: string): this {
    this.ops.push({ type: 'del', sublevel: sub, key } as BatchOp);
    return this;
  }

  /** Hand this transaction's operations to another (group commit). */
  moveTo(other: Tx): void {
    other.ops.push(...this.ops);
    this.ops.length = 0;
  }

  get size(): number {
    return this.ops.length;
  }

  async commit(): Promise<void> {
    if (this.ops.length === 0) return;
    await this.root.batch(this.ops, { sync: true });
    this.ops.length = 0;
  }
}
