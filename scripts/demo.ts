/**
 * `npm run demo`: the whole product in under a minute, on loopback only, in a temporary folder.
 *
 *   1. starts `remailer serve` (the built CLI, as a child process) on a free port, and a small SMTP
 *      server on another free port standing in for the smarthost (it keeps what it receives);
 *   2. creates a list and enrolls three members with the CLI (their keys are made here);
 *   3. Alice sends one encrypted, signed TLP:AMBER message to the list over SMTP;
 *   4. each copy arrives at the smarthost, and its member decrypts it and checks the list's signature;
 *   5. a TLP:RED message is refused in the SMTP conversation;
 *   6. a com-check runs: every member gets an encrypted ping;
 *   7. the delivery log is printed (`remailer log`);
 *   8. everything is stopped and removed. Exit 0 on success, 1 on any failure.
 *
 * The members' mail client is played by openpgp.js building PGP/MIME as Thunderbird does
 * (protected headers: the real subject inside the encryption, "..." outside).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import * as openpgp from 'openpgp';
import { SMTPServer } from 'smtp-server';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const LIST = 'csirt@lists.example.org';
const CRLF = '\r\n';
const started = Date.now();

// --- output -------------------------------------------------------------------------------------

let step = 0;
const STEPS = 8;
function heading(text: string): void {
  step++;
  console.log(`\n[${step}/${STEPS}] ${text}`);
}
function say(text = ''): void {
  console.log(text.trim() === '' ? '' : `      ${text.replace(/\n/g, '\n      ')}`);
}
class DemoError extends Error {}
function fail(text: string): never {
  throw new DemoError(text);
}

// --- the pieces: a temporary installation, the daemon, the sink ----------------------------------

interface Sunk {
  from: string;
  to: string[];
  raw: Buffer;
}

class SmarthostSink {
  readonly received: Sunk[] = [];
  port = 0;
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        this.received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback(null, 'kept by the demo sink');
      });
    },
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    const a = this.server.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
  }

  /** Wait until `n` messages are in (beyond `from`), or fail after `ms`. */
  async waitFor(from: number, n: number, ms = 20_000): Promise<Sunk[]> {
    const until = Date.now() + ms;
    while (this.received.length < from + n) {
      if (Date.now() > until) fail(`the smarthost sink got ${this.received.length - from} of ${n} expected messages`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.received.slice(from, from + n);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdemo-'));
const config = path.join(dir, 'remailer.yaml');
const passphrase = crypto.randomBytes(24).toString('base64');
const cliEnv = { ...process.env, REMAILER_CONFIG: '', REMAILER_KEY_PASSPHRASE: passphrase };
let daemon: ChildProcess | null = null;
const daemonLog: string[] = [];
const sink = new SmarthostSink();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function remailerRaw(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, '--config', config], { cwd: dir, env: cliEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Run `remailer <args>`, show the command, fail on a non-zero exit. */
async function remailer(args: string[], opts: { show?: boolean } = {}): Promise<Run> {
  if (opts.show !== false) say(`$ remailer ${args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  const r = await remailerRaw(args);
  if (r.code !== 0) fail(`remailer ${args.join(' ')} exited ${String(r.code)}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}

function startDaemon(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--config', config], { cwd: dir, env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    daemon = child;
    let buffer = '';
    const timer = setTimeout(() => reject(new DemoError(`the daemon did not start within 20 s:\n${daemonLog.join('\n')}`)), 20_000);
    const onData = (d: string): void => {
      buffer += d;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        daemonLog.push(line);
        const m = /\bSTARTED .*?smtp=[\d.]+:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new DemoError(`the daemon exited (${String(code)}) before it started:\n${daemonLog.join('\n')}`));
    });
  });
}

async function stopDaemon(): Promise<void> {
  const child = daemon;
  daemon = null;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// --- a member's mail client ---------------------------------------------------------------------

interface Member {
  name: string;
  email: string;
  team: string;
  role: string;
  key: openpgp.PrivateKey;
  publicArmored: string;
  fingerprint: string;
}

async function makeMember(name: string, email: string, team: string, role: string): Promise<Member> {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name, email }], format: 'armored' });
  const key = await openpgp.readPrivateKey({ armoredKey: privateKey });
  return { name, email, team, role, key, publicArmored: publicKey, fingerprint: key.getFingerprint().toUpperCase() };
}

