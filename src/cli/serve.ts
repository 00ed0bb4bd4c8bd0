import type { CommandModule } from 'yargs';
import { Daemon } from '../daemon.js';
import { createLogger } from '../log.js';
import { action, type GlobalArgs } from './run.js';

export const serveCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'serve',
  describe: 'run the daemon (SMTP in, delivery out, scheduled jobs, admin socket)',
  handler: action(async (_argv, config) => {
    const log = createLogger(config.log.level);
    // Handlers go in before the daemon starts: a SIGTERM that arrives right after STARTED (or
    // during start-up) must stop the daemon cleanly, not kill it with the default action.
    let signalled = false;
    let stop: (() => void) | null = null;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (signalled) return;
      signalled = true;
      log.info('SIGNAL', { signal: sig });
      stop?.();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      const daemon = await Daemon.start(config, { log });
      await new Promise<void>((resolve) => {
        stop = () =>
          void daemon.stop().then(resolve, (err: unknown) => {
            log.error('STOP_FAILED', { error: err instanceof Error ? err.message : String(err) });
            resolve();
          });
        if (signalled) stop();
      });
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    return 0;
  }),
};
