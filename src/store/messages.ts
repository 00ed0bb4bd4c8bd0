import { binarySub, getOr, jsonSub, type Root, type Sub } from './db.js';
import type { MessageRecord } from './records.js';
import type { Tx } from './tx.js';

/** Queued messages: metadata and shared headers, plus the encrypted body as a separate blob. */
export class MessagesRepo {
  readonly sub: Sub<MessageRecord>;
  readonly bodies: Sub<Uint8Array>;
  constructor(root: Root) {
    this.sub = jsonSub<MessageRecord>(root, 'messages');
    this.bodies = binarySub(root, 'bodies');
  }

  get(id: string): Promise<MessageRecord | undefined> {
    return getOr(this.sub, id);
  }

  body(id: string): Promise<Uint8Array | undefined> {
    return getOr(this.bodies, id);
  }

  put(tx: Tx, rec: MessageRecord, body?: Uint8Array): Tx {
    tx.put(this.sub, rec.id, rec);
    if (body) tx.put(this.bodies, rec.id, body);
    return tx;
  }

  /** Once every delivery is final the ciphertext is no longer needed; the record stays for queries. */
  dropBody(tx: Tx, id: string): Tx {
    return tx.del(this.bodies, id);
  }

  del(tx: Tx, id: string): Tx {
    tx.del(this.sub, id);
    return tx.del(this.bodies, id);
  }

  async all(): Promise<MessageRecord[]> {
    return this.sub.values().all();
  }
}
