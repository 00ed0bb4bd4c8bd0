import { getOr, jsonSub, key, valuesWithPrefix, type Root, type Sub } from './db.js';
import type { MemberRecord } from './records.js';
import type { Tx } from './tx.js';

/** Members keyed by list and address, so one list's members are one range scan. */
export class MembersRepo {
  readonly sub: Sub<MemberRecord>;
  constructor(root: Root) {
    this.sub = jsonSub<MemberRecord>(root, 'members');
  }

  get(list: string, email: string): Promise<MemberRecord | undefined> {
    return getOr(this.sub, key(list, email));
  }

  ofList(list: string): Promise<MemberRecord[]> {
    return valuesWithPrefix(this.sub, list);
  }

  async count(list: string): Promise<number> {
    return (await this.ofList(list)).length;
  }

  put(tx: Tx, rec: MemberRecord): Tx {
    return tx.put(this.sub, key(rec.list, rec.email), rec);
  }

  del(tx: Tx, list: string, email: string): Tx {
    return tx.del(this.sub, key(list, email));
  }
}
