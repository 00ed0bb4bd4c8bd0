import { getOr, jsonSub, key, prefixRange, SEP, valuesWithPrefix, type Root, type Sub } from './db.js';
import { FINAL_STATES, type DeliveryRecord } from './records.js';
import type { Tx } from './tx.js';

export interface DeliveryKey {
  messageId: string;
  recipient: string;
}

/**
 * Per-recipient delivery records, keyed message id + recipient, so a re-run after a crash
 * overwrites instead of duplicating. Two indexes: `pending` (every delivery not yet final, what
 * the worker resumes on start) and `verp` (bounce token → delivery).
 */
export class DeliveriesRepo {
  readonly sub: Sub<DeliveryRecord>;
  readonly pending: Sub<string>;
  readonly verp: Sub<string>;
  constructor(root: Root) {
    this.sub = jsonSub<DeliveryRecord>(root, 'deliveries');
    this.pending = jsonSub<string>(root, 'pending');
    this.verp = jsonSub<string>(root, 'verp');
  }

  get(k: DeliveryKey): Promise<DeliveryRecord | undefined> {
    return getOr(this.sub, key(k.messageId, k.recipient));
  }

  ofMessage(messageId: string): Promise<DeliveryRecord[]> {
    return valuesWithPrefix(this.sub, messageId);
  }

  async byVerp(token: string): Promise<DeliveryRecord | undefined> {
    const k = await getOr(this.verp, token);
    if (k === undefined) return undefined;
    return getOr(this.sub, k);
  }

  /** A new delivery: the record and both indexes. */
  create(tx: Tx, rec: DeliveryRecord): Tx {
    tx.put(this.verp, rec.verp, key(rec.messageId, rec.recipient));
    return this.put(tx, rec);
  }

  /** A changed delivery (its VERP token never changes): the record, and `pending` in step with its state. */
  put(tx: Tx, rec: DeliveryRecord): Tx {
    const k = key(rec.messageId, rec.recipient);
    tx.put(this.sub, k, rec);
    if (FINAL_STATES.includes(rec.state)) tx.del(this.pending, k);
    else tx.put(this.pending, k, '');
    return tx;
  }

  /**
   * A change from one pending state to another (queued or deferred → sending): the `pending` entry
   * is already there, so only the record is written (one operation less on every attempt).
   */
  putStillPending(tx: Tx, rec: DeliveryRecord): Tx {
    if (FINAL_STATES.includes(rec.state)) throw new Error(`putStillPending: ${rec.state} is a final state`);
    return tx.put(this.sub, key(rec.messageId, rec.recipient), rec);
  }

  del(tx: Tx, rec: DeliveryRecord): Tx {
    const k = key(rec.messageId, rec.recipient);
    tx.del(this.sub, k);
    tx.del(this.verp, rec.verp);
    return tx.del(this.pending, k);
  }

  /** Every delivery that is not final: what a restarted daemon resumes. */
  async pendingKeys(): Promise<DeliveryKey[]> {
    const out: DeliveryKey[] = [];
    for await (const k of this.pending.keys()) {
      const i = k.indexOf(SEP);
      out.push({ messageId: k.slice(0, i), recipient: k.slice(i + 1) });
    }
    return out;
  }

  async hasPending(messageId: string): Promise<boolean> {
    for await (const _ of this.pending.keys({ ...prefixRange(messageId), limit: 1 })) return true;
    return false;
  }
}
