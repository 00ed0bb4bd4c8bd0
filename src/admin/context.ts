import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { Store } from '../store/store.js';

/** Things the running daemon must react to; in direct mode (daemon stopped) they do nothing. */
export interface AdminEvents {
  listCreated(address: string): Promise<void>;
  listChanged(address: string, option: string): Promise<void>;
  listDeleted(address: string): Promise<void>;
  memberChanged(list: string, email: string, change: 'added' | 'key-updated' | 'removed'): Promise<void>;
}

export const NO_EVENTS: AdminEvents = {
  listCreated: async () => {},
  listChanged: async () => {},
  listDeleted: async () => {},
  memberChanged: async () => {},
};

export interface AdminContext {
  config: Config;
  store: Store;
  clock: Clock;
  /** The list-key passphrase; throws a ConfigError saying how to configure one when there is none. */
  passphrase(): Promise<string>;
  events: AdminEvents;
  startedAt: Date;
}
