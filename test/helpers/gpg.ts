import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable, Readable } from 'node:stream';
import type { ClientCrypto } from '../fixtures/clients/common.js';

/**
 * GnuPG as a member's mail client: one home directory per member (as on their own machine), keys
 * made by gpg itself, crypto done by gpg, results read from --status-fd (machine-readable lines
 * such as VALIDSIG and DECRYPTION_OKAY), never from the human-readable messages.
 *
 * gpg always runs through spawn with an argument vector: no shell, so no quoting of user data.
 */

const GPG = process.env['GPG'] ?? 'gpg';

function available(bin: string, args: string[]): boolean {
  const r = spawnSync(bin, args, { stdio: 'ignore' });
  return r.status === 0;
}

/** GnuPG is installed (the e2e tests skip with a clear message when it is not). */
export const HAVE_GPG = available(GPG, ['--version']);

/** For `before()` of a suite that needs gpg: skip it, saying why, when gpg is missing. */
export function requireGpg(ctx: Mocha.Context): void {
  if (!HAVE_GPG) {
    console.warn('    (skipped: GnuPG "gpg" is not installed; .ci/run installs it: apt-get install gnupg)');
    ctx.skip();
  }
}

export interface GpgResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** The --status-fd lines without the "[GNUPG:] " prefix, e.g. "VALIDSIG <fpr> ...". */
  status: string[];
}

export interface Decrypted extends GpgResult {
  data: Buffer;
  /** DECRYPTION_OKAY was reported (and no DECRYPTION_FAILED). */
  decrypted: boolean;
  /** GOODSIG was reported. */
  goodSignature: boolean;
  /** From each VALIDSIG: the primary key's fingerprint (last field), and the signing (sub)key's. */
  validSigs: Array<{ primary: string; signingKey: string }>;
  /** BADSIG / ERRSIG / EXPSIG / REVKEYSIG lines (a copy must have none). */
  problems: string[];
}

export type KeyAlgo = 'ed25519' | 'rsa3072';

export interface GpgKeyOptions {
  algo?: KeyAlgo;
  /** gpg's expire argument: "never" (default), "10d", "1y", "seconds=N". */
  expire?: string;
  /** Make the key as if it were this time (gpg --faked-system-time), e.g. to make one already expired. */
  at?: Date;
}

/** The time format --faked-system-time takes, with "!" to freeze the clock there. */
export function gpgTime(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '') + '!';
}

function splitStatus(raw: string): string[] {
  return raw
    .split('\n')
    .filter((l) => l.startsWith('[GNUPG:] '))
    .map((l) => l.slice('[GNUPG:] '.length));
}

/** One GnuPG home directory (short path: the agent's socket path has a length limit). */
export class GpgHome {
  private closed = false;

  private constructor(readonly dir: string) {}

  static create(prefix = 'g-'): GpgHome {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.chmodSync(dir, 0o700);
    // No keyserver, no auto-key-retrieve, no trust questions: a member's client, but quiet.
    fs.writeFileSync(path.join(dir, 'gpg.conf'), ['trust-model always', 'no-auto-key-retrieve', 'no-greeting', ''].join('\n'));
    return new GpgHome(dir);
  }

