import type { Argv, CommandModule } from 'yargs';
import type { ListDetails, ListSummary } from '../admin/api.js';
import { UsageError } from '../errors.js';
import { withAdmin } from './backend.js';
import { date, fields, printJson, printLines, table } from './output.js';
import { action, type GlobalArgs } from './run.js';

interface AddrArgs extends GlobalArgs {
  address: string;
}
interface JsonArgs extends GlobalArgs {
  json?: boolean;
}

function summaryLines(l: ListSummary): string[] {
  return fields([
    ['list', l.address],
    ['name', l.name],
    ['fingerprint', l.fingerprint],
    ['owners', l.owners.join(', ') || '(none)'],
    ['members', String(l.members)],
    ['created', l.createdAt],
  ]);
}

function detailLines(l: ListDetails): string[] {
  const opts = Object.entries(l.options).map(([k, v]) => {
    const shown = v === '' ? '""' : String(v);
    return `  ${k.padEnd(26)}${shown}${l.setOptions.includes(k) ? '' : '  (default)'}`;
  });
  return [
    ...summaryLines(l),
    ...fields([
      ['owner address', l.ownerAddress],
      ['request address', l.requestAddress],
      ['com-check address', l.comcheckAddress],
    ]),
    'options:',
    ...opts,
  ];
}

const create: CommandModule<GlobalArgs, AddrArgs & { name?: string; owner?: string[] }> = {
  command: 'create <address>',
  describe: 'create a list and generate its OpenPGP key',
  builder: (y) =>
    y
      .positional('address', { type: 'string', demandOption: true, describe: 'the posting address, e.g. csirt@lists.example.org' })
      .option('name', { type: 'string', describe: 'display name (default: the local part)' })
      .option('owner', { type: 'string', array: true, describe: 'owner address (repeatable)' }) as Argv<AddrArgs & { name?: string; owner?: string[] }>,
  handler: action(async (argv, config) => {
    const l = await withAdmin(config, (c) =>
      c.call('list.create', { address: argv.address, name: argv.name, owners: argv.owner ?? [] }),
    );
    printLines([`created list ${l.address}`, ...fields([['fingerprint', l.fingerprint]])]);
  }),
};

const ls: CommandModule<GlobalArgs, JsonArgs> = {
  command: 'ls',
  describe: 'list the lists',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: action(async (argv, config) => {
    const lists = await withAdmin(config, (c) => c.call('list.ls', {}));
    if (argv.json) return printJson(lists);
    if (lists.length === 0) return printLines(['no lists (create one with "remailer list create <address>")']);
    printLines(
      table(
        ['ADDRESS', 'NAME', 'MEMBERS', 'FINGERPRINT', 'CREATED'],
        lists.map((l) => [l.address, l.name, String(l.members), l.fingerprint, date(l.createdAt)]),
      ),
    );
  }),
};

const show: CommandModule<GlobalArgs, AddrArgs & JsonArgs> = {
  command: 'show <address>',
  describe: 'show a list: settings, fingerprint, member count',
  builder: (y) =>
    y
      .positional('address', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', describe: 'machine-readable output' }) as Argv<AddrArgs & JsonArgs>,
  handler: action(async (argv, config) => {
    const l = await withAdmin(config, (c) => c.call('list.show', { address: argv.address }));
    if (argv.json) return printJson(l);
    printLines(detailLines(l));
  }),
};

const set: CommandModule<GlobalArgs, AddrArgs & { option: string; value: string }> = {
  command: 'set <address> <option> <value>',
  describe: 'change a list option (see README for the options)',
  builder: (y) =>
    y
      .positional('address', { type: 'string', demandOption: true })
      .positional('option', { type: 'string', demandOption: true })
      .positional('value', { type: 'string', demandOption: true }) as Argv<AddrArgs & { option: string; value: string }>,
  handler: action(async (argv, config) => {
    const r = await withAdmin(config, (c) =>
      c.call('list.set', { address: argv.address, option: argv.option, value: String(argv.value) }),
    );
    printLines([`${r.address}: ${r.option} = ${r.value === '' ? '""' : String(r.value)}`]);
  }),
};

const key: CommandModule<GlobalArgs, AddrArgs> = {
  command: 'key <address>',
  describe: "print the list's armored public key",
  builder: (y) => y.positional('address', { type: 'string', demandOption: true }) as Argv<AddrArgs>,
  handler: action(async (argv, config) => {
    const k = await withAdmin(config, (c) => c.call('list.key', { address: argv.address }));
    process.stdout.write(k.armored.endsWith('\n') ? k.armored : k.armored + '\n');
  }),
};

const del: CommandModule<GlobalArgs, AddrArgs & { yes?: boolean }> = {
  command: 'delete <address>',
  describe: 'delete a list and its members (needs --yes)',
  builder: (y) =>
    y
      .positional('address', { type: 'string', demandOption: true })
      .option('yes', { type: 'boolean', describe: 'really delete' }) as Argv<AddrArgs & { yes?: boolean }>,
  handler: action(async (argv, config) => {
    if (!argv.yes) throw new UsageError(`deleting ${argv.address} removes the list and all its members: add --yes to confirm`);
    const r = await withAdmin(config, (c) => c.call('list.delete', { address: argv.address }));
    printLines([`deleted list ${r.address} (${r.members} members); its secret key was kept, renamed, in keysDir`]);
  }),
};

export const listCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'list <command>',
  describe: 'create and manage lists',
  builder: (y) =>
    y
      .command(create)
      .command(ls)
      .command(show)
      .command(set)
      .command(key)
      .command(del)
      .demandCommand(1, 'name a list command'),
  handler: () => {},
};
