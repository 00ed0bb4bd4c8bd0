import { EXIT_REFUSED, UserError } from '../errors.js';
import { loadConfig, type Config } from '../config/load.js';

export interface GlobalArgs {
  config?: string | undefined;
}

/**
 * Every command handler runs through here: user errors become one line on stderr and their exit
 * code; anything else is a bug, reported in one line too (REMAILER_DEBUG=1 shows the stack).
 */
export function reportError(err: unknown): number {
  if (err instanceof UserError) {
    process.stderr.write(`remailer: ${err.message}\n`);
    return err.exitCode;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`remailer: internal error: ${msg.split('\n')[0] ?? ''}\n`);
  if (process.env['REMAILER_DEBUG'] && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return EXIT_REFUSED;
}

export function action<A extends GlobalArgs>(fn: (argv: A, config: Config) => Promise<number | void>): (argv: A) => Promise<void> {
  return async (argv: A) => {
    try {
      const config = loadConfig({ configPath: argv.config });
      const code = await fn(argv, config);
      process.exitCode = code ?? 0;
    } catch (err) {
      process.exitCode = reportError(err);
    }
  };
}
