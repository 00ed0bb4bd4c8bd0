#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_USAGE } from '../errors.js';
import { VERSION } from '../admin/admin.js';
import { initCommand } from './init.js';
import { listCommand } from './list.js';
import { logCommand } from './log.js';
import { memberCommand } from './member.js';
import { queueCommand } from './queue.js';
import { serveCommand } from './serve.js';

/**
 * yargs takes a lone "-" after an option for a flag, not for its value, so "--key -" (read the key
 * from standard input) would fail as an unknown argument: join it into "--key=-" first.
 */
function stdinValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (a === '--key' && args[i + 1] === '-') {
      out.push('--key=-');
      i++;
    } else out.push(a);
  }
  return out;
}

/** One line, whatever yargs composed (its "Invalid values:" message spans several). */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * The `remailer` command. Usage mistakes exit 2 with one line; see cli/run.ts for the rest.
 */
await yargs(stdinValues(hideBin(process.argv)))
  .scriptName('remailer')
  .option('config', { type: 'string', global: true, describe: 'configuration file (else $REMAILER_CONFIG, else config/remailer.yaml)' })
  .command(initCommand)
  .command(serveCommand)
  .command(listCommand)
  .command(memberCommand)
  .command(logCommand)
  .command(queueCommand)
  .demandCommand(1, 'name a command (see --help)')
  .strict()
  .version(VERSION)
  .help()
  .fail((msg: string | undefined, err: Error | undefined, y) => {
    if (err) {
      process.stderr.write(`remailer: ${err.message.split('\n')[0] ?? ''}\n`);
    } else {
      process.stderr.write(`remailer: ${oneLine(msg ?? 'invalid usage')} (see --help)\n`);
    }
    void y;
    process.exit(EXIT_USAGE);
  })
  .parseAsync();
