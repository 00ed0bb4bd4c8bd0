import os from 'node:os';
import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * The configuration file's schema. Key names are a public interface (administrators' files use them);
 * add keys freely, never rename. Every key has a default so an empty file (or none) is a working config.
 */
const duration = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a duration (use e.g. 30s, 5m, 2h, 1d)` });
      return z.NEVER;
    }
    return ms;
  });

const port = z.number().int().min(0).max(65535);

/** The first retry comes within a minute even with +20 % jitter (50 s × 1.2 = 60 s). */
export const DEFAULT_RETRY_SCHEDULE = ['50s', '5m', '10m', '20m', '40m', '1h'];

const smtpSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(2525),
    hostname: z.string().min(1).regex(/^[A-Za-z0-9.-]+$/, 'must be a host name').default(os.hostname() || 'localhost'),
    maxMessageBytes: z.number().int().min(1024).default(25 * 1024 * 1024),
    maxClients: z.number().int().min(1).default(64),
    socketTimeout: duration.default(60_000),
  })
  .strict();

const authSchema = z.object({ user: z.string().min(1), pass: z.string() }).strict();

const deliverySchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(25),
    secure: z.boolean().default(false),
    auth: authSchema.nullable().default(null),
    /** Wait before each retry; the last entry repeats until maxQueueHours. */
    retry: z.array(duration).min(1).prefault(DEFAULT_RETRY_SCHEDULE),
    maxQueueHours: z.number().positive().default(120),
    /** Each SMTP transaction waits on round trips to the smarthost; 16 keep a local one busy (Postfix's own client allows 20). */
    maxConnections: z.number().int().min(1).max(100).default(16),
    /** Copies being prepared or sent at once: bounds memory under a burst of large messages. */
    concurrency: z.number().int().min(1).max(1000).default(64),
    /** Threads that wrap session keys for the copies; null means one per core beyond the first, at most 4. */
    wrapThreads: z.number().int().min(0).max(16).nullable().default(null),
  })
  .strict();

const keysSchema = z
  .object({
    passphraseFile: z.string().min(1).nullable().default(null),
  })
  .strict();

const controlSchema = z
  .object({
    socketPath: z.string().min(1).nullable().default(null),
  })
  .strict();

const logSchema = z
  .object({
    level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .strict();

export const configSchema = z
  .object({
    dataDir: z.string().min(1).default('./data'),
    keysDir: z.string().min(1).default('./keys'),
    smtp: smtpSchema.default(() => smtpSchema.parse({})),
    delivery: deliverySchema.default(() => deliverySchema.parse({})),
    keys: keysSchema.default(() => keysSchema.parse({})),
    control: controlSchema.default(() => controlSchema.parse({})),
    log: logSchema.default(() => logSchema.parse({})),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
