import type { AuditLog } from '../audit/log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { DeliveryKey } from '../store/deliveries.js';
import type { Store } from '../store/store.js';

/** Things the running daemon must react to; in direct mode (daemon stopped) they do nothing. */
export interface AdminEvents {
  listCreated(address: string): Promise<void>;
  listChanged(address: string, option: string): Promise<void>;
  listDeleted(address: string): Promise<void>;
  memberChanged(list: string, email: string, change: 'added' | 'key-updated' | 'removed'): Promise<void>;
  /** `queue retry`: these deliveries are due now (the records already say so); the worker starts on them. */
  queueRetry?(keys: readonly DeliveryKey[]): Promise<void>;
  /**
   * `queue drop`, before the records are written: the worker must not hand these to the smarthost
   * any more. Answers the keys it is already handing over; those are left to finish and be recorded.
   */
  queueDrop?(keys: readonly DeliveryKey[]): Promise<DeliveryKey[]>;
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
  /** The daemon's log writer (one chain head per list per process); direct mode makes its own. */
  audit?: AuditLog;
}
