import fs from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import type { EnrollResult, KeyInput, MemberView } from '../admin/api.js';
import { RefusedError, UsageError } from '../errors.js';
import type { MemberRole } from '../store/records.js';
import { MEMBER_ROLES } from '../store/records.js';
import { withAdmin } from './backend.js';
import { date, fields, printJson, printLines, table, warn } from './output.js';
import { action, type GlobalArgs } from './run.js';

interface ListArgs extends GlobalArgs {
  list: string;
}
interface MemberArgs extends ListArgs {
  email: string;
}
interface KeyArgs extends MemberArgs {
  key: string;
  fingerprint?: string;
  'allow-uid-mismatch'?: boolean;
  json?: boolean;
}
interface AddArgs extends KeyArgs {
  name?: string;
  team?: string;
  role?: MemberRole;
}

const MAX_KEY_FILE = 1024 * 1024;

/** --key FILE or --key - (standard input). */
async function readKey(file: string): Promise<KeyInput> {
  let bytes: Buffer;
  if (file === '-') {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const c of process.stdin) {
      const b = Buffer.isBuffer(c) ? c : Buffer.from(String(c));
      total += b.length;
      if (total > MAX_KEY_FILE) throw new RefusedError('the key on standard input is larger than 1 MiB');
      chunks.push(b);
    }
    bytes = Buffer.concat(chunks);
  } else {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      throw new UsageError(`cannot read key file ${file}: no such file`);
    }
    if (!st.isFile()) throw new UsageError(`key file ${file} is not a regular file`);
    if (st.size > MAX_KEY_FILE) throw new RefusedError(`key file ${file} is larger than 1 MiB`);
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      throw new UsageError(`cannot read key file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  return { base64: bytes.toString('base64') };
}

function enrolledLines(verb: string, r: EnrollResult): string[] {
  return [
    `${verb} ${r.email} on ${r.list}`,
    ...fields([
      ['fingerprint', r.fingerprint],
      ['algorithm', r.algorithm],
      ['expires', r.keyExpires ?? 'never'],
      ['status', r.status],
    ]),
  ];
}

function memberLines(m: MemberView): string[] {
  return fields([
    ['email', m.email],
    ['list', m.list],
    ['name', m.name],
    ['team', m.team],
    ['role', m.role],
    ['status', m.status],
    ['fingerprint', m.fingerprint],
    ['algorithm', m.algorithm],
    ['key created', m.keyCreated],
    ['key expires', m.keyExpires ?? 'never'],
    ['enrolled', m.enrolledAt],
    ['key updated', m.keyUpdatedAt],
    ['uid mismatch allowed', m.allowUidMismatch ? 'yes' : 'no'],
    ['bounces', String(m.bounceCount)],
  ]);
}

function keyOptions<T extends GlobalArgs>(y: Argv<T>): Argv<T> {
  return y
    .option('key', { type: 'string', demandOption: true, describe: 'the public key file (armored or binary), or - for stdin' })
    .option('fingerprint', { type: 'string', describe: 'the fingerprint confirmed out of band; enrollment is refused unless it matches' })
    .option('allow-uid-mismatch', { type: 'boolean', describe: "enroll although the key has no user ID for this address (recorded)" })
    .option('json', { type: 'boolean', describe: 'machine-readable output' }) as Argv<T>;
}

function reportEnroll(verb: string, r: EnrollResult, json: boolean | undefined): void {
  for (const w of r.warnings) warn(w);
  if (json) printJson(r);
  else printLines(enrolledLines(verb, r));
}

const add: CommandModule<GlobalArgs, AddArgs> = {
  command: 'add <list> <email>',
  describe: "enroll a member with their public key",
  builder: (y) =>
    keyOptions(
      y
        .positional('list', { type: 'string', demandOption: true })
        .positional('email', { type: 'string', demandOption: true })
        .option('name', { type: 'string', describe: "the member's name" })
        .option('team', { type: 'string', describe: 'the team (CSIRT) they represent' })
        .option('role', { type: 'string', choices: MEMBER_ROLES, describe: 'role on the list (default member)' }),
    ) as Argv<AddArgs>,
  handler: action(async (argv, config) => {
    const key = await readKey(argv.key);
    const r = await withAdmin(config, (c) =>
      c.call('member.add', {
        list: argv.list,
        email: argv.email,
        key,
        fingerprint: argv.fingerprint,
        name: argv.name,
        team: argv.team,
        role: argv.role,
        allowUidMismatch: argv['allow-uid-mismatch'],
      }),
    );
    reportEnroll('enrolled', r, argv.json);
  }),
};

const updateKey: CommandModule<GlobalArgs, KeyArgs> = {
  command: 'update-key <list> <email>',
  describe: "replace a member's key (same checks as add)",
  builder: (y) =>
    keyOptions(
      y.positional('list', { type: 'string', demandOption: true }).positional('email', { type: 'string', demandOption: true }),
    ) as Argv<KeyArgs>,
  handler: action(async (argv, config) => {
    const key = await readKey(argv.key);
    const r = await withAdmin(config, (c) =>
      c.call('member.update-key', {
        list: argv.list,
        email: argv.email,
        key,
        fingerprint: argv.fingerprint,
        allowUidMismatch: argv['allow-uid-mismatch'],
      }),
    );
    reportEnroll('updated key of', r, argv.json);
  }),
};

const ls: CommandModule<GlobalArgs, ListArgs & { json?: boolean }> = {
  command: 'ls <list>',
  describe: "list a list's members",
  builder: (y) =>
    y
      .positional('list', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', describe: 'machine-readable output' }) as Argv<ListArgs & { json?: boolean }>,
  handler: action(async (argv, config) => {
    const ms = await withAdmin(config, (c) => c.call('member.ls', { list: argv.list }));
    if (argv.json) return printJson(ms);
    if (ms.length === 0) return printLines(['no members (enroll one with "remailer member add")']);
    printLines(
      table(
        ['EMAIL', 'NAME', 'TEAM', 'ROLE', 'STATUS', 'FINGERPRINT', 'EXPIRES'],
        ms.map((m) => [m.email, m.name, m.team, m.role, m.status, m.fingerprint, date(m.keyExpires)]),
      ),
    );
  }),
};

const show: CommandModule<GlobalArgs, MemberArgs & { json?: boolean }> = {
  command: 'show <list> <email>',
  describe: 'show one member',
  builder: (y) =>
    y
      .positional('list', { type: 'string', demandOption: true })
      .positional('email', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', describe: 'machine-readable output' }) as Argv<MemberArgs & { json?: boolean }>,
  handler: action(async (argv, config) => {
    const m = await withAdmin(config, (c) => c.call('member.show', { list: argv.list, email: argv.email }));
    if (argv.json) return printJson(m);
    printLines(memberLines(m));
  }),
};

const rm: CommandModule<GlobalArgs, MemberArgs> = {
  command: 'rm <list> <email>',
  describe: 'remove a member',
  builder: (y) =>
    y.positional('list', { type: 'string', demandOption: true }).positional('email', { type: 'string', demandOption: true }) as Argv<MemberArgs>,
  handler: action(async (argv, config) => {
    const r = await withAdmin(config, (c) => c.call('member.rm', { list: argv.list, email: argv.email }));
    printLines([`removed ${r.email} from ${r.list}`]);
  }),
};

const confirm: CommandModule<GlobalArgs, MemberArgs & { json?: boolean }> = {
  command: 'confirm <list> <email>',
  describe: 'activate a pending member without their signed reply (recorded in the log)',
  builder: (y) =>
    y
      .positional('list', { type: 'string', demandOption: true })
      .positional('email', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', describe: 'machine-readable output' }) as Argv<MemberArgs & { json?: boolean }>,
  handler: action(async (argv, config) => {
    const m = await withAdmin(config, (c) => c.call('member.confirm', { list: argv.list, email: argv.email }));
    if (argv.json) return printJson(m);
    printLines([`confirmed ${m.email} on ${m.list} (status ${m.status})`]);
  }),
};

export const memberCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'member <command>',
  describe: 'enroll and manage members and their keys',
  builder: (y) => y.command(add).command(ls).command(show).command(updateKey).command(rm).command(confirm).demandCommand(1, 'name a member command'),
  handler: () => {},
};
