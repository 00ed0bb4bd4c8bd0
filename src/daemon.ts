import fs from 'node:fs';
import { createAdmin } from './admin/admin.js';
import type { AdminEvents } from './admin/context.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/load.js';
import { ControlServer } from './control/server.js';
import { ConfigError, RefusedError, errorMessage } from './errors.js';
import type { Logger } from './log.js';
import { assertKeysDirPrivate } from './pgp/keyfiles.js';
import { ListKeyring } from './pgp/keyring.js';
import { requirePassphrase } from './pgp/passphrase.js';
import { StoreLockedError } from './store/db.js';
import { Store } from './store/store.js';

export interface DaemonOptions {
  log: Logger;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
}

/**
 * The running daemon. Start-up order matters: config → store → key checks → keys → admin socket →
 * SMTP → workers → jobs; shutdown runs it backwards so nothing is accepted that cannot be stored.
 */
export class Daemon {
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly config: Config,
    readonly store: Store,
    readonly keyring: ListKeyring,
    private readonly control: ControlServer,
    private readonly log: Logger,
  ) {}

  static async start(config: Config, opts: DaemonOptions): Promise<Daemon> {
    const { log } = opts;
    const clock = opts.clock ?? systemClock;
    const env = opts.env ?? process.env;
    const startedAt = clock.now();

    try {
      await assertKeysDirPrivate(config.keysDir);
    } catch (err) {
      throw new ConfigError(errorMessage(err));
    }

    let store: Store;
    try {
      store = await Store.open(config.dataDir);
    } catch (err) {
      if (err instanceof StoreLockedError) throw new RefusedError(`${err.message}; only one daemon can use a data folder`);
      throw err;
    }

    try {
      const keyring = new ListKeyring(config.keysDir, () => requirePassphrase(config, env));
      const lists = await store.lists.all();
      for (const l of lists) await keyring.load(l.address);

      const events: AdminEvents = {
        listCreated: async (address) => {
          await keyring.load(address);
          log.info('LIST_CREATED', { list: address });
        },
        listChanged: async (address, option) => log.info('LIST_CHANGED', { list: address, option }),
        listDeleted: async (address) => {
          keyring.drop(address);
          log.info('LIST_DELETED', { list: address });
        },
        memberChanged: async (list, email, change) => log.info('MEMBER_CHANGED', { list, member: email, change }),
      };
      const api = createAdmin({
        config,
        store,
        clock,
        passphrase: () => requirePassphrase(config, env),
        events,
        startedAt,
      });
      fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      const control = new ControlServer(config.socketPath, api, log);
      await control.listen();

      log.info('STARTED', { pid: process.pid, lists: lists.length, socket: config.socketPath });
      return new Daemon(config, store, keyring, control, log);
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /** Stop accepting, finish or re-queue in-flight work, close the store. Safe to call twice. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        await this.control.close();
        await this.store.close();
        this.log.info('STOPPED', {});
      })();
    }
    return this.stopping;
  }
}