  /** Run gpg in this home; `input` goes to stdin; status lines come from fd 3. */
  run(args: string[], opts: { input?: string | Buffer; at?: Date } = {}): Promise<GpgResult> {
    if (this.closed) throw new Error('gpg home already closed');
    const full = [
      '--homedir',
      this.dir,
      '--batch',
      '--yes',
      '--no-tty',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      '',
      '--status-fd',
      '3',
      ...(opts.at ? ['--faked-system-time', gpgTime(opts.at)] : []),
      ...args,
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(GPG, full, {
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
        env: { ...process.env, LC_ALL: 'C', GNUPGHOME: this.dir },
      });
      const out: Buffer[] = [];
      let err = '';
      let status = '';
      const stdin = child.stdio[0] as Writable;
      const stdout = child.stdio[1] as Readable;
      const stderr = child.stdio[2] as Readable;
      const statusFd = child.stdio[3] as Readable;
      stdout.on('data', (c: Buffer) => out.push(c));
      stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      statusFd.setEncoding('utf8').on('data', (c: string) => (status += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err, status: splitStatus(status) }));
      stdin.on('error', () => undefined);
      stdin.end(opts.input ?? '');
    });
  }

  /** Run and require exit 0. */
  async ok(args: string[], opts: { input?: string | Buffer; at?: Date } = {}): Promise<GpgResult> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`gpg ${args.join(' ')} failed (${String(r.code)}): ${r.stderr.trim()}`);
    return r;
  }

  /** The fingerprint of the (first) key with this user ID or address. */
  async fingerprint(who: string): Promise<string> {
    const r = await this.ok(['--with-colons', '--list-keys', who]);
    const line = r.stdout.toString().split('\n').find((l) => l.startsWith('fpr:'));
    const fpr = line?.split(':')[9];
    if (!fpr) throw new Error(`no key for ${who}`);
    return fpr;
  }

  /**
   * A member key as gpg makes it: Ed25519 sign/cert primary + Cv25519 encryption subkey (the
   * `--quick-gen-key user ed25519 sign,cert` + `--quick-add-key fpr cv25519 encr` recipe), or
   * RSA-3072 with an RSA-3072 encryption subkey. Returns the primary fingerprint.
   */
  async generateKey(userId: string, opts: GpgKeyOptions = {}): Promise<string> {
    const algo = opts.algo ?? 'ed25519';
    const expire = opts.expire ?? 'never';
    const at = opts.at;
    await this.ok(['--quick-gen-key', userId, algo, 'sign,cert', expire], { at });
    const fpr = await this.fingerprint(`=${userId}`);
    await this.ok(['--quick-add-key', fpr, algo === 'ed25519' ? 'cv25519' : 'rsa3072', 'encr', expire], { at });
    return fpr;
  }

  async exportPublic(fpr: string): Promise<string> {
    return (await this.ok(['--armor', '--export', fpr])).stdout.toString();
  }

  async importKey(armored: string | Buffer): Promise<void> {
    await this.ok(['--import'], { input: armored });
  }

  /** Revoke a key with the revocation certificate gpg made when it created the key. */
  async revoke(fpr: string): Promise<void> {
    const cert = fs.readFileSync(path.join(this.dir, 'openpgp-revocs.d', `${fpr}.rev`), 'utf8');
    // gpg writes the certificate with a leading ":" on its armor line so it cannot be imported by accident.
    await this.importKey(cert.replace(/^:-----BEGIN/m, '-----BEGIN'));
  }

  /** `gpg --encrypt --sign --armor -r <recipient> -u <signer>`: the RFC 3156 §6.2 combined form. */
  async encryptSign(data: string | Buffer, recipients: string[], signer: string | null, extra: string[] = []): Promise<string> {
    const args = ['--armor', '--encrypt', ...(signer ? ['--sign', '--local-user', signer] : []), ...extra];
    for (const r of recipients) args.push('--recipient', r);
    return (await this.ok(args, { input: data })).stdout.toString();
  }

  /** `gpg --detach-sign --armor -u <signer>` over the exact bytes given. */
  async detachSign(data: string | Buffer, signer: string): Promise<string> {
    return (await this.ok(['--armor', '--detach-sign', '--digest-algo', 'SHA256', '--local-user', signer], { input: data })).stdout.toString();
  }

  /** `gpg --clearsign -u <signer>`. */
  async clearsign(text: string | Buffer, signer: string): Promise<string> {
    return (await this.ok(['--clearsign', '--local-user', signer], { input: text })).stdout.toString();
  }

  /** `gpg --decrypt --status-fd`: the plaintext and what gpg reported about it. Never throws on a bad message. */
  async decrypt(armored: string | Buffer): Promise<Decrypted> {
    const r = await this.run(['--decrypt'], { input: armored });
    const validSigs = r.status
      .filter((l) => l.startsWith('VALIDSIG '))
      .map((l) => {
        const f = l.split(' ');
        return { signingKey: f[1] ?? '', primary: f[f.length - 1] ?? '' };
      });
    return {
      ...r,
      data: r.stdout,
      decrypted: r.status.includes('DECRYPTION_OKAY') && !r.status.some((l) => l.startsWith('DECRYPTION_FAILED')),
      goodSignature: r.status.some((l) => l.startsWith('GOODSIG ')),
      validSigs,
      problems: r.status.filter((l) => /^(BADSIG|ERRSIG|EXPSIG|EXPKEYSIG|REVKEYSIG|NO_PUBKEY) /.test(l)),
    };
  }

  /** `gpg --verify` of a cleartext-signed block: the primary fingerprints of the valid signatures. */
  async verifyCleartext(armored: string | Buffer): Promise<string[]> {
    const r = await this.run(['--verify'], { input: armored });
    return r.status.filter((l) => l.startsWith('VALIDSIG ')).map((l) => l.split(' ').pop() ?? '');
  }

  /** Stop this home's agent and remove it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    spawnSync('gpgconf', ['--homedir', this.dir, '--kill', 'all'], { stdio: 'ignore', env: { ...process.env, GNUPGHOME: this.dir } });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A member whose client is GnuPG: their own home, their key, the list key imported. */
export interface GpgMember {
  email: string;
  name: string;
  fingerprint: string;
  armoredPublic: string;
  home: GpgHome;
}

export async function gpgMember(email: string, name: string, opts: GpgKeyOptions = {}): Promise<GpgMember> {
  const home = GpgHome.create();
  const fingerprint = await home.generateKey(`${name} <${email}>`, opts);
  return { email, name, fingerprint, armoredPublic: await home.exportPublic(fingerprint), home };
}

/** The member's gpg as a mail client's crypto: encrypt to the list key, sign with their own. */
export function gpgClient(m: GpgMember, listFingerprint: string): ClientCrypto {
  return {
    encryptSign: (data) => m.home.encryptSign(data, [listFingerprint], m.fingerprint),
    encrypt: (data) => m.home.encryptSign(data, [listFingerprint], null),
    detachSign: (data) => m.home.detachSign(data, m.fingerprint),
    clearsign: (data) => m.home.clearsign(data, m.fingerprint),
  };
}
