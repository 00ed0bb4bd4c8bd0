import type { CommandModule } from 'yargs';
import { Daemon } from '../daemon.js';
import { createLogger } from '../log.js';
import { action, type GlobalArgs } from './run.js';

export const serveCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'serve',
  describe: 'run the daemon (SMTP in, delivery out, scheduled jobs, admin socket)',
  handler: action(async (_argv, config) => {
    const log = createLogger(config.log.level);
    const daemon = await Daemon.start(config, { log });
    await new Promise<void>((resolve) => {
      let signalled = false;
      const onSignal = (sig: NodeJS.Signals): void => {
        if (signalled) return;
        signalled = true;
        log.info('SIGNAL', { signal: sig });
        void daemon.stop().then(resolve, (err: unknown) => {
          log.error('STOP_FAILED', { error: err instanceof Error ? err.message : String(err) });
          resolve();
        });
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    return 0;
  }),
};
