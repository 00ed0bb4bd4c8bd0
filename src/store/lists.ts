import { getOr, jsonSub, type Root, type Sub } from './db.js';
import type { ListRecord } from './records.js';
import type { Tx } from './tx.js';

export class ListsRepo {
  readonly sub: Sub<ListRecord>;
  constructor(root: Root) {
    this.sub = jsonSub<ListRecord>(root, 'lists');
  }

  get(address: string): Promise<ListRecord | undefined> {
    return getOr(this.sub, address);
  }

  async all(): Promise<ListRecord[]> {
    return this.sub.values().all();
  }

  put(tx: Tx, rec: ListRecord): Tx {
    return tx.put(this.sub, rec.address, rec);
  }

  del(tx: Tx, address: string): Tx {
    return tx.del(this.sub, address);
  }
}
