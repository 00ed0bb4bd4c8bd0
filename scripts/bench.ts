/**
 * `npm run bench`: fan-out speed of the daemon against the floor of the cryptography.
 *
 * Starts `remailer serve` as a child process with a loopback sink as its smarthost, creates a list
 * with N members, sends M encrypted and signed messages over SMTP from several connections at
 * once and waits until every copy has reached the sink. In the same run it measures the floor:
 * how many per-recipient session-key wraps per second this machine does with the same library.
 * Prints a table and writes JSON under results/ (ignored by git).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import * as openpgp from 'openpgp';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadConfig } from '../src/config/load.js';
import { CLI, ROOT } from '../test/helpers/cli.js';
import { PASSPHRASE_ENV } from '../test/helpers/env.js';
import { installList } from '../test/helpers/install.js';
import { writeConfig } from '../test/helpers/tmp.js';
import { RawSink } from './bench-sink.js';
import { decryptCopy, makeMember } from '../test/helpers/keys.js';
import { armoredPart, pgpMimeMessage } from '../test/helpers/mail.js';

const PASSPHRASE = PASSPHRASE_ENV.REMAILER_KEY_PASSPHRASE;
const LIST = 'bench@lists.bench.test';

interface Options {
  members: number;
  messages: number;
  size: number;
  attachmentBytes: number;
  concurrency: number;
  sweep: boolean;
  verify: number;
  out: string;
  /** delivery.* settings for the daemon; undefined = the daemon's defaults. */
  deliveryConnections: number | undefined;
  deliveryConcurrency: number | undefined;
  wrapThreads: number | undefined;
  /** Run the daemon with glibc's default malloc settings (no MALLOC_MMAP_THRESHOLD_). */
  mallocDefaults: boolean;
}

function parseArgs(): Options {
  const a = yargs(hideBin(process.argv))
    .option('members', { type: 'number', default: 100, describe: 'list members (N)' })
    .option('messages', { type: 'number', default: 50, describe: 'messages to send (M)' })
    .option('size', { type: 'number', default: 4096, describe: 'text size of each message in bytes' })
    .option('attachment-bytes', { type: 'number', default: 0, describe: 'a random binary attachment of this size' })
    .option('concurrency', { type: 'number', default: 4, describe: 'SMTP connections sending at once' })
    .option('sweep', { type: 'boolean', default: false, describe: 'also run N = 10 and N = 1000' })
    .option('verify', { type: 'number', default: 3, describe: 'copies to decrypt and check per run' })
    .option('out', { type: 'string', default: path.join(ROOT, 'results'), describe: 'folder for the JSON results' })
    .option('delivery-connections', { type: 'number', describe: "the daemon's delivery.maxConnections (default: the daemon's default)" })
    .option('delivery-concurrency', { type: 'number', describe: "the daemon's delivery.concurrency (default: the daemon's default)" })
    .option('wrap-threads', { type: 'number', describe: "the daemon's delivery.wrapThreads (default: the daemon's default)" })
    .option('malloc-defaults', { type: 'boolean', default: false, describe: 'run the daemon without MALLOC_MMAP_THRESHOLD_ (as `npm start` sets it)' })
    .strict()
    .parseSync();
  return {
    members: a.members,
    messages: a.messages,
    size: a.size,
    attachmentBytes: a['attachment-bytes'],
    concurrency: a.concurrency,
    sweep: a.sweep,
    verify: a.verify,
    out: a.out,
    deliveryConnections: a['delivery-connections'],
    deliveryConcurrency: a['delivery-concurrency'],
    wrapThreads: a['wrap-threads'],
    mallocDefaults: a['malloc-defaults'],
  };
}

// ---------------------------------------------------------------------------------------------
// The daemon as a child process, and what /proc says about it.

interface Daemon {
  child: ChildProcess;
  port: number;
}

function startDaemon(config: string, mallocDefaults: boolean): Promise<Daemon> {
  return new Promise((resolve, reject) => {
    // BENCH_NODE_ARGS lets a profiling run pass e.g. --cpu-prof to the daemon.
    const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--config', config], {
      // As `npm start` and the README's systemd unit run it: glibc keeps large buffers in mmap, so
      // memory freed after a big message goes back to the system (see README, Running the daemon).
      env: {
        ...process.env,
        ...(mallocDefaults ? {} : { MALLOC_MMAP_THRESHOLD_: process.env['MALLOC_MMAP_THRESHOLD_'] ?? '131072' }),
        REMAILER_KEY_PASSPHRASE: PASSPHRASE,
        REMAILER_CONFIG: '',
      },
      stdio: ['ignore', process.env['BENCH_DAEMON_STDOUT'] ? 'inherit' : 'ignore', 'pipe'],
    });
    // A benchmark that fails halfway must not leave its daemon running.
    process.once('exit', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
    let log = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      log += d;
      const m = /INFO STARTED .*?smtp=[\d.]+:(\d+)/.exec(log);
      if (m?.[1]) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`daemon exited (${String(code)}):\n${log}`)));
  });
}

