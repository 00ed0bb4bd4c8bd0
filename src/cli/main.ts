#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_USAGE } from '../errors.js';
import { VERSION } from '../admin/admin.js';
import { initCommand } from './init.js';
import { listCommand } from './list.js';
import { memberCommand } from './member.js';
import { serveCommand } from './serve.js';

/**
 * The `remailer` command. Usage mistakes exit 2 with one line; see cli/run.ts for the rest.
 */
await yargs(hideBin(process.argv))
  .scriptName('remailer')
  .option('config', { type: 'string', global: true, describe: 'configuration file (else $REMAILER_CONFIG, else config/remailer.yaml)' })
  .command(initCommand)
  .command(serveCommand)
  .command(listCommand)
  .command(memberCommand)
  .demandCommand(1, 'name a command (see --help)')
  .strict()
  .version(VERSION)
  .help()
  .fail((msg: string | undefined, err: Error | undefined, y) => {
    if (err) {
      process.stderr.write(`remailer: ${err.message.split('\n')[0] ?? ''}\n`);
    } else {
      process.stderr.write(`remailer: ${msg ?? 'invalid usage'} (see --help)\n`);
    }
    void y;
    process.exit(EXIT_USAGE);
  })
  .parseAsync();
