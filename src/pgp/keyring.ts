import fs from 'node:fs';
import type { PrivateKey } from 'openpgp';
import { ConfigError, errorMessage } from '../errors.js';
import { loadListKey } from './list-key.js';
import { listKeyPath } from './keyfiles.js';

/**
 * The daemon's unlocked list keys, in memory only. Loaded at start and when a list is created
 * while the daemon runs; dropped when the list is deleted.
 */
export class ListKeyring {
  private readonly keys = new Map<string, PrivateKey>();

  constructor(
    private readonly keysDir: string,
    private readonly passphrase: () => Promise<string>,
  ) {}

  async load(address: string): Promise<PrivateKey> {
    const file = listKeyPath(this.keysDir, address);
    if (!fs.existsSync(file)) throw new ConfigError(`the secret key of list ${address} is missing (${file})`);
    let key: PrivateKey;
    try {
      key = await loadListKey(file, await this.passphrase());
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`cannot unlock the key of list ${address}: ${errorMessage(err)}`);
    }
    this.keys.set(address, key);
    return key;
  }

  get(address: string): PrivateKey | undefined {
    return this.keys.get(address);
  }

  drop(address: string): void {
    this.keys.delete(address);
  }

  get size(): number {
    return this.keys.size;
  }
}