/** PGP/MIME as Thunderbird writes it: signed and encrypted in one OpenPGP message, real subject inside. */
async function composeMail(from: Member, subject: string, text: string, listKey: openpgp.PublicKey): Promise<Buffer> {
  const inner = [
    'Content-Type: text/plain; charset=UTF-8; format=flowed; protected-headers="v1"',
    `Subject: ${subject}`,
    `From: ${from.name} <${from.email}>`,
    `To: ${LIST}`,
    'Content-Transfer-Encoding: 7bit',
    '',
    text.replace(/\n/g, CRLF),
  ].join(CRLF);
  const armored = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: Buffer.from(inner, 'utf8') }),
    encryptionKeys: listKey,
    signingKeys: from.key,
  });
  const b = `------------${crypto.randomBytes(12).toString('hex')}`;
  return Buffer.from(
    [
      `From: ${from.name} <${from.email}>`,
      `To: ${LIST}`,
      'Subject: ...',
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${crypto.randomUUID()}@${from.email.split('@')[1] ?? 'example'}>`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="${b}"`,
      '',
      'This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)',
      `--${b}`,
      'Content-Type: application/pgp-encrypted',
      '',
      'Version: 1',
      '',
      `--${b}`,
      'Content-Type: application/octet-stream; name="encrypted.asc"',
      'Content-Disposition: inline; filename="encrypted.asc"',
      '',
      armored.replace(/\r?\n/g, CRLF),
      `--${b}--`,
      '',
    ].join(CRLF),
  );
}

/** SMTP to the daemon, as a member's mail server would; resolves with the reply to DATA. */
async function send(port: number, from: string, raw: Buffer): Promise<string> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'mua.example' });
  try {
    const info = await t.sendMail({ envelope: { from, to: [LIST] }, raw });
    return String(info.response);
  } catch (err) {
    const e = err as { response?: string; message?: string };
    return e.response ?? e.message ?? String(err);
  } finally {
    t.close();
  }
}

function armoredOf(raw: Buffer): string {
  const s = raw.toString('latin1');
  const a = s.indexOf('-----BEGIN PGP MESSAGE-----');
  const end = '-----END PGP MESSAGE-----';
  const z = s.indexOf(end);
  if (a < 0 || z < 0) fail('a copy holds no armored OpenPGP message (it would have been plain text!)');
  return s.slice(a, z + end.length);
}

