import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClientCrypto } from '../fixtures/clients/common.js';

/**
 * Sequoia (`sq`, 0.27 here) as a second, independent OpenPGP implementation on the member's side.
 * sq 0.27 is stateless: keys and certificates are files given on each call
 * (`--recipient-cert`, `--signer-key` to encrypt; `--recipient-key`, `--signer-cert` to decrypt).
 * Its CLI is not stable across versions; the flags used here are those of 0.27.
 */

const SQ = process.env['SQ'] ?? 'sq';

export const HAVE_SQ = spawnSync(SQ, ['--version'], { stdio: 'ignore' }).status === 0;

export function requireSq(ctx: Mocha.Context): void {
  if (!HAVE_SQ) {
    console.warn('    (skipped: Sequoia "sq" is not installed; .ci/run installs it: apt-get install sq)');
    ctx.skip();
  }
}

export interface SqResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export function runSq(args: string[], input?: string | Buffer): Promise<SqResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(SQ, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

async function sqOk(args: string[], input?: string | Buffer): Promise<SqResult> {
  const r = await runSq(args, input);
  if (r.code !== 0) throw new Error(`sq ${args.join(' ')} failed (${String(r.code)}): ${r.stderr.trim()}`);
  return r;
}

/** A member whose client is Sequoia: a key file and its certificate, in a folder of their own. */
export interface SqMember {
  email: string;
  name: string;
  fingerprint: string;
  keyFile: string;
  certFile: string;
  armoredPublic: string;
  dir: string;
}

/** `sq key generate` (sq's defaults: Cv25519, separate signing subkey, three-year expiry). */
export async function sqMember(email: string, name: string): Promise<SqMember> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sq-'));
  const keyFile = path.join(dir, 'member.key');
  const certFile = path.join(dir, 'member.pub');
  await sqOk(['key', 'generate', '--userid', `${name} <${email}>`, '--export', keyFile]);
  await sqOk(['key', 'extract-cert', '--output', certFile, keyFile]);
  const inspect = await sqOk(['inspect', certFile]);
  const fpr = /Fingerprint:\s*([0-9A-F]{40})/.exec(inspect.stdout.toString())?.[1];
  if (!fpr) throw new Error(`sq inspect gave no fingerprint: ${inspect.stdout.toString()}`);
  return { email, name, fingerprint: fpr, keyFile, certFile, armoredPublic: fs.readFileSync(certFile, 'utf8'), dir };
}

export function removeSqMember(m: SqMember): void {
  fs.rmSync(m.dir, { recursive: true, force: true });
}

/** `sq encrypt --recipient-cert <list> --signer-key <member>`: encrypted and signed (combined form), armored. */
export async function sqEncryptSign(data: string | Buffer, recipientCertFile: string, signerKeyFile: string): Promise<string> {
  return (await sqOk(['encrypt', '--recipient-cert', recipientCertFile, '--signer-key', signerKeyFile], data)).stdout.toString();
}

export interface SqDecrypted {
  /** Exit 0: decrypted and at least one good signature by the signer cert (sq's default threshold). */
  ok: boolean;
  data: Buffer;
  stderr: string;
  /** Key IDs / fingerprints from "Good signature from X" lines. */
  goodSignatures: string[];
}

/** `sq decrypt --recipient-key <member> --signer-cert <list>`. */
export async function sqDecryptVerify(armored: string | Buffer, recipientKeyFile: string, signerCertFile: string): Promise<SqDecrypted> {
  const r = await runSq(['decrypt', '--recipient-key', recipientKeyFile, '--signer-cert', signerCertFile], armored);
  const goodSignatures = [...r.stderr.matchAll(/Good signature from ([0-9A-F]+)/g)].map((m) => m[1] ?? '');
  return { ok: r.code === 0, data: r.stdout, stderr: r.stderr, goodSignatures };
}

/** The key IDs (last 16 hex digits of the fingerprints) of a certificate's primary key and subkeys. */
export async function sqKeyIds(certFile: string): Promise<string[]> {
  const r = await sqOk(['inspect', certFile]);
  return [...r.stdout.toString().matchAll(/(?:Fingerprint|Subkey):\s*([0-9A-F]{40})/g)].map((m) => (m[1] ?? '').slice(-16));
}

/** The member's sq as a mail client's crypto (sq 0.27 flags). */
export function sqClient(m: SqMember, listCertFile: string): ClientCrypto {
  return {
    encryptSign: (data) => sqEncryptSign(data, listCertFile, m.keyFile),
    encrypt: async (data) => (await sqOk(['encrypt', '--recipient-cert', listCertFile], data)).stdout.toString(),
    detachSign: async (data) => (await sqOk(['sign', '--detached', '--signer-key', m.keyFile], data)).stdout.toString(),
    clearsign: async (data) => (await sqOk(['sign', '--cleartext-signature', '--signer-key', m.keyFile], data)).stdout.toString(),
  };
}
