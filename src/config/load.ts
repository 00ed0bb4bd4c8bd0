import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError, errorMessage } from '../errors.js';
import { configSchema, type ParsedConfig } from './schema.js';

/** The resolved configuration: paths absolute, and where it came from. */
export interface Config extends ParsedConfig {
  /** The file it was read from, or null for built-in defaults. */
  source: string | null;
  /** keys.passphraseFile, else <keysDir>/passphrase: where `remailer init` puts one. */
  passphraseFile: string;
  /** The admin socket of the running daemon. */
  socketPath: string;
}

export const DEFAULT_CONFIG_PATH = 'config/remailer.yaml';

/** --config FILE, else $REMAILER_CONFIG, else config/remailer.yaml if present, else built-in defaults. */
export function findConfigFile(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string | null {
  if (explicit) return path.resolve(cwd, explicit);
  const fromEnv = env['REMAILER_CONFIG'];
  if (fromEnv) return path.resolve(cwd, fromEnv);
  const dflt = path.resolve(cwd, DEFAULT_CONFIG_PATH);
  return fs.existsSync(dflt) ? dflt : null;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (where ? `${where}.${k}` : k));
    return `unknown key ${keys.join(', ')}`;
  }
  const msg = issue.message.replace(/^Invalid input: /, '');
  return `${where || '(top level)'}: ${msg}`;
}

/** Validate already-parsed YAML. Throws ConfigError naming the key and the problem. */
export function parseConfig(raw: unknown, source: string | null, cwd: string): Config {
  const doc = raw === null || raw === undefined ? {} : raw;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`config ${source ?? ''}: the file must hold a mapping of keys`.replace('  ', ' '));
  }
  // A section whose keys are all commented out (as in the example file) parses as null: defaults.
  const cleaned = Object.fromEntries(Object.entries(doc as Record<string, unknown>).filter(([, v]) => v !== null));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    const first = result.error.issues[0];
    const text = first ? describeIssue(first) : 'invalid';
    throw new ConfigError(`config${source ? ` ${source}` : ''}: ${text}`);
  }
  const c = result.data;
  const dataDir = path.resolve(cwd, c.dataDir);
  const keysDir = path.resolve(cwd, c.keysDir);
  return {
    ...c,
    dataDir,
    keysDir,
    source,
    passphraseFile: path.resolve(cwd, c.keys.passphraseFile ?? path.join(keysDir, 'passphrase')),
    socketPath: path.resolve(cwd, c.control.socketPath ?? path.join(dataDir, 'remailer.sock')),
  };
}

export interface LoadOptions {
  configPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Find, read and validate the configuration. Relative paths in it resolve against the working directory. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const file = findConfigFile(opts.configPath, env, cwd);
  if (file === null) return parseConfig({}, null, cwd);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
    throw new ConfigError(`config ${file}: cannot read: ${why}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text, { prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    const first = errorMessage(err).split('\n')[0] ?? 'invalid YAML';
    throw new ConfigError(`config ${file}: not valid YAML: ${first}`);
  }
  return parseConfig(doc, file, cwd);
}
