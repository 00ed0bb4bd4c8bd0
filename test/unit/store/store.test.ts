import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { StoreLockedError } from '../../../src/store/db.js';
import { STORE_SCHEMA_VERSION, StoreTooNewError } from '../../../src/store/migrate.js';
import { LIST_RECORD_VERSION, MEMBER_RECORD_VERSION, type ListRecord, type MemberRecord } from '../../../src/store/records.js';
import { Store } from '../../../src/store/store.js';
import { rmrf, tmpDir } from '../../helpers/tmp.js';

function listRec(address: string, extra: Partial<ListRecord> = {}): ListRecord {
  return {
    v: 1,
    address,
    owners: [],
    fingerprint: 'F'.repeat(40),
    publicKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----',
    createdAt: '2026-01-01T00:00:00.000Z',
    options: {},
    ...extra,
  };
}

function memberRec(list: string, email: string, extra: Partial<MemberRecord> = {}): MemberRecord {
  return {
    v: 1,
    list,
    email,
    name: '',
    team: '',
    role: 'member',
    status: 'active',
    fingerprint: 'A'.repeat(40),
    publicKey: 'k',
    keyAlgorithm: 'ed25519/cv25519',
    keyCreated: '2024-01-01T00:00:00.000Z',
    keyExpires: null,
    allowUidMismatch: false,
    enrolledAt: '2026-01-01T00:00:00.000Z',
    keyUpdatedAt: '2026-01-01T00:00:00.000Z',
    bounceCount: 0,
    ...extra,
  };
}

/** The number of operations of every batch written to the store, in order. */
function watchWrites(store: Store): number[] {
  const writes: number[] = [];
  // A sublevel's `db` is the root LevelDB: its 'write' event fires once per batch.
  store.lists.sub.db.on('write', (ops: unknown[]) => writes.push(ops.length));
  return writes;
}

