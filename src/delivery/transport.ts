import type { Readable } from 'node:stream';
import type { Config } from '../config/load.js';
import type { DeliveryInput } from './classify.js';
import { SmtpPool } from './smtp-pool.js';

/** One copy handed to the smarthost: one envelope sender (VERP), one recipient, one transaction. */
export interface Handoff {
  from: string;
  to: string;
  raw: Buffer | Uint8Array | Readable;
}

/** The smarthost's answer, in the shape classifyDelivery reads. */
export type HandoffResult = DeliveryInput;

export interface Smarthost {
  send(h: Handoff): Promise<HandoffResult>;
  close(): void;
}

/** The smarthost: pooled, persistent SMTP connections (see smtp-pool.ts). */
export function createSmarthost(config: Config): Smarthost {
  return SmtpPool.fromConfig(config);
}
