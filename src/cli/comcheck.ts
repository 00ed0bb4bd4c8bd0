import type { Argv, CommandModule } from 'yargs';
import type { ComcheckReport } from '../admin/comcheck-api.js';
import { UsageError } from '../errors.js';
import { withAdmin } from './backend.js';
import { printJson, printLines, table } from './output.js';
import { action, type GlobalArgs } from './run.js';

interface ListArgs extends GlobalArgs {
  list: string;
  json?: boolean;
}
interface ReportArgs extends ListArgs {
  runs?: number;
}

/** --runs N: a usage error (exit 2) unless a positive integer. */
export function runsOption(n: number | undefined): number | undefined {
  if (n === undefined) return undefined;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError('--runs must be a positive integer');
  return n;
}

/** 0.3333 → "33%"; null → "-". */
export function percent(rate: number | null): string {
  return rate === null ? '-' : `${Math.round(rate * 100)}%`;
}

/** "2026-01-01T09:00:00.000Z" → "2026-01-01 09:00"; null → "-". */
export function when(iso: string | null): string {
  return iso === null ? '-' : iso.slice(0, 16).replace('T', ' ');
}

export function reportLines(r: ComcheckReport): string[] {
  if (r.runs.length === 0) return [`no com-checks on ${r.list} yet (start one with "remailer comcheck run ${r.list}")`];
  const out = [`com-checks of ${r.list} (last ${r.runs.length} of at most ${r.runsConsidered} runs)`, ''];
  out.push(
    ...table(
      ['RUN', 'STARTED', 'PINGED', 'ON TIME', 'LATE', 'UNVERIFIED', 'MISSED', 'OPEN', 'RATE'],
      r.runs.map((s) => [
        s.id,
        when(s.sentAt ?? s.createdAt),
        String(s.pinged),
        String(s.replied),
        String(s.late),
        String(s.unverified),
        String(s.missed),
        String(s.open),
        percent(s.rate) + (s.closed ? '' : ' (open)'),
      ]),
    ),
  );
  out.push('', `trend: ${r.trend.map((t) => percent(t.rate)).join(' -> ')}`, '');
  out.push(
    ...table(
      ['EMAIL', 'NAME', 'TEAM', 'ROLE', 'LAST REPLY', 'MEDIAN REPLY', 'RATE', 'PINGS'],
      r.members.map((m) => [
        m.email,
        m.name,
        m.team,
        m.role,
        when(m.lastReply),
        m.medianReplyHours === null ? '-' : `${m.medianReplyHours}h`,
        percent(m.rate),
        String(m.pinged),
      ]),
    ),
  );
  return out;
}

const run: CommandModule<GlobalArgs, ListArgs> = {
  command: 'run <list>',
  describe: 'start a com-check now: one encrypted ping to every active member',
  builder: (y) =>
    y
      .positional('list', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', describe: 'machine-readable output' }) as Argv<ListArgs>,
  handler: action(async (argv, config) => {
    const r = await withAdmin(config, (c) => c.call('comcheck.run', { list: argv.list }));
    if (argv.json) return printJson(r);
    printLines(
      r.queued > 0
        ? [`com-check ${r.runId} on ${r.list}: ${r.queued} of ${r.pinged} pings sent; replies count until ${when(r.closesAt)} UTC`]
        : [`com-check ${r.runId} on ${r.list}: ${r.pinged} pings recorded; the daemon sends them when it starts (remailer serve)`],
    );
  }),
};

const report: CommandModule<GlobalArgs, ReportArgs> = {
  command: 'report <list>',
  describe: 'success rates per run and per member',
  builder: (y) =>
    y
      .positional('list', { type: 'string', demandOption: true })
      .option('runs', { type: 'number', describe: 'how many of the latest runs to cover (default 10)' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' }) as Argv<ReportArgs>,
  handler: action(async (argv, config) => {
    const runs = runsOption(argv.runs);
    const r = await withAdmin(config, (c) => c.call('comcheck.report', { list: argv.list, runs }));
    if (argv.json) return printJson(r);
    printLines(reportLines(r));
  }),
};

export const comcheckCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'comcheck <command>',
  describe: 'communication checks: encrypted pings and their replies',
  builder: (y) => y.command(run).command(report).demandCommand(1, 'name a comcheck command'),
  handler: () => {},
};
