/**
 * Why an inbound message could not be turned into plaintext. The SMTP layer maps each kind to a
 * reply (not-encrypted/not-for-list → 550 5.7.1, decrypt-failed → 550 5.7.5, malformed → 554 5.6.0,
 * too-large → 552 5.3.4), so the kinds must stay few and stable; the message is a sentence a sender
 * can act on and never contains plaintext or key material.
 */
export type PgpErrorKind = 'not-encrypted' | 'not-for-list' | 'malformed' | 'too-large' | 'decrypt-failed';

export class PgpError extends Error {
  readonly kind: PgpErrorKind;
  constructor(kind: PgpErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PgpError';
    this.kind = kind;
  }
}

export function isPgpError(err: unknown, kind?: PgpErrorKind): err is PgpError {
  return err instanceof PgpError && (kind === undefined || err.kind === kind);
}
