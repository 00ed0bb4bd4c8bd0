import fs from 'node:fs';
import { ConfigError } from '../errors.js';
import type { Config } from '../config/load.js';
import { assertPrivateFileMode } from './list-key.js';

export const PASSPHRASE_ENV = 'REMAILER_KEY_PASSPHRASE';

/**
 * The passphrase that protects list secret keys at rest: $REMAILER_KEY_PASSPHRASE, else the
 * passphrase file (keys.passphraseFile, default <keysDir>/passphrase, written by `remailer init`).
 * Returns null when neither exists; the caller decides whether it needs one.
 */
export async function findPassphrase(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const fromEnv = env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const file = config.passphraseFile;
  if (!fs.existsSync(file)) return null;
  await assertPrivateFileMode(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the passphrase file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const pass = text.replace(/\r?\n$/, '');
  if (pass.length === 0) throw new ConfigError(`the passphrase file ${file} is empty`);
  return pass;
}

export async function requirePassphrase(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const p = await findPassphrase(config, env);
  if (p === null) {
    throw new ConfigError(
      `no list-key passphrase: set ${PASSPHRASE_ENV}, set keys.passphraseFile, or run "remailer init" to create ${config.passphraseFile}`,
    );
  }
  return p;
}
