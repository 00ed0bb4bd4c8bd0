import * as openpgp from 'openpgp';
import type { PublicKey } from 'openpgp';
import { checkParsedKeyUsable, usableUntil, type KeyUsability } from './key-check.js';
import { strictConfig } from './config.js';

interface Entry {
  armored: string;
  key: PublicKey;
  /** The key was found usable at `from` and stays so until `until` (its earliest expiry, capped). */
  usable?: { from: number; until: number };
}

/**
 * Members' public keys, parsed once, with their usability remembered until the key (or its
 * encryption subkey) expires. Parsing an armored key and verifying its self-signatures costs
 * milliseconds; without this cache a message to a hundred members would spend most of its time
 * re-checking keys that have not changed. A changed armored text (update-key) is a cache miss.
 */
export class PublicKeyCache {
  private readonly keys = new Map<string, Entry>();
  /** Parses in progress, so a burst of messages to a cold cache parses each key once. */
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(private readonly max = 10_000) {}

  private async entry(fingerprint: string, armored: string): Promise<Entry> {
    const hit = this.keys.get(fingerprint);
    if (hit && hit.armored === armored) return hit;
    const id = `${fingerprint}\x00${armored.length}`;
    const pending = this.loading.get(id);
    if (pending) {
      const e = await pending;
      if (e.armored === armored) return e;
    }
    const p = this.parse(fingerprint, armored);
    this.loading.set(id, p);
    try {
      return await p;
    } finally {
      this.loading.delete(id);
    }
  }

  private async parse(fingerprint: string, armored: string): Promise<Entry> {
    const key = await openpgp.readKey({ armoredKey: armored, config: strictConfig() });
    if (this.keys.size >= this.max) {
      const oldest = this.keys.keys().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    const e: Entry = { armored, key };
    this.keys.set(fingerprint, e);
    return e;
  }

  async get(fingerprint: string, armored: string): Promise<PublicKey> {
    return (await this.entry(fingerprint, armored)).key;
  }

  /** Parse and check every key given, ahead of the first message that needs them. */
  async warm(keys: ReadonlyArray<{ fingerprint: string; armored: string }>, now: Date): Promise<void> {
    for (const k of keys) await this.usable(k.fingerprint, k.armored, now).catch(() => undefined);
  }

  /** Whether the key can be encrypted to at `now`: expired or revoked keys never can. */
  async usable(fingerprint: string, armored: string, now: Date): Promise<KeyUsability> {
    const e = await this.entry(fingerprint, armored);
    const t = now.getTime();
    if (e.usable && t >= e.usable.from && t < e.usable.until) return { ok: true };
    const r = await checkParsedKeyUsable(e.key, now);
    if (r.ok) e.usable = { from: t, until: await usableUntil(e.key, now) };
    else delete e.usable;
    return r;
  }
}
