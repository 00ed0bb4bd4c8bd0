/**
 * The only error type that leaves src/mime. Messages are fixed sentences chosen here, never built
 * from message content, so they can be logged and sent back in an SMTP reply without leaking
 * anything (a 5xx text travels back to the sender through Postfix, standards §8).
 */
export type MimeErrorCode =
  /** A MimeLimits bound was exceeded (nesting, part count, header size, decoded size). */
  | 'limit'
  /** The input is not MIME we are willing to interpret (bad RFC 3156/1847 shape, broken header). */
  | 'malformed'
  /** A value handed to a builder cannot be written safely (bad address, Message-ID, URI, bytes). */
  | 'unsafe-value';

export class MimeError extends Error {
  readonly code: MimeErrorCode;
  constructor(code: MimeErrorCode, message: string) {
    super(message);
    this.name = 'MimeError';
    this.code = code;
  }
}

/**
 * Runs a public entry point and converts anything unexpected (a library throwing on odd input, a
 * RangeError) into a MimeError. The original error is dropped on purpose: its message may quote
 * message content, and callers must be able to treat every failure here as "malformed input".
 */
export function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err: unknown) {
    if (err instanceof MimeError) throw err;
    throw new MimeError('malformed', `${what}: MIME could not be interpreted`);
  }
}
