import type { Argv, CommandModule } from 'yargs';
import { EXIT_REFUSED } from '../errors.js';
import { withAdmin } from './backend.js';
import { logText, pruneText, verifyText } from './log-format.js';
import { printJson, printLines, warn } from './output.js';
import { action, type GlobalArgs } from './run.js';

interface ListArgs extends GlobalArgs {
  list: string;
}
interface ShowArgs extends ListArgs {
  since?: string;
  days?: number;
  message?: string;
  json?: boolean;
}
interface VerifyArgs extends ListArgs {
  pin?: string;
}

const show: CommandModule<GlobalArgs, ShowArgs> = {
  command: '$0 <list>',
  describe: "show a list's delivery log: one entry per message with its recipients",
  builder: (y) =>
    y
      .positional('list', { type: 'string', demandOption: true, describe: 'the list address' })
      .option('since', { type: 'string', describe: 'only messages at or after this time (ISO 8601)' })
      .option('days', { type: 'number', describe: 'only messages of the last N days' })
      .option('message', { type: 'string', describe: 'only this message: a queue id or the original Message-ID' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .conflicts('since', 'days') as Argv<ShowArgs>,
  handler: action(async (argv, config) => {
    const v = await withAdmin(config, (c) =>
      c.call('log.show', { list: argv.list, since: argv.since, days: argv.days, message: argv.message }),
    );
    if (argv.json) return printJson(v);
    const filtered = argv.since !== undefined || argv.days !== undefined || argv.message !== undefined;
    printLines(logText(v.list, v.messages, filtered));
  }),
};

const verify: CommandModule<GlobalArgs, VerifyArgs> = {
  command: 'verify <list>',
  describe: "recompute the list's log hash chain; exit 1 naming the first entry altered or removed",
  builder: (y) =>
    y
      .positional('list', { type: 'string', demandOption: true, describe: 'the list address' })
      .option('pin', { type: 'string', describe: 'a head SEQ:HASH noted earlier: the log must still contain it unchanged' }) as Argv<VerifyArgs>,
  handler: action(async (argv, config) => {
    const v = await withAdmin(config, (c) => c.call('log.verify', { list: argv.list, pin: argv.pin }));
    // The verdict is the command's answer, so it goes to standard output either way.
    printLines(verifyText(v));
    return v.ok ? 0 : EXIT_REFUSED;
  }),
};

const prune: CommandModule<GlobalArgs, ListArgs> = {
  command: 'prune <list>',
  describe: 'apply log-retention-days now (the daemon does it daily)',
  builder: (y) => y.positional('list', { type: 'string', demandOption: true, describe: 'the list address' }) as Argv<ListArgs>,
  handler: action(async (argv, config) => {
    const r = await withAdmin(config, (c) => c.call('log.prune', { list: argv.list }));
    printLines(pruneText(r));
    if (r.chainProblem === null) return 0;
    warn(`the log of ${r.list} does not verify, so no entry was pruned; see "remailer log verify ${r.list}"`);
    return EXIT_REFUSED;
  }),
};

export const logCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'log',
  describe: 'the delivery log: show, verify, prune',
  builder: (y) => y.command(verify).command(prune).command(show),
  handler: () => {},
};
