import crypto from 'node:crypto';
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import * as openpgp from 'openpgp';
import { nativeRecipient, type NativeRecipient } from '../../../src/pgp/native-wrap.js';
import { defaultWrapThreads, inlineWrapper, WrapThreads, type WrapRequest } from '../../../src/pgp/wrap-threads.js';
import { rejectsWith } from './helpers.js';

interface Member {
  key: openpgp.PrivateKey;
  r: NativeRecipient;
  /** The encryption subkey's key ID, as the PKESK must carry it. */
  keyId: string;
}

/** The session key a PKESK wraps, as openpgp.js reads it with `key`. */
async function unwrap(pkesk: Uint8Array, key: openpgp.PrivateKey): Promise<{ data: Buffer; algorithm: string | null }> {
  const message = await openpgp.readMessage({ binaryMessage: pkesk });
  const [k] = await openpgp.decryptSessionKeys({ message, decryptionKeys: key });
  if (!k) throw new Error('no session key');
  return { data: Buffer.from(k.data), algorithm: k.algorithm };
}

/** The PKESK's key ID field (new-format header of two octets, then version 3, then the ID). */
function pkeskKeyId(pkesk: Uint8Array): string {
  return Buffer.from(pkesk.subarray(3, 11)).toString('hex');
}

/**
 * The pool's threads, reached through its private field. Only tests do this: to simulate a
 * crash (terminate the worker) or to count the messages sent to it.
 */
function threadsOf(pool: WrapThreads): Array<{ worker: Worker }> {
  return (pool as unknown as { threads: Array<{ worker: Worker }> }).threads;
}

