/** Fixture loading and GnuPG/Sequoia drivers for the pgp tests. */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as openpgp from 'openpgp';
import type { VerificationCandidate } from '../../../src/pgp/verify.js';

const here = dirname(fileURLToPath(import.meta.url));
export const KEYS = join(here, '../../fixtures/keys');
export const MSGS = join(here, '../../fixtures/pgp');

/** The fixtures were made at 2024-01-01 (keys) and 2024-06-01 (signatures); see the README there. */
export const NOW = new Date('2026-01-01T00:00:00Z');
export const LIST_PASSPHRASE = 'fixture-list-passphrase';

export function keyFile(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(KEYS, name)));
}
export function keyText(name: string): string {
  return readFileSync(join(KEYS, name), 'utf8');
}
export function msgFile(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(MSGS, name)));
}
export function msgText(name: string): string {
  return readFileSync(join(MSGS, name), 'utf8');
}

export async function publicKey(name: string): Promise<openpgp.PublicKey> {
  return openpgp.readKey({ armoredKey: keyText(name) });
}
export async function candidate(name: string): Promise<VerificationCandidate> {
  const key = await publicKey(name);
  return { fingerprint: key.getFingerprint().toUpperCase(), key };
}
export async function secretKey(name: string, passphrase?: string): Promise<openpgp.PrivateKey> {
  const key = await openpgp.readPrivateKey({ armoredKey: keyText(name) });
  return passphrase === undefined ? key : openpgp.decryptKey({ privateKey: key, passphrase });
}
export async function listKey(): Promise<openpgp.PrivateKey> {
  return secretKey('list.sec.asc', LIST_PASSPHRASE);
}

const run = promisify(execFile);

export interface ToolResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs a command with optional stdin, never throwing on a non-zero exit. */
export function runTool(cmd: string, args: readonly string[], stdin?: Uint8Array | string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(stdin ?? '');
  });
}

/** A throw-away GnuPG home; call close() to stop its agent and delete it. */
export async function gpgHome(): Promise<{ gpg: (args: readonly string[], stdin?: Uint8Array | string) => Promise<ToolResult>; dir: string; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'remailer-gpg-'));
  const gpg = (args: readonly string[], stdin?: Uint8Array | string): Promise<ToolResult> =>
    runTool('gpg', ['--homedir', dir, '--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', '--trust-model', 'always', ...args], stdin);
  const close = async (): Promise<void> => {
    await run('gpgconf', ['--homedir', dir, '--kill', 'gpg-agent']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  return { gpg, dir, close };
}

export async function rejectsWith(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected a rejection');
}
