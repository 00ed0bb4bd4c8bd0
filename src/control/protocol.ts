import type { ExitCode } from '../errors.js';

/**
 * The admin socket speaks newline-delimited JSON: one request line, one response line.
 * Only the daemon's own user can connect (the socket is 0600 inside a 0700 data folder).
 */
export interface ControlRequest {
  id: number;
  op: string;
  args: unknown;
}

export type ControlResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; exitCode: ExitCode } };

/** Keys travel inside requests; nothing legitimate comes near this. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