function firstWorker(pool: WrapThreads): Worker {
  const t = threadsOf(pool)[0];
  if (!t) throw new Error('the pool has no thread');
  return t.worker;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Checks that every PKESK unwraps to `sk` for its own member, and for nobody else. */
async function expectWrappedFor(pkesks: Uint8Array[], owners: Member[], sk: Buffer, algorithm: string): Promise<void> {
  expect(pkesks.length).to.equal(owners.length);
  for (let i = 0; i < pkesks.length; i++) {
    const pkesk = pkesks[i];
    const owner = owners[i];
    if (!pkesk || !owner) throw new Error('missing');
    expect(pkeskKeyId(pkesk), `copy ${i} names its recipient's subkey`).to.equal(owner.keyId);
    const got = await unwrap(pkesk, owner.key);
    expect(got.algorithm, `copy ${i}`).to.equal(algorithm);
    expect(got.data.equals(sk), `copy ${i} unwraps to the session key`).to.equal(true);
  }
}

/** Checks that a PKESK for `owner` does not open with any other member's key. */
async function expectClosedToOthers(pkesk: Uint8Array, owner: Member, members: Member[]): Promise<void> {
  for (const other of members) {
    if (other === owner) continue;
    // As sent: the key ID does not match, so openpgp.js finds nothing to decrypt.
    expect((await rejectsWith(unwrap(pkesk, other.key))).message).to.match(/no decryption key packets/i);
    // Retargeted at the other member's key ID: now the X25519 agreement itself must fail to yield the KEK
    // (AES key unwrap's integrity check), so this tests the cryptography, not the label.
    const forged = Buffer.from(pkesk);
    Buffer.from(other.keyId, 'hex').copy(forged, 3);
    expect((await rejectsWith(unwrap(forged, other.key))).message).to.match(/integrity/i);
  }
}

describe('pgp/wrap-threads: session-key wraps on worker threads', () => {
  let members: Member[] = [];
  const pools: WrapThreads[] = [];
  function pool(size: number, onFailure?: (reason: string) => void): WrapThreads {
    const p = new WrapThreads(size, onFailure);
    pools.push(p);
    return p;
  }

  before(async () => {
    members = [];
    for (let i = 0; i < 3; i++) {
      const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ email: `m${i}@x.test` }], format: 'object' });
      const enc = await privateKey.toPublic().getEncryptionKey();
      const r = nativeRecipient(enc.keyPacket.write());
      if (!r) throw new Error('a Curve25519 subkey is expected to be handled natively');
      members.push({ key: privateKey, r, keyId: enc.getKeyID().toHex() });
    }
  });

  afterEach(async () => {
    // No thread is left running, whatever a test did.
    for (const p of pools.splice(0)) await p.close();
  });

  function member(i: number): Member {
    const m = members[i % members.length];
    if (!m) throw new Error('no member');
    return m;
  }

  // Under tsx too: the thread registers tsx itself (spawn()), so these run the real thread path.
  it('wraps a burst on one thread: each copy opens with its own member\'s key and with no other', async () => {
    const p = pool(1);
    const sk = crypto.randomBytes(32);
    const owners = Array.from({ length: 30 }, (_, i) => member(i));
    // All 30 in the same turn of the event loop.
    const pkesks = await Promise.all(owners.map((m) => p.wrap(m.r, sk, 'aes256')));
    expect(p.stats()).to.deep.equal({ threads: 1, inThreads: 30, inline: 0 });
    await expectWrappedFor(pkesks, owners, sk, 'aes256');
    for (let i = 0; i < members.length; i++) await expectClosedToOthers(pkesks[i] ?? new Uint8Array(), member(i), members);
    // A fresh ephemeral key per copy: no two copies are the same bytes.
    expect(new Set(pkesks.map((k) => Buffer.from(k).toString('hex'))).size).to.equal(pkesks.length);
  });

  it('sends the wraps of one turn to the thread as one message, and those of a later turn as another', async () => {
    const p = pool(1);
    const sk = crypto.randomBytes(32);
    // The first wrap starts the thread; then its postMessage is watched.
    await p.wrap(member(0).r, sk, 'aes256');
    const worker = firstWorker(p);
    const post = worker.postMessage.bind(worker);
    const batches: number[] = [];
    worker.postMessage = (value: unknown): void => {
      batches.push((value as WrapRequest).items.length);
      post(value);
    };
    const owners = Array.from({ length: 12 }, (_, i) => member(i));
    const first = await Promise.all(owners.map((m) => p.wrap(m.r, sk, 'aes256')));
    const second = await Promise.all(owners.slice(0, 5).map((m) => p.wrap(m.r, sk, 'aes256')));
    expect(batches).to.deep.equal([12, 5]);
    expect(p.stats()).to.deep.equal({ threads: 1, inThreads: 18, inline: 0 });
    await expectWrappedFor([...first, ...second], [...owners, ...owners.slice(0, 5)], sk, 'aes256');
  });

  it('spreads a burst over several threads, and every copy is still right', async () => {
    const p = pool(3);
    const sk = crypto.randomBytes(32);
    const owners = Array.from({ length: 20 }, (_, i) => member(i));
    const pkesks = await Promise.all(owners.map((m) => p.wrap(m.r, sk, 'aes256')));
    expect(p.stats()).to.deep.equal({ threads: 3, inThreads: 20, inline: 0 });
    await expectWrappedFor(pkesks, owners, sk, 'aes256');
  });

  it('with zero threads wraps on the main thread, and the copies open', async () => {
    const p = pool(0);
    const sk = crypto.randomBytes(16);
    const owners = Array.from({ length: 6 }, (_, i) => member(i));
    const pkesks = await Promise.all(owners.map((m) => p.wrap(m.r, sk, 'aes128')));
    expect(p.stats()).to.deep.equal({ threads: 0, inThreads: 0, inline: 6 });
    await expectWrappedFor(pkesks, owners, sk, 'aes128');
    await expectClosedToOthers(pkesks[0] ?? new Uint8Array(), member(0), members);
  });

  it('inlineWrapper wraps on the calling thread and closes at once', async () => {
    const sk = crypto.randomBytes(32);
    const pkesk = await inlineWrapper.wrap(member(1).r, sk, 'aes256');
    await expectWrappedFor([pkesk], [member(1)], sk, 'aes256');
    await inlineWrapper.close();
    // Closing it changes nothing: it holds no thread.
    await expectWrappedFor([await inlineWrapper.wrap(member(2).r, sk, 'aes256')], [member(2)], sk, 'aes256');
  });

  it('when its thread dies, reports it once and wraps everything after on the main thread', async () => {
    const reasons: string[] = [];
    const p = pool(1, (reason) => reasons.push(reason));
    const sk = crypto.randomBytes(32);
    await expectWrappedFor([await p.wrap(member(0).r, sk, 'aes256')], [member(0)], sk, 'aes256');
    expect(p.stats()).to.deep.equal({ threads: 1, inThreads: 1, inline: 0 });
    expect(reasons).to.deep.equal([]);

    // Simulates a thread crash: the worker goes away without the pool having asked for it.
    await firstWorker(p).terminate();
    await nextTurn(); // the pool has seen the 'exit' by now
    expect(reasons).to.have.length(1);
    expect(reasons[0]).to.be.a('string').and.match(/exited/);
    expect(p.stats().threads, 'the dead thread is dropped and none is started again').to.equal(0);

    const owners = Array.from({ length: 6 }, (_, i) => member(i));
    const pkesks = await Promise.all(owners.map((m) => p.wrap(m.r, sk, 'aes256')));
    await expectWrappedFor(pkesks, owners, sk, 'aes256');
    expect(p.stats()).to.deep.equal({ threads: 0, inThreads: 1, inline: 6 });
    expect(reasons, 'onFailure hears once').to.have.length(1);
  });

  it('loses nothing a thread owed when it dies mid-batch', async () => {
    const reasons: string[] = [];
    const p = pool(1, (reason) => reasons.push(reason));
    const sk = crypto.randomBytes(32);
    await p.wrap(member(0).r, sk, 'aes256'); // the thread is up
    const owners = Array.from({ length: 9 }, (_, i) => member(i));
    const pending = Promise.all(owners.map((m) => p.wrap(m.r, sk, 'aes256')));
    await nextTurn(); // the batch has been sent to the thread
    // Simulates a thread crash while the batch is in flight.
    const exited = firstWorker(p).terminate();
    const pkesks = await pending;
    await exited;
    await nextTurn();
    await expectWrappedFor(pkesks, owners, sk, 'aes256');
    const s = p.stats();
    expect(s.inThreads + s.inline, 'every wrap was done exactly once').to.equal(10);
    expect(reasons).to.have.length(1);
  });

  it('close() resolves, settles wraps still queued or in flight, and later wraps run inline', async () => {
    const reasons: string[] = [];
    const p = pool(1, (reason) => reasons.push(reason));
    const sk = crypto.randomBytes(32);
    const owners = Array.from({ length: 6 }, (_, i) => member(i));
    const before = await Promise.all(owners.map((m) => p.wrap(m.r, sk, 'aes256')));
    expect(p.stats()).to.deep.equal({ threads: 1, inThreads: 6, inline: 0 });

    // In flight: sent to the thread, not answered yet.
    const inFlight = Promise.all(owners.map((m) => p.wrap(m.r, sk, 'aes256')));
    await nextTurn();
    await p.close();
    const flown = await inFlight;
    expect(p.stats().threads).to.equal(0);

    const after = await Promise.all(owners.map((m) => p.wrap(m.r, sk, 'aes256')));
    await p.close(); // twice is fine
    await expectWrappedFor([...before, ...flown, ...after], [...owners, ...owners, ...owners], sk, 'aes256');
    const s = p.stats();
    expect(s.inThreads + s.inline).to.equal(18);
    expect(s.inline, 'the wraps after close ran inline').to.be.at.least(6);
    expect(reasons, 'a close is not a failure').to.deep.equal([]);
  });

  it('close() in the same turn as wraps that were never sent still settles them', async () => {
    const p = pool(2);
    const sk = crypto.randomBytes(32);
    const owners = Array.from({ length: 5 }, (_, i) => member(i));
    const queued = Promise.all(owners.map((m) => p.wrap(m.r, sk, 'aes256')));
    await p.close();
    await expectWrappedFor(await queued, owners, sk, 'aes256');
    expect(p.stats()).to.deep.equal({ threads: 0, inThreads: 0, inline: 5 });
  });

  it('rejects an unknown session-key algorithm with its name, on a thread and inline, and keeps working', async () => {
    const reasons: string[] = [];
    const p = pool(1, (reason) => reasons.push(reason));
    const sk = crypto.randomBytes(32);
    // On a thread, in one batch with good wraps: only the bad item fails.
    const [good1, bad, good2] = await Promise.allSettled([
      p.wrap(member(0).r, sk, 'aes256'),
      p.wrap(member(1).r, sk, 'aes999'),
      p.wrap(member(2).r, sk, 'aes256'),
    ]);
    expect(bad?.status).to.equal('rejected');
    if (bad?.status === 'rejected') {
      expect(bad.reason).to.be.instanceOf(Error);
      expect((bad.reason as Error).message).to.include('aes999');
    }
    if (good1?.status !== 'fulfilled' || good2?.status !== 'fulfilled') throw new Error('the good wraps in the batch failed');
    await expectWrappedFor([good1.value, good2.value], [member(0), member(2)], sk, 'aes256');
    expect(p.stats(), 'an item\'s error does not stop the thread').to.deep.equal({ threads: 1, inThreads: 2, inline: 0 });
    expect(reasons).to.deep.equal([]);
    expect((await rejectsWith(p.wrap(member(0).r, sk, 'aes999'))).message).to.include('aes999');

    const inline = pool(0);
    expect((await rejectsWith(inline.wrap(member(0).r, sk, 'aes999'))).message).to.include('aes999');
    expect(inline.stats()).to.deep.equal({ threads: 0, inThreads: 0, inline: 0 });
    expect((await rejectsWith(inlineWrapper.wrap(member(0).r, sk, 'aes999'))).message).to.include('aes999');
  });

  it('defaultWrapThreads: one per core beyond the first, at most four', () => {
    const n = defaultWrapThreads();
    expect(Number.isInteger(n)).to.equal(true);
    expect(n).to.be.within(0, 4);
    expect(n).to.equal(Math.min(4, Math.max(0, os.availableParallelism() - 1)));
  });
});
