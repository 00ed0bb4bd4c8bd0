import { createAdmin, directClient } from '../admin/admin.js';
import type { AdminClient } from '../admin/api.js';
import { NO_EVENTS } from '../admin/context.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config/load.js';
import { connectControl } from '../control/client.js';
import { RefusedError } from '../errors.js';
import { requirePassphrase } from '../pgp/passphrase.js';
import { StoreLockedError } from '../store/db.js';
import { Store } from '../store/store.js';

/**
 * Run CLI work against the running daemon (its admin socket) when there is one, else against the
 * store directly. LevelDB admits one process at a time, so while the daemon runs it is the only
 * way in; while it is stopped the CLI needs no daemon at all.
 */
export async function withAdmin<T>(config: Config, fn: (client: AdminClient) => Promise<T>): Promise<T> {
  const remote = await connectControl(config.socketPath);
  if (remote) {
    try {
      return await fn(remote);
    } finally {
      remote.close();
    }
  }
  let store: Store;
  try {
    store = await Store.open(config.dataDir);
  } catch (err) {
    if (err instanceof StoreLockedError) {
      throw new RefusedError(
        `${err.message}, but its admin socket ${config.socketPath} does not answer; check that the daemon uses the same config`,
      );
    }
    throw err;
  }
  try {
    const api = createAdmin({
      config,
      store,
      clock: systemClock,
      passphrase: () => requirePassphrase(config),
      events: NO_EVENTS,
      startedAt: new Date(),
    });
    return await fn(directClient(api));
  } finally {
    await store.close();
  }
}