function procStat(pid: number): { cpuSeconds: number; rssBytes: number; peakRssBytes: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { cpuSeconds: ticks / 100, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
}

// ---------------------------------------------------------------------------------------------
// The floor: openpgp.js wrapping a session key for one Curve25519 recipient, as fast as it goes.

async function wrapsPerSecond(): Promise<{ median: number; windows: number[] }> {
  const m = await makeMember('floor@bench.test');
  const sessionKey = { data: crypto.randomBytes(32), algorithm: 'aes256' as const };
  const wrap = (): Promise<Uint8Array> =>
    openpgp.encryptSessionKey({ data: sessionKey.data, algorithm: sessionKey.algorithm, encryptionKeys: m.publicKey, format: 'binary' });
  // The JIT needs a few seconds before the rate settles (standards.md §10).
  const warmUntil = performance.now() + 3000;
  while (performance.now() < warmUntil) await wrap();
  const windows: number[] = [];
  for (let w = 0; w < 8; w++) {
    let n = 0;
    const end = performance.now() + 500;
    while (performance.now() < end) {
      await wrap();
      n++;
    }
    windows.push(n * 2);
  }
  const sorted = [...windows].sort((a, b) => a - b);
  return { median: (sorted[3]! + sorted[4]!) / 2, windows };
}

// ---------------------------------------------------------------------------------------------

function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

function bar(done: number, total: number, label: string): void {
  if (!process.stderr.isTTY && done !== total && done % 50 !== 0) return;
  const width = 30;
  const filled = Math.round((done / Math.max(1, total)) * width);
  process.stderr.write(`\r  [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${label} ${done}/${total}   `);
  if (done >= total) process.stderr.write('\n');
}

export interface RunResult {
  members: number;
  messages: number;
  sizeBytes: number;
  attachmentBytes: number;
  concurrency: number;
  copies: number;
  acceptSeconds: number;
  totalSeconds: number;
  messagesPerSecondAccepted: number;
  deliveriesPerSecond: number;
  replyMs: { p50: number; p99: number };
  fanoutMs: { p50: number; p95: number; p99: number };
  /** One message at a time on an idle daemon: DATA start to its last copy at the sink. */
  singleFanoutMs: { p50: number; max: number; samples: number };
  daemonCpuSeconds: number;
  daemonPeakRssMiB: number;
  benchProcessCpuSeconds: number;
  verifiedCopies: number;
}

async function run(o: Options, members: number): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmbench-'));
  const sink = new RawSink(o.verify);
  await sink.start();
  const file = writeConfig(
    dir,
    [
      'smtp:',
      '  port: 0',
      '  hostname: lists.bench.test',
      `  maxMessageBytes: ${64 * 1024 * 1024}`,
      'delivery:',
      `  port: ${sink.port}`,
      ...(o.deliveryConnections === undefined ? [] : [`  maxConnections: ${o.deliveryConnections}`]),
      ...(o.deliveryConcurrency === undefined ? [] : [`  concurrency: ${o.deliveryConcurrency}`]),
      ...(o.wrapThreads === undefined ? [] : [`  wrapThreads: ${o.wrapThreads}`]),
      'log:',
      '  level: info',
    ].join('\n'),
  );
  const config = loadConfig({ configPath: file });
  process.stderr.write(`  N=${members}: generating ${members} member keys and ${o.messages} messages...\n`);
  const { members: people, listKey } = await installList(config, LIST, members, (i) => `m${i}@team${i}.bench.test`);
  const attachment = o.attachmentBytes > 0 ? crypto.randomBytes(o.attachmentBytes) : null;
  const text = ('TLP:GREEN benchmark traffic. ' + 'x'.repeat(70) + '\n').repeat(Math.ceil(o.size / 100)).slice(0, o.size);
  const messages = await Promise.all(
    Array.from({ length: o.messages }, async (_, i) => {
      const sender = people[i % people.length]!;
      const raw = await pgpMimeMessage(
        {
          from: { address: sender.email },
          to: LIST,
          subject: `TLP:GREEN bench ${i}`,
          text,
          ...(attachment ? { attachments: [{ filename: 'blob.bin', contentType: 'application/octet-stream', data: attachment }] } : {}),
        },
        { encryptTo: [listKey], signer: sender.key },
      );
      return { i, sender, raw };
    }),
  );

  const daemon = await startDaemon(file, o.mallocDefaults);
  const pid = daemon.child.pid ?? 0;
  const before = procStat(pid);
  const cpu0 = process.cpuUsage();
  const transports = Array.from({ length: o.concurrency }, () =>
    nodemailer.createTransport({ host: '127.0.0.1', port: daemon.port, pool: true, maxConnections: 1, maxMessages: 1_000_000, ignoreTLS: true }),
  );
  const replyMs: number[] = [];
  const startOf = new Map<string, number>();
  const acceptedAt = new Map<string, number>();
  const expected = o.messages * (members - 1);
  let peak = before.peakRssBytes;
  const t0 = performance.now();
  const rssTrace: string[] = [];
  const sampler = setInterval(() => {
    try {
      const st = procStat(pid);
      if (process.env['BENCH_DEBUG']) rssTrace.push(`${((performance.now() - t0) / 1000).toFixed(1)}s:${(st.rssBytes / 2 ** 20).toFixed(0)}`);
      // VmHWM is updated lazily by the kernel and can lag behind a VmRSS seen a moment ago.
      peak = Math.max(peak, st.peakRssBytes, st.rssBytes);
    } catch {
      // The daemon may be gone at the very end.
    }
  }, 20);

  const queue = [...messages];
  let accepted = 0;
  await Promise.all(
    transports.map(async (t) => {
      for (let m = queue.shift(); m; m = queue.shift()) {
        const s = performance.now();
        const info = await t.sendMail({ envelope: { from: m.sender.email, to: [LIST] }, raw: m.raw });
        const e = performance.now();
        const id = /queued as (\S+)/.exec(String(info.response))?.[1];
        if (!id) throw new Error(`not accepted: ${String(info.response)}`);
        replyMs.push(e - s);
        const mid = `<${id}@lists.bench.test>`;
        startOf.set(mid, s);
        acceptedAt.set(mid, e);
        bar(++accepted, o.messages, 'accepted');
      }
    }),
  );
  const tAccepted = performance.now();
  await sink.waitFor(expected, () => bar(sink.copies.length, expected, 'copies  '), 600_000);
  const tDone = performance.now();
  clearInterval(sampler);
  const after = procStat(pid);
  const burstCopies = sink.copies.length;
  // Copies kept after this point belong to the single messages below, which carry no attachment.
  const keptInBurst = sink.kept.length;

  // Then a few messages one at a time: the fan-out of a single message when nothing queues ahead of it.
  const single: number[] = [];
  for (let k = 0; k < Math.min(5, o.messages); k++) {
    const m = messages[k]!;
    const again = await pgpMimeMessage(
      { from: { address: m.sender.email }, to: LIST, subject: `TLP:GREEN single ${k}`, text },
      { encryptTo: [listKey], signer: m.sender.key },
    );
    const before = sink.copies.length;
    const s = performance.now();
    await transports[0]!.sendMail({ envelope: { from: m.sender.email, to: [LIST] }, raw: again });
    await sink.waitFor(before + members - 1, () => undefined, 60_000);
    single.push(performance.now() - s);
  }
  const benchCpu = process.cpuUsage(cpu0);
  for (const t of transports) t.close();

  const last = new Map<string, number>();
  for (const c of sink.copies.slice(0, burstCopies)) last.set(c.messageId, Math.max(last.get(c.messageId) ?? 0, c.at));
  const fanout = [...startOf].map(([mid, s]) => (last.get(mid) ?? NaN) - s);

  // Correct copies: decrypted by their member's key, signed by the list, with the attachment intact.
  let verified = 0;
  const byEmail = new Map(people.map((p) => [p.email, p]));
  for (const [i, k] of sink.kept.entries()) {
    const member = byEmail.get(k.rcpt);
    if (!member) continue;
    const { data, signedByList } = await decryptCopy(armoredPart(k.raw), member.key, listKey);
    if (!signedByList) throw new Error('a copy is not signed by the list key');
    if (attachment && i < keptInBurst && !Buffer.from(data).includes(attachment.subarray(0, 57).toString('base64').slice(0, 64))) {
      throw new Error('a verified copy lacks the attachment');
    }
    verified++;
  }

  daemon.child.kill('SIGTERM');
  await new Promise((r) => daemon.child.once('exit', r));
  await sink.stop();
  fs.rmSync(dir, { recursive: true, force: true });

  if (process.env['BENCH_DEBUG']) process.stderr.write(`  RSS MiB over time: ${rssTrace.join(' ')}\n`);
  if (process.env['BENCH_DEBUG']) process.stderr.write(`  250 times (ms, in order): ${replyMs.map((x) => x.toFixed(0)).join(' ')}\n`);
  const totalSeconds = (tDone - t0) / 1000;
  return {
    members,
    messages: o.messages,
    sizeBytes: o.size,
    attachmentBytes: o.attachmentBytes,
    concurrency: o.concurrency,
    copies: burstCopies,
    acceptSeconds: (tAccepted - t0) / 1000,
    totalSeconds,
    messagesPerSecondAccepted: o.messages / ((tAccepted - t0) / 1000),
    deliveriesPerSecond: burstCopies / totalSeconds,
    replyMs: { p50: pct(replyMs, 50), p99: pct(replyMs, 99) },
    fanoutMs: { p50: pct(fanout, 50), p95: pct(fanout, 95), p99: pct(fanout, 99) },
    singleFanoutMs: { p50: pct(single, 50), max: Math.max(...single), samples: single.length },
    daemonCpuSeconds: after.cpuSeconds - before.cpuSeconds,
    daemonPeakRssMiB: Math.max(peak, after.peakRssBytes) / 1024 / 1024,
    benchProcessCpuSeconds: (benchCpu.user + benchCpu.system) / 1e6,
    verifiedCopies: verified,
  };
}

