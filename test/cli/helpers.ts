import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as openpgp from 'openpgp';
import { CLI, ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { rmrf, tmpDir, writeConfig } from '../helpers/tmp.js';

/** The key fixtures (see test/fixtures/keys/README.md). */
export const KEYS = path.join(ROOT, 'test/fixtures/keys');
export const fixture = (name: string): string => path.join(KEYS, name);

/** Strings that must never appear in any output: passphrases the tests hand out. */
const SECRETS = new Set<string>();
export function registerSecret(s: string): string {
  SECRETS.add(s);
  return s;
}

/** Every output the CLI or the daemon produces passes through here: no stack trace, no secret. */
export function assertClean(text: string, what: string): void {
  expect(text, `${what} shows a stack trace`).not.to.include('    at ');
  for (const s of SECRETS) expect(text.includes(s), `${what} contains a passphrase`).to.equal(false);
}

export function lines(s: string): string[] {
  return s.split('\n').filter((l) => l.trim() !== '');
}

/** A user error: the exit code and exactly one line on stderr, nothing on stdout. */
export function expectOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, `exit code; stderr: ${r.stderr}`).to.equal(code);
  expect(lines(r.stderr), `stderr: ${r.stderr}`).to.have.length(1);
  expect(r.stderr).to.match(/^remailer: /);
  expect(r.stderr).to.match(pattern);
  expect(r.stdout).to.equal('');
}

export function expectOk(r: CliResult): void {
  expect(r.code, `exit code; stderr: ${r.stderr}`).to.equal(0);
}

/** Run the built binary and check its output hygiene. */
export async function cli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer } = {},
): Promise<CliResult> {
  const r = await runCli(args, opts);
  assertClean(r.stdout, `stdout of remailer ${args.join(' ')}`);
  assertClean(r.stderr, `stderr of remailer ${args.join(' ')}`);
  return r;
}

/** One installation in a temp folder: config with absolute dataDir/keysDir, optional passphrase. */
export class Install {
  readonly dir: string;
  readonly configPath: string;
  readonly env: NodeJS.ProcessEnv;
  constructor(opts: { passphrase?: string | null; extraConfig?: string } = {}) {
    this.dir = tmpDir('rmc-');
    this.configPath = writeConfig(this.dir, opts.extraConfig ?? '');
    const pass = opts.passphrase === undefined ? `pass-${path.basename(this.dir)}-${Date.now()}` : opts.passphrase;
    this.env = pass === null ? {} : { REMAILER_KEY_PASSPHRASE: registerSecret(pass) };
  }

  get passphrase(): string {
    const p = this.env['REMAILER_KEY_PASSPHRASE'];
    if (!p) throw new Error('this installation has no passphrase');
    return p;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  get keysDir(): string {
    return path.join(this.dir, 'keys');
  }

  get socketPath(): string {
    return path.join(this.dataDir, 'remailer.sock');
  }

  keyFile(list: string): string {
    return path.join(this.keysDir, `${list}.sec.asc`);
  }

  run(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer } = {}): Promise<CliResult> {
    return cli([...args, '--config', this.configPath], { cwd: this.dir, env: { ...this.env, ...opts.env }, input: opts.input });
  }

  async json<T>(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<T> {
    const r = await this.run([...args, '--json'], opts);
    expectOk(r);
    return JSON.parse(r.stdout) as T;
  }

  /** Create a list and return its fingerprint. */
  async createList(address: string, extra: string[] = []): Promise<string> {
    const r = await this.run(['list', 'create', address, ...extra]);
    expectOk(r);
    const m = /fingerprint:\s+([0-9A-F]{40})\b/.exec(r.stdout);
    if (!m?.[1]) throw new Error(`no fingerprint in: ${r.stdout}`);
    return m[1];
  }

  /** Write a file into the installation folder; returns its path. */
  file(name: string, content: string | Uint8Array): string {
    const p = path.join(this.dir, name);
    fs.writeFileSync(p, content);
    return p;
  }

  remove(): void {
    rmrf(this.dir);
  }
}

/**
 * `remailer serve` expected to refuse to start: waits for it to exit (kills it after timeoutMs, so
 * a daemon that wrongly starts fails the test instead of hanging it).
 */
export function serveExpectingExit(
  configPath: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 15_000,
): Promise<CliResult & { killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath], {
      cwd: ROOT,
      env: { ...process.env, REMAILER_CONFIG: '', REMAILER_KEY_PASSPHRASE: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      assertClean(stdout + stderr, 'remailer serve output');
      resolve({ code, stdout, stderr, killed });
    });
  });
}

export async function fingerprintOf(file: string): Promise<string> {
  const key = await openpgp.readKey({ armoredKey: fs.readFileSync(file, 'utf8') });
  return key.getFingerprint().toUpperCase();
}

/** "ABCD..." → "abcd ef01 ..." (lower case, groups of four), as people paste fingerprints. */
export function spacedLower(fpr: string): string {
  return (fpr.toLowerCase().match(/.{1,4}/g) ?? []).join(' ');
}

export function mode(file: string): number {
  return fs.statSync(file).mode & 0o777;
}