describe('store: LevelDB under dataDir with typed repositories', function () {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = tmpDir('rms-');
    store = await Store.open(dir);
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    rmrf(dir);
  });

  it('creates dataDir (0700) with the database in db/', async () => {
    expect(fs.statSync(path.join(dir, 'db')).isDirectory()).to.equal(true);
    const fresh = path.join(dir, 'fresh', 'data');
    const s = await Store.open(fresh);
    try {
      expect((fs.statSync(fresh).mode & 0o777).toString(8)).to.equal('700');
      expect(fs.existsSync(path.join(fresh, 'db'))).to.equal(true);
    } finally {
      await s.close();
    }
  });

  it('lists: put, get, all, del; records survive a reopen', async () => {
    await store.lists.put(store.tx(), listRec('b@lists.test')).commit();
    await store.lists.put(store.tx(), listRec('a@lists.test', { owners: ['o@x.test'] })).commit();
    expect(await store.lists.get('a@lists.test')).to.deep.equal(listRec('a@lists.test', { owners: ['o@x.test'] }));
    expect(await store.lists.get('c@lists.test')).to.equal(undefined);
    expect((await store.lists.all()).map((l) => l.address)).to.deep.equal(['a@lists.test', 'b@lists.test']);
    await store.lists.del(store.tx(), 'b@lists.test').commit();
    await store.close();
    store = await Store.open(dir);
    expect((await store.lists.all()).map((l) => l.address)).to.deep.equal(['a@lists.test']);
  });

  it('members: keyed by list and address; one list never sees another list\'s members', async () => {
    const tx = store.tx();
    store.members.put(tx, memberRec('a@x.test', 'm1@t.test'));
    store.members.put(tx, memberRec('a@x.test', 'm2@t.test'));
    // A list whose address extends the first one's: a naive prefix scan would mix them up.
    store.members.put(tx, memberRec('a@x.test.org', 'm3@t.test'));
    store.members.put(tx, memberRec('a@x.tes', 'm4@t.test'));
    await tx.commit();
    expect((await store.members.ofList('a@x.test')).map((m) => m.email)).to.deep.equal(['m1@t.test', 'm2@t.test']);
    expect(await store.members.count('a@x.test.org')).to.equal(1);
    expect(await store.members.count('a@x.tes')).to.equal(1);
    expect((await store.members.get('a@x.test', 'm2@t.test'))?.email).to.equal('m2@t.test');
    expect(await store.members.get('a@x.test', 'm3@t.test')).to.equal(undefined);
    await store.members.del(store.tx(), 'a@x.test', 'm1@t.test').commit();
    expect(await store.members.count('a@x.test')).to.equal(1);
  });

  it('a Tx writes nothing until commit, then everything in one batch', async () => {
    const writes = watchWrites(store);
    const tx = store.tx();
    store.lists.put(tx, listRec('l@x.test'));
    store.members.put(tx, memberRec('l@x.test', 'a@t.test'));
    store.members.put(tx, memberRec('l@x.test', 'b@t.test'));
    expect(tx.size).to.equal(3);
    expect(await store.lists.get('l@x.test')).to.equal(undefined);
    await tx.commit();
    expect(writes).to.deep.equal([3]);
    expect(tx.size).to.equal(0);
    expect(await store.lists.get('l@x.test')).to.not.equal(undefined);
    expect(await store.members.count('l@x.test')).to.equal(2);
  });

  it('a Tx is atomic: one invalid operation and none of its writes happen', async () => {
    const tx = store.tx();
    store.lists.put(tx, listRec('l@x.test'));
    store.members.put(tx, memberRec('l@x.test', 'a@t.test'));
    // An invalid value fails the whole batch.
    tx.put(store.lists.sub, 'broken', undefined as unknown as ListRecord);
    let failed = false;
    await tx.commit().catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(await store.lists.get('l@x.test')).to.equal(undefined);
    expect(await store.members.count('l@x.test')).to.equal(0);
  });

  it('group commit: changes queued together are written in one batch, each resolving once on disk', async () => {
    const writes = watchWrites(store);
    const addresses = ['g1@x.test', 'g2@x.test', 'g3@x.test', 'g4@x.test', 'g5@x.test'];
    await Promise.all(
      addresses.map((a) =>
        store.commit((tx) => {
          store.lists.put(tx, listRec(a));
          store.members.put(tx, memberRec(a, 'm@t.test'));
        }),
      ),
    );
    // The first change starts a batch alone; the four queued behind it go out together.
    expect(writes).to.deep.equal([2, 8]);
    expect((await store.lists.all()).map((l) => l.address)).to.deep.equal(addresses);
  });

  it('group commit: a build that throws adds nothing, its undo hooks run newest first, the others commit', async () => {
    const memory: string[] = [];
    const undone: string[] = [];
    const ok1 = store.commit((tx, undo) => {
      store.lists.put(tx, listRec('ok1@x.test'));
      memory.push('ok1');
      undo(() => undone.push('ok1'));
    });
    const bad = store.commit((tx, undo) => {
      store.lists.put(tx, listRec('bad@x.test'));
      memory.push('bad-a');
      undo(() => {
        memory.splice(memory.indexOf('bad-a'), 1);
        undone.push('bad-a');
      });
      memory.push('bad-b');
      undo(() => {
        memory.splice(memory.indexOf('bad-b'), 1);
        undone.push('bad-b');
      });
      throw new Error('build failed');
    });
    const ok2 = store.commit((tx) => {
      store.lists.put(tx, listRec('ok2@x.test'));
    });
    const results = await Promise.allSettled([ok1, bad, ok2]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(undone).to.deep.equal(['bad-b', 'bad-a']);
    expect(memory).to.deep.equal(['ok1']);
    expect((await store.lists.all()).map((l) => l.address)).to.deep.equal(['ok1@x.test', 'ok2@x.test']);
  });

  it('group commit: when the batch write fails, every change in it is undone and rejected', async () => {
    // Occupy the committer so the next three are folded into one batch.
    const first = store.commit((tx) => {
      store.lists.put(tx, listRec('first@x.test'));
    });
    const undone: string[] = [];
    const a = store.commit((tx, undo) => {
      store.lists.put(tx, listRec('a@x.test'));
      undo(() => undone.push('a'));
    });
    const broken = store.commit((tx, undo) => {
      tx.put(store.lists.sub, 'broken', undefined as unknown as ListRecord);
      undo(() => undone.push('broken'));
    });
    const c = store.commit((tx, undo) => {
      store.lists.put(tx, listRec('c@x.test'));
      undo(() => undone.push('c'));
    });
    const results = await Promise.allSettled([first, a, broken, c]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'rejected', 'rejected']);
    expect(undone).to.deep.equal(['c', 'broken', 'a']);
    expect((await store.lists.all()).map((l) => l.address)).to.deep.equal(['first@x.test']);
  });

  it('close() waits for queued changes', async () => {
    const pending = store.commit((tx) => {
      store.lists.put(tx, listRec('late@x.test'));
    });
    await store.close();
    await pending;
    store = await Store.open(dir);
    expect(await store.lists.get('late@x.test')).to.not.equal(undefined);
  });

  it('a second Store on the same dataDir gets StoreLockedError; after close it opens', async () => {
    const err = await Store.open(dir).then(
      async (s) => {
        await s.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(StoreLockedError);
    expect((err as Error).message).to.include(path.join(dir, 'db'));
    await store.close();
    store = await Store.open(dir);
  });

  it('records carry their schema version v; the store records its layout version', async () => {
    await store.lists.put(store.tx(), listRec('v@x.test')).commit();
    await store.members.put(store.tx(), memberRec('v@x.test', 'm@t.test')).commit();
    expect((await store.lists.get('v@x.test'))?.v).to.equal(LIST_RECORD_VERSION);
    expect((await store.members.get('v@x.test', 'm@t.test'))?.v).to.equal(MEMBER_RECORD_VERSION);
    const meta = store.lists.sub.db.sublevel<string, { version: number; createdAt: string }>('meta', { valueEncoding: 'json' });
    const schema = await meta.get('schema');
    expect(schema?.version).to.equal(STORE_SCHEMA_VERSION);
  });

  it('a store written by a newer release is refused, and left unlocked', async () => {
    const meta = store.lists.sub.db.sublevel<string, { version: number; createdAt: string }>('meta', { valueEncoding: 'json' });
    await meta.put('schema', { version: STORE_SCHEMA_VERSION + 1, createdAt: new Date().toISOString() });
    await store.close();
    const err = await Store.open(dir).then(
      async (s) => {
        await s.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(StoreTooNewError);
    // The failed open closed the database again: a second try is refused for the same reason, not as locked.
    const again = await Store.open(dir).catch((e: unknown) => e);
    expect(again).to.be.instanceOf(StoreTooNewError);
  });
});
