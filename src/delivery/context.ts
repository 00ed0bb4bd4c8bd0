import type { SessionKey } from 'openpgp';
import { prepareOuterParts, type OuterPartsFactory, type RandomSource } from '../mime/index.js';
import { recoverSessionKey } from '../pgp/fanout.js';
import type { ListKeyring } from '../pgp/keyring.js';
import { sharedHeaders } from '../queue/headers.js';
import type { MessageRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

/** Everything needed to make any recipient's copy of one message; ciphertext and keys only. */
export interface MessageContext {
  record: MessageRecord;
  sessionKey: SessionKey;
  body: Uint8Array;
  outer: OuterPartsFactory;
}

/**
 * Per-message contexts, bounded by the bytes of their bodies. A context evicted (or lost in a
 * crash) is rebuilt from the store: the body blob, and the session key unwrapped with the list key.
 */
export class ContextCache {
  private readonly entries = new Map<string, MessageContext>();
  private bytes = 0;

  constructor(
    private readonly store: Store,
    private readonly keyring: ListKeyring,
    private readonly random: RandomSource,
    private readonly maxBytes = 256 * 1024 * 1024,
  ) {}

  put(record: MessageRecord, sessionKey: SessionKey, body: Uint8Array): MessageContext {
    const ctx = { record, sessionKey, body, outer: prepareOuterParts(sharedHeaders(record.headers), this.random) };
    this.insert(ctx);
    return ctx;
  }

  async get(messageId: string): Promise<MessageContext | null> {
    const hit = this.entries.get(messageId);
    if (hit) {
      // Map order is our LRU order.
      this.entries.delete(messageId);
      this.entries.set(messageId, hit);
      return hit;
    }
    const record = await this.store.messages.get(messageId);
    if (!record) return null;
    const body = await this.store.messages.body(messageId);
    if (!body) return null;
    const listKey = this.keyring.get(record.list);
    if (!listKey) throw new Error(`the key of list ${record.list} is not loaded`);
    const sessionKey = await recoverSessionKey({ listPkesk: Buffer.from(record.listPkesk, 'base64'), listKey });
    return this.put(record, sessionKey, body);
  }

  drop(messageId: string): void {
    const e = this.entries.get(messageId);
    if (!e) return;
    this.entries.delete(messageId);
    this.bytes -= e.body.length;
  }

  private insert(ctx: MessageContext): void {
    this.drop(ctx.record.id);
    this.entries.set(ctx.record.id, ctx);
    this.bytes += ctx.body.length;
    for (const [id] of this.entries) {
      if (this.bytes <= this.maxBytes || this.entries.size <= 1) break;
      this.drop(id);
    }
  }
}
