/**
 * Errors a user can act on. The CLI prints their message as one line and exits with their code;
 * anything else is a bug and is reported as an internal error.
 */
export const EXIT_OK = 0;
/** Refused: bad input or a policy said no. */
export const EXIT_REFUSED = 1;
/** Usage or configuration error. */
export const EXIT_USAGE = 2;

export type ExitCode = typeof EXIT_REFUSED | typeof EXIT_USAGE;

export class UserError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT_REFUSED) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** A refusal of bad input (exit 1). */
export class RefusedError extends UserError {
  constructor(message: string) {
    super(message, EXIT_REFUSED);
    this.name = 'RefusedError';
  }
}

/** Configuration or usage problem (exit 2). */
export class ConfigError extends UserError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = 'ConfigError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The command line was used wrongly (exit 2). */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}
