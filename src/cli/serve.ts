import type { CommandModule } from 'yargs';
import { Daemon } from '../daemon.js';
import { createLogger } from '../log.js';
import { action, type GlobalArgs } from './run.js';

export const serveCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'serve',
  describe: 'run the daemon (SMTP in, delivery out, scheduled jobs, admin socket)',
  handler: action(async (_argv, config) => {
    const log = createLogger(config.log.level);
    // Listen before the daemon logs STARTED: a SIGTERM sent as soon as that line appears must stop
    // it cleanly, not kill it through Node's default signal action (a race seen under load).
    const signal: { received: NodeJS.Signals | null; stop: (() => void) | null } = { received: null, stop: null };
    const onSignal = (sig: NodeJS.Signals): void => {
      if (signal.received) return;
      signal.received = sig;
      signal.stop?.();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    const daemon = await Daemon.start(config, { log });
    await new Promise<void>((resolve) => {
      signal.stop = () => {
        log.info('SIGNAL', { signal: signal.received });
        void daemon.stop().then(resolve, (err: unknown) => {
          log.error('STOP_FAILED', { error: err instanceof Error ? err.message : String(err) });
          resolve();
        });
      };
      if (signal.received) signal.stop();
    });
    return 0;
  }),
};
