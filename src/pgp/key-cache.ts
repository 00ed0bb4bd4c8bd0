import * as openpgp from 'openpgp';
import type { PublicKey } from 'openpgp';

/**
 * Parsed public keys by fingerprint and armored text. Parsing an armored key costs about a
 * millisecond; a busy list would otherwise parse every member's key for every message.
 */
export class PublicKeyCache {
  private readonly keys = new Map<string, { armored: string; key: PublicKey }>();

  constructor(private readonly max = 10_000) {}

  async get(fingerprint: string, armored: string): Promise<PublicKey> {
    const hit = this.keys.get(fingerprint);
    if (hit && hit.armored === armored) return hit.key;
    const key = await openpgp.readKey({ armoredKey: armored });
    if (this.keys.size >= this.max) {
      const oldest = this.keys.keys().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    this.keys.set(fingerprint, { armored, key });
    return key;
  }
}