// --- the demo -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.log('csirt-remailer demo: an encrypted mailing list for CSIRTs, on loopback, in a temporary folder');
  if (!fs.existsSync(CLI)) fail('dist/cli/main.js is missing: run "npm run demo" (it builds first) or "npm run build"');

  heading('Starting the daemon and a stand-in smarthost');
  await sink.start();
  fs.writeFileSync(
    config,
    [
      `dataDir: ${path.join(dir, 'data')}`,
      `keysDir: ${path.join(dir, 'keys')}`,
      'smtp:',
      '  host: 127.0.0.1',
      '  port: 0 # any free port',
      '  hostname: lists.example.org',
      'delivery:',
      '  host: 127.0.0.1',
      `  port: ${sink.port}`,
      '  retry: [2s]',
      '',
    ].join('\n'),
  );
  say(`temporary installation: ${dir}`);
  say('$ remailer serve');
  const port = await startDaemon();
  say(`daemon (pid ${String(daemon?.pid)}) accepts SMTP on 127.0.0.1:${port}`);
  say(`smarthost stand-in keeps outbound mail, on 127.0.0.1:${sink.port}`);

  heading('Creating the list and enrolling three members');
  const created = await remailer(['list', 'create', LIST, '--name', 'CSIRT Network', '--owner', 'alice@cert-a.example']);
  const listFpr = /fingerprint:\s+([0-9A-F]{40})/.exec(created.stdout)?.[1] ?? fail(`no fingerprint in: ${created.stdout}`);
  say(`list key fingerprint: ${listFpr.replace(/(.{4})/g, '$1 ').trim()}`);
  // Members would otherwise confirm by a signed reply before receiving mail; the demo skips that step.
  await remailer(['list', 'set', LIST, 'confirm-enrollment', 'false']);
  const members = await Promise.all([
    makeMember('Alice Analyst', 'alice@cert-a.example', 'CERT-A', 'owner'),
    makeMember('Bob Responder', 'bob@cert-b.example', 'CERT-B', 'representative'),
    makeMember('Carol Handler', 'carol@cert-c.example', 'CERT-C', 'representative'),
  ]);
  for (const m of members) {
    // The CLI runs in the installation folder: the key file is given as the administrator would.
    const file = `${m.email.split('@')[0] ?? 'member'}.asc`;
    fs.writeFileSync(path.join(dir, file), m.publicArmored);
    const r = await remailer(['member', 'add', LIST, m.email, '--key', file, '--fingerprint', m.fingerprint, '--name', m.name, '--team', m.team, '--role', m.role]);
    say(`  ${r.stdout.trim().split('\n')[0] ?? ''}`);
  }
  const listKeyArmored = (await remailer(['list', 'key', LIST])).stdout;
  say('  (the members import this public key into their mail clients)');
  const listKey = await openpgp.readKey({ armoredKey: listKeyArmored });
  if (listKey.getFingerprint().toUpperCase() !== listFpr) fail('the exported list key does not match the fingerprint');
  const [alice, bob, carol] = members as [Member, Member, Member];

  heading('Alice sends an encrypted, signed TLP:AMBER message to the list');
  const subject = 'TLP:AMBER Phishing wave against municipal webmail';
  const body = 'TLP:AMBER\n\nHi all,\n\nsince yesterday we see a phishing wave against municipal webmail.\nIndicators: login-portal.example.net, 198.51.100.23\n\nAlice\n';
  say(`Subject (inside the encryption): ${subject}`);
  say('Subject (visible outside):       ...');
  const before = sink.received.length;
  const reply = await send(port, alice.email, await composeMail(alice, subject, body, listKey));
  say(`SMTP reply: ${reply}`);
  if (!reply.startsWith('250')) fail('the daemon did not accept the message');

  heading('Each copy arrives at the smarthost, and its member decrypts it');
  const copies = await sink.waitFor(before, 2);
  for (const m of [bob, carol]) {
    const copy = copies.find((c) => c.to.length === 1 && c.to[0] === m.email) ?? fail(`no copy for ${m.email}`);
    const outer = await simpleParser(copy.raw);
    say(`copy for ${m.email} (envelope from ${copy.from})`);
    say(`  outer Subject: ${outer.subject ?? ''}   (${copy.raw.length} bytes, multipart/encrypted)`);
    if (copy.raw.toString('latin1').includes('Phishing')) fail('the real subject travelled outside the encryption');
    const { data, signatures } = await openpgp.decrypt({
      message: await openpgp.readMessage({ armoredMessage: armoredOf(copy.raw) }),
      decryptionKeys: m.key,
      verificationKeys: listKey,
      expectSigned: true,
      format: 'binary',
    });
    for (const s of signatures) await s.verified;
    const inner = await simpleParser(Buffer.from(data));
    say(`  decrypted with ${m.name}'s key; Subject: ${inner.subject ?? ''}`);
    const lines = String(inner.text ?? '').split('\n').filter((l) => l.trim() !== '');
    for (const l of lines.slice(0, 6)) say(`  | ${l}`);
    say('  signature by list key: verified');
  }
  if (sink.received.some((c) => c.to.includes(alice.email))) fail('the sender got a copy of her own post');
  say('Alice gets no copy of her own post (deliver-to-sender is off).');

  heading('A TLP:RED message is refused in the SMTP conversation');
  const red = await send(port, bob.email, await composeMail(bob, 'TLP:RED Names of the affected staff', 'TLP:RED\n\nOnly for you.\n', listKey));
  say(`Bob sends "TLP:RED ..."; SMTP reply: ${red}`);
  if (!red.startsWith('550')) fail('the TLP:RED message was not refused');
  say("Nothing was stored or sent: the sender's own mail server reports the refusal to Bob.");

  heading('A com-check');
  const from = sink.received.length;
  const run = await remailer(['comcheck', 'run', LIST]);
  for (const l of run.stdout.trim().split('\n')) say(`  ${l}`);
  const pings = await sink.waitFor(from, members.length, 20_000);
  say(`${pings.length} encrypted ping(s) went out: ${pings.map((p) => p.to.join(',')).join(', ')}`);

  heading('The delivery log');
  const log = await remailer(['log', LIST]);
  for (const l of log.stdout.trimEnd().split('\n')) say(`  ${l}`);

  heading('Stopping and cleaning up');
  await stopDaemon();
  say('daemon stopped (SIGTERM: it finishes what is in flight, then exits)');
}

async function cleanup(): Promise<void> {
  await stopDaemon().catch(() => undefined);
  await sink.stop().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
}

// Ctrl-C: stop the daemon and remove the temporary folder before leaving.
process.once('SIGINT', () => {
  console.error('\ninterrupted: cleaning up');
  void cleanup().finally(() => process.exit(130));
});

let exitCode = 0;
try {
  await main();
  console.log(`\ndemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s: OK`);
} catch (err) {
  exitCode = 1;
  console.error(`\ndemo FAILED: ${err instanceof Error ? err.message : String(err)}`);
  if (!(err instanceof DemoError) && err instanceof Error && err.stack) console.error(err.stack);
  if (daemonLog.length > 0) console.error(`daemon log:\n${daemonLog.slice(-20).join('\n')}`);
} finally {
  await cleanup();
}
process.exit(exitCode);