function row(r: RunResult, floor: number): string[] {
  return [
    String(r.members),
    String(r.messages),
    r.messagesPerSecondAccepted.toFixed(1),
    r.deliveriesPerSecond.toFixed(0),
    `${((r.deliveriesPerSecond / floor) * 100).toFixed(0)}%`,
    `${r.replyMs.p50.toFixed(0)}/${r.replyMs.p99.toFixed(0)}`,
    `${r.fanoutMs.p50.toFixed(0)}/${r.fanoutMs.p95.toFixed(0)}/${r.fanoutMs.p99.toFixed(0)}`,
    `${r.singleFanoutMs.p50.toFixed(0)}/${r.singleFanoutMs.max.toFixed(0)}`,
    r.daemonCpuSeconds.toFixed(1),
    r.daemonPeakRssMiB.toFixed(0),
    r.benchProcessCpuSeconds.toFixed(1),
  ];
}

async function main(): Promise<void> {
  const o = parseArgs();
  if (!fs.existsSync(CLI)) throw new Error('dist/ is missing: run npm run build first (npm run bench does)');
  const sizes = o.sweep ? [10, o.members, 1000].filter((n, i, a) => a.indexOf(n) === i).sort((a, b) => a - b) : [o.members];
  const results: RunResult[] = [];
  for (const n of sizes) results.push(await run(o, n));
  process.stderr.write('  measuring the floor (openpgp.js session-key wraps, one core, after 3 s warm-up)...\n');
  const floor = await wrapsPerSecond();

  const header = ['N', 'msgs', 'msgs/s in', 'deliv/s', 'of floor', '250 ms p50/p99', 'fan-out ms p50/p95/p99', 'alone ms p50/max', 'daemon CPU s', 'peak RSS MiB', 'bench CPU s'];
  const rows = results.map((r) => row(r, floor.median));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log('');
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
  console.log(`floor: ${floor.median.toFixed(0)} wraps/s (openpgp.js encryptSessionKey, one Curve25519 recipient; windows ${floor.windows.join(', ')})`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  for (const r of results) {
    console.log(`N=${r.members}: ${r.copies} copies in ${r.totalSeconds.toFixed(2)} s, ${r.verifiedCopies} decrypted and verified`);
  }

  fs.mkdirSync(o.out, { recursive: true });
  const out = path.join(o.out, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '', memGiB: os.totalmem() / 2 ** 30, node: process.version },
        options: o,
        floor: { wrapsPerSecond: floor.median, windows: floor.windows },
        runs: results.map((r) => ({ ...r, ratioToFloor: r.deliveriesPerSecond / floor.median })),
      },
      null,
      2,
    ),
  );
  console.log(`results written to ${path.relative(ROOT, out)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`\nbench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
