/**
 * Fan-out cost, measured (not a test): wraps per second for one Curve25519 recipient after the JIT
 * has warmed up (standards §10: 3 s, then the median of short windows), and the one-off cost of
 * sealForList and the per-copy cost of assembleArmored for a 4 KiB and a 10 MiB message.
 *
 *   node --import tsx scripts/bench-pgp.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { assembleArmored, sealForList, wrapForRecipient } from '../src/pgp/fanout.js';

const KEYS = join(import.meta.dirname, '../test/fixtures/keys');
const read = (f: string): string => readFileSync(join(KEYS, f), 'utf8');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function timeMs(fn: () => Promise<unknown> | unknown, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const listKey = await openpgp.decryptKey({
  privateKey: await openpgp.readPrivateKey({ armoredKey: read('list.sec.asc') }),
  passphrase: 'fixture-list-passphrase',
});
const recipient = await openpgp.readKey({ armoredKey: read('carol-openpgpjs.pub.asc') });
const now = new Date();
const small = await sealForList({ inner: new Uint8Array(4096).fill(0x61), listKey, now });

// Warm-up: 3 s of wraps, then 10 windows of 500 ms.
const warmUntil = performance.now() + 3000;
let warm = 0;
while (performance.now() < warmUntil) {
  await wrapForRecipient(small.sessionKey, recipient, now);
  warm++;
}
const rates: number[] = [];
for (let w = 0; w < 10; w++) {
  const end = performance.now() + 500;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    await wrapForRecipient(small.sessionKey, recipient, now);
    n++;
  }
  rates.push((n * 1000) / (performance.now() - t0));
}
console.log(`wrapForRecipient (Curve25519): warm-up ${warm} wraps in 3 s; then median ${median(rates).toFixed(0)} wraps/s ` +
  `(min ${Math.min(...rates).toFixed(0)}, max ${Math.max(...rates).toFixed(0)}, 10 x 500 ms windows)`);

for (const [label, size, runs] of [['4 KiB', 4096, 50], ['10 MiB', 10 * 1024 * 1024, 5]] as const) {
  const inner = new Uint8Array(size);
  for (let i = 0; i < size; i++) inner[i] = 0x20 + (i % 90);
  await sealForList({ inner, listKey, now });
  const seal = await timeMs(() => sealForList({ inner, listKey, now }), runs);
  const sealed = await sealForList({ inner, listKey, now });
  const pkesk = await wrapForRecipient(sealed.sessionKey, recipient, now);
  const [first = Number.NaN] = await timeMs(() => assembleArmored(pkesk, sealed.body), 1);
  const armor = await timeMs(() => assembleArmored(pkesk, sealed.body), runs);
  // The copy is a V8 rope (cached body armor + small head); writing it out flattens it once.
  const flatten = await timeMs(() => Buffer.from(assembleArmored(pkesk, sealed.body), 'latin1'), runs);
  console.log(`${label}: sealForList median ${median(seal).toFixed(1)} ms (${runs} runs); assembleArmored first copy ` +
    `${first.toFixed(1)} ms (builds the body's armor), then ${median(armor).toFixed(3)} ms per copy, ` +
    `+ ${median(flatten).toFixed(2)} ms to flatten it into bytes; armored copy ${(assembleArmored(pkesk, sealed.body).length / 1024).toFixed(0)} KiB`);
}
console.log(`node ${process.version}, openpgp ${openpgp.config.versionString}`);
