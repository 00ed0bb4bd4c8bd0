import type { Argv, CommandModule } from 'yargs';
import { systemClock } from '../clock.js';
import { withAdmin } from './backend.js';
import { printJson, printLines } from './output.js';
import { dropText, queueText, retryText } from './queue-format.js';
import { action, type GlobalArgs } from './run.js';

interface IdArgs extends GlobalArgs {
  id: string;
}
interface RetryArgs extends GlobalArgs {
  id?: string;
  all?: boolean;
}

const ls: CommandModule<GlobalArgs, GlobalArgs & { json?: boolean }> = {
  command: 'ls',
  describe: 'every delivery that is not final, with a count summary',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: action(async (argv, config) => {
    const v = await withAdmin(config, (c) => c.call('queue.ls', {}));
    if (argv.json) return printJson(v);
    printLines(queueText(v, systemClock.now()));
  }),
};

const retry: CommandModule<GlobalArgs, RetryArgs> = {
  command: 'retry [id]',
  describe: "try a message's pending deliveries now (deferred ones become due); --all for the whole queue",
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'a queue id (see "remailer queue ls")' })
      .option('all', { type: 'boolean', describe: 'every pending delivery' })
      .conflicts('id', 'all') as Argv<RetryArgs>,
  handler: action(async (argv, config) => {
    const [r, mode] = await withAdmin(config, async (c) => [await c.call('queue.retry', { id: argv.id, all: argv.all }), c.mode] as const);
    printLines(retryText(r, mode === 'daemon'));
  }),
};

const drop: CommandModule<GlobalArgs, IdArgs> = {
  command: 'drop <id>',
  describe: "give up a message's pending deliveries: marked failed (dropped by operator), body deleted",
  builder: (y) => y.positional('id', { type: 'string', demandOption: true, describe: 'a queue id' }) as Argv<IdArgs>,
  handler: action(async (argv, config) => {
    const r = await withAdmin(config, (c) => c.call('queue.drop', { id: argv.id }));
    printLines(dropText(r));
  }),
};

export const queueCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'queue <command>',
  describe: 'the delivery queue: list, retry, drop',
  builder: (y) => y.command(ls).command(retry).command(drop).demandCommand(1, 'name a queue command'),
  handler: () => {},
};
