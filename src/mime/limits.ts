import { MimeError } from './errors.js';

/** Bounds applied to everything parsed from the network (and to decrypted content, which may have been compressed). */
export interface MimeLimits {
  /** Deepest allowed entity nesting; the top-level entity is level 1. Default 16. */
  maxDepth: number;
  /** Most MIME entities (multipart children and encapsulated messages) in one message. Default 500. */
  maxParts: number;
  /** Largest header section of any single entity, in bytes. Default 64 KiB. */
  maxHeaderBytes: number;
  /** Total bytes produced by transfer/charset decoding across one parse call. Default 64 MiB. */
  maxDecodedBytes: number;
}

export const DEFAULT_MIME_LIMITS: Readonly<MimeLimits> = Object.freeze({
  maxDepth: 16,
  maxParts: 500,
  maxHeaderBytes: 64 * 1024,
  maxDecodedBytes: 64 * 1024 * 1024,
});

export function resolveLimits(limits: Partial<MimeLimits> = {}): MimeLimits {
  const out: MimeLimits = { ...DEFAULT_MIME_LIMITS, ...limits };
  for (const key of ['maxDepth', 'maxParts', 'maxHeaderBytes', 'maxDecodedBytes'] as const) {
    const v = out[key];
    if (!Number.isSafeInteger(v) || v < 1) throw new MimeError('unsafe-value', `MIME limit ${key} must be a positive integer`);
  }
  return out;
}

/** Counts what one parse call has spent, so a limit is enforced across the whole tree, not per part. */
export class Budget {
  readonly limits: MimeLimits;
  private parts = 0;
  private decoded = 0;

  constructor(limits: MimeLimits) {
    this.limits = limits;
  }

  addPart(): void {
    this.parts += 1;
    if (this.parts > this.limits.maxParts) {
      throw new MimeError('limit', `MIME message has more than ${this.limits.maxParts} parts`);
    }
  }

  checkDepth(level: number): void {
    if (level > this.limits.maxDepth) {
      throw new MimeError('limit', `MIME nesting deeper than ${this.limits.maxDepth} levels`);
    }
  }

  /** Call before allocating, with an upper bound of what decoding will produce. */
  spend(bytes: number): void {
    this.decoded += bytes;
    if (this.decoded > this.limits.maxDecodedBytes) {
      throw new MimeError('limit', `MIME decoded content larger than ${this.limits.maxDecodedBytes} bytes`);
    }
  }
}
