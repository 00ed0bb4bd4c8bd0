import type { Argv, CommandModule } from 'yargs';
import { directoryCsv } from '../comcheck/directory.js';
import { EXIT_OK, EXIT_REFUSED } from '../errors.js';
import { withAdmin } from './backend.js';
import { runsOption } from './comcheck.js';
import { printJson, printLines, table } from './output.js';
import { action, type GlobalArgs } from './run.js';

interface ExportArgs extends GlobalArgs {
  list: string;
  format?: 'csv' | 'json';
  runs?: number;
}
interface ReviewArgs extends GlobalArgs {
  list: string;
  json?: boolean;
}

const exportCmd: CommandModule<GlobalArgs, ExportArgs> = {
  command: 'export <list>',
  describe: 'the contact directory: members, keys and com-check results',
  builder: (y) =>
    y
      .positional('list', { type: 'string', demandOption: true })
      .option('format', { type: 'string', choices: ['csv', 'json'] as const, default: 'csv', describe: 'output format' })
      .option('runs', { type: 'number', describe: 'com-check runs the success rate covers (default 10)' }) as Argv<ExportArgs>,
  handler: action(async (argv, config) => {
    const runs = runsOption(argv.runs);
    const entries = await withAdmin(config, (c) => c.call('directory.export', { list: argv.list, runs }));
    if (argv.format === 'json') return printJson(entries);
    process.stdout.write(directoryCsv(entries));
  }),
};

const review: CommandModule<GlobalArgs, ReviewArgs> = {
  command: 'review <list>',
  describe: 'members needing attention (expiring keys, missed com-checks, bounces); exit 1 if any',
  builder: (y) =>
    y
      .positional('list', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', describe: 'machine-readable output' }) as Argv<ReviewArgs>,
  handler: action(async (argv, config) => {
    const r = await withAdmin(config, (c) => c.call('directory.review', { list: argv.list }));
    // Exit 1 when something needs attention, so a cron job mails its output to the operator.
    const code = r.findings.length > 0 ? EXIT_REFUSED : EXIT_OK;
    if (argv.json) {
      printJson(r);
      return code;
    }
    if (r.findings.length === 0) {
      printLines([`${r.list}: nothing to review (${r.members} members)`]);
      return code;
    }
    printLines([
      `${r.list}: ${r.findings.length} of ${r.members} members need attention`,
      '',
      ...table(
        ['EMAIL', 'NAME', 'TEAM', 'PROBLEM'],
        r.findings.flatMap((f) => f.problems.map((p) => [f.email, f.name, f.team, p.detail])),
      ),
    ]);
    return code;
  }),
};

export const directoryCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'directory <command>',
  describe: 'the contact directory: export and review',
  builder: (y) => y.command(exportCmd).command(review).demandCommand(1, 'name a directory command'),
  handler: () => {},
};

