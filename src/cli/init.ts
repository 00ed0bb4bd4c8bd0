import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv, CommandModule } from 'yargs';
import { findConfigFile, loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { writePrivateFile } from '../pgp/list-key.js';
import { findPassphrase } from '../pgp/passphrase.js';
import { printLines } from './output.js';
import { reportError, type GlobalArgs } from './run.js';

const EXAMPLE = fileURLToPath(new URL('../../config/remailer.example.yaml', import.meta.url));

interface InitArgs extends GlobalArgs {
  force?: boolean;
}

/** Creates what a fresh installation needs; never overwrites a secret or a config without --force. */
async function init(argv: InitArgs): Promise<number> {
  const file = findConfigFile(argv.config, process.env, process.cwd()) ?? path.resolve('config/remailer.yaml');
  const done: string[] = [];
  if (!fs.existsSync(file) || argv.force) {
    if (!fs.existsSync(EXAMPLE)) throw new UsageError(`the example configuration ${EXAMPLE} is missing from this installation`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(EXAMPLE, file);
    done.push(`wrote config ${file} (every key commented; edit smtp.hostname and delivery.* first)`);
  } else {
    done.push(`kept existing config ${file}`);
  }
  const config = loadConfig({ configPath: file });
  for (const dir of [config.dataDir, config.keysDir]) {
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      done.push(`created ${dir}`);
    }
  }
  if ((await findPassphrase(config)) === null) {
    const pass = crypto.randomBytes(32).toString('base64url');
    fs.mkdirSync(path.dirname(config.passphraseFile), { recursive: true, mode: 0o700 });
    await writePrivateFile(config.passphraseFile, pass + '\n');
    done.push(`created the list-key passphrase file ${config.passphraseFile} (mode 0600): back it up apart from keysDir`);
  } else {
    done.push('a list-key passphrase is already configured');
  }
  printLines(done);
  return 0;
}

export const initCommand: CommandModule<GlobalArgs, InitArgs> = {
  command: 'init',
  describe: 'create a config file, the data and keys folders, and a passphrase for list keys',
  builder: (y) => y.option('force', { type: 'boolean', describe: 'overwrite an existing config file' }) as Argv<InitArgs>,
  handler: async (argv) => {
    try {
      process.exitCode = await init(argv);
    } catch (err) {
      process.exitCode = reportError(err);
    }
  },
};
