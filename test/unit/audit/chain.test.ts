import { expect } from 'chai';
import fc from 'fast-check';
import {
  appendEntry,
  CHECKPOINT_TYPE,
  checkpointDigest,
  GENESIS,
  hashEntry,
  headDigest,
  makeCheckpoint,
  parseHeadDigest,
  recordCheckpoint,
  verifyChain,
  type ChainEntry,
  type Checkpoint,
  type VerifyResult,
} from '../../../src/audit/chain.js';

const T0 = Date.UTC(2026, 0, 1);
const TYPES = ['delivery', 'refusal', 'comcheck'] as const;

function build(n: number, from: ChainEntry | Checkpoint | null = null): ChainEntry[] {
  const out: ChainEntry[] = [];
  let prev = from;
  for (let i = 0; i < n; i++) {
    const seq = (prev?.seq ?? 0) + 1;
    const e: ChainEntry = appendEntry(prev, TYPES[seq % 3] ?? 'delivery', { n: seq, to: `m${seq}@example.org`, ok: seq % 2 === 0 }, new Date(T0 + seq * 1000));
    out.push(e);
    prev = e;
  }
  return out;
}

const copy = (entries: readonly ChainEntry[]): ChainEntry[] => structuredClone([...entries]);
const at = (entries: readonly ChainEntry[], seq: number): ChainEntry => {
  const e = entries.find((x) => x.seq === seq);
  if (!e) throw new Error(`no entry ${seq}`);
  return e;
};
/** Recompute every hash from index i on, as an attacker with write access would. */
function rehashFrom(entries: ChainEntry[], i: number): void {
  for (let k = i; k < entries.length; k++) {
    const e = entries[k];
    if (!e) continue;
    const prev = entries[k - 1];
    if (k > i && prev) e.prev = prev.hash;
    e.hash = hashEntry(e);
  }
}
function reseal(e: ChainEntry): void {
  e.hash = hashEntry(e);
}
function failure(r: VerifyResult): { firstBadSeq: number; problem: string } {
  if (r.ok) throw new Error('expected a failure, chain verified');
  return { firstBadSeq: r.firstBadSeq, problem: r.problem };
}

describe('audit/chain entries', () => {
  it('starts at seq 1 from GENESIS and links each entry to the previous hash', () => {
    const [a, b] = build(2);
    expect(a).to.include({ seq: 1, prev: GENESIS, at: '2026-01-01T00:00:01.000Z', type: 'refusal' });
    expect(b?.prev).to.equal(a?.hash);
    expect(b?.seq).to.equal(2);
    expect(a?.hash).to.match(/^[0-9a-f]{64}$/);
  });

  it('hash does not depend on payload key order', () => {
    const x = appendEntry(null, 'delivery', { a: 1, b: { c: 2, d: 3 } }, new Date(T0));
    const y = appendEntry(null, 'delivery', { b: { d: 3, c: 2 }, a: 1 }, new Date(T0));
    expect(x.hash).to.equal(y.hash);
  });

  it('a change of any field changes the hash', () => {
    const base = appendEntry(null, 'delivery', { to: 'a@example.org' }, new Date(T0));
    const { hash: _hash, ...unsealed } = base;
    const variants = [
      { ...unsealed, seq: 2 },
      { ...unsealed, at: '2026-01-01T00:00:00.001Z' },
      { ...unsealed, type: 'refusal' },
      { ...unsealed, payload: { to: 'b@example.org' } },
      { ...unsealed, payload: { to: 'a@example.org', extra: null } },
      { ...unsealed, prev: '1'.repeat(64) },
    ];
    const hashes = new Set([base.hash, ...variants.map(hashEntry)]);
    expect(hashes.size).to.equal(variants.length + 1);
  });

  it('refuses the reserved checkpoint type, an empty type and a non-JSON payload', () => {
    expect(() => appendEntry(null, CHECKPOINT_TYPE, {}, new Date(T0))).to.throw(RangeError);
    expect(() => appendEntry(null, '', {}, new Date(T0))).to.throw(RangeError);
    expect(() => appendEntry(null, 'x', { at: new Date(T0) }, new Date(T0))).to.throw(TypeError);
  });

  it('head digests round-trip and reject garbage', () => {
    const chain = build(3);
    const last = chain[2] ?? null;
    const digest = headDigest(last);
    expect(digest).to.equal(`3:${last?.hash}`);
    expect(parseHeadDigest(digest)).to.deep.equal({ seq: 3, hash: last?.hash });
    expect(parseHeadDigest(` 3:${last?.hash.toUpperCase()}\n`)).to.deep.equal({ seq: 3, hash: last?.hash });
    expect(headDigest(null)).to.equal(`0:${GENESIS}`);
    for (const s of ['', '3', `x:${GENESIS}`, `3:${GENESIS.slice(1)}`, `-1:${GENESIS}`, `3:${GENESIS}z`]) {
      expect(parseHeadDigest(s), s).to.equal(null);
    }
  });
});

describe('audit/chain verifyChain on 100 entries', () => {
  const chain = build(100);
  const last = chain[99];

  it('an intact chain verifies', () => {
    expect(verifyChain(chain)).to.deep.equal({ ok: true, count: 100, head: last?.hash, headSeq: 100, pinned: 'none' });
  });

  it('an empty chain verifies to GENESIS', () => {
    expect(verifyChain([])).to.deep.equal({ ok: true, count: 0, head: GENESIS, headSeq: 0, pinned: 'none' });
  });

  const cases: [name: string, mutate: (c: ChainEntry[]) => ChainEntry[], seq: number, problem: string][] = [
    ['payload of 37 changed', (c) => ((at(c, 37).payload = { n: 37, to: 'evil@example.org', ok: false }), c), 37, 'altered'],
    ['type of 1 changed', (c) => ((at(c, 1).type = 'delivery'), c), 1, 'altered'],
    ['time of 100 changed', (c) => ((at(c, 100).at = '2030-01-01T00:00:00.000Z'), c), 100, 'altered'],
    ['hash of 64 changed', (c) => ((at(c, 64).hash = '0'.repeat(64)), c), 64, 'altered'],
    ['seq of 12 changed to 13', (c) => ((at(c, 12).seq = 13), c), 12, 'altered'],
    ['payload of 37 changed and its hash recomputed', (c) => ((at(c, 37).payload = 'x'), reseal(at(c, 37)), c), 37, 'altered'],
    ['link of 38 changed and rehashed (indistinguishable from a rewrite of 37)', (c) => ((at(c, 38).prev = at(c, 36).hash), reseal(at(c, 38)), c), 37, 'altered'],
    ['entry 1 given a fake predecessor and rehashed', (c) => ((at(c, 1).prev = 'f'.repeat(64)), rehashFrom(c, 0), c), 1, 'altered'],
    ['entry 50 removed', (c) => c.filter((e) => e.seq !== 50), 50, 'removed'],
    ['entries 50..52 removed', (c) => c.filter((e) => e.seq < 50 || e.seq > 52), 50, 'removed'],
    ['entry 1 removed', (c) => c.slice(1), 1, 'removed'],
    ['entries 1..40 removed without a checkpoint', (c) => c.slice(40), 1, 'removed'],
    ['entries 60 and 61 swapped', (c) => [...c.slice(0, 59), c[60], c[59], ...c.slice(61)].filter((e) => e !== undefined), 60, 'reordered'],
    ['entry 10 moved to the end', (c) => [...c.filter((e) => e.seq !== 10), at(c, 10)], 10, 'reordered'],
    ['entry 20 duplicated', (c) => [...c.slice(0, 20), at(c, 20), ...c.slice(20)], 21, 'reordered'],
    ['payload mutated to a non-JSON value', (c) => ((at(c, 5).payload = { d: new Date(0) }), c), 5, 'altered'],
  ];
  for (const [name, mutate, seq, problem] of cases) {
    it(`${name} → ${problem} at ${seq}`, () => {
      expect(failure(verifyChain(mutate(copy(chain))))).to.deep.equal({ firstBadSeq: seq, problem });
    });
  }

  it('removal in the middle after the first alteration still reports the first', () => {
    const c = copy(chain).filter((e) => e.seq !== 80);
    at(c, 30).type = 'tampered';
    expect(failure(verifyChain(c))).to.deep.equal({ firstBadSeq: 30, problem: 'altered' });
  });

  it('a removed tail is invisible without a pin and reported with one', () => {
    const cut = copy(chain).slice(0, 90);
    expect(verifyChain(cut).ok).to.equal(true);
    const pin = parseHeadDigest(headDigest(last ?? null));
    expect(failure(verifyChain(cut, { pinnedHead: pin }))).to.deep.equal({ firstBadSeq: 91, problem: 'removed' });
  });

  it('a full rewrite from entry 30 on verifies without a pin, and fails at the pinned entry with one', () => {
    const c = copy(chain);
    at(c, 30).payload = 'rewritten';
    rehashFrom(c, 29);
    expect(verifyChain(c).ok).to.equal(true);
    const pin = { seq: 100, hash: last?.hash ?? '' };
    expect(failure(verifyChain(c, { pinnedHead: pin }))).to.deep.equal({ firstBadSeq: 100, problem: 'altered' });
    // A pin taken before the rewritten entry still matches: the rewrite is after it.
    expect(verifyChain(c, { pinnedHead: { seq: 29, hash: at(chain, 29).hash } })).to.include({ ok: true, pinned: 'matched' });
  });

  it('entries appended after the pin verify (the pin only covers what it saw)', () => {
    const longer = [...chain, ...build(5, last ?? null)];
    const r = verifyChain(longer, { pinnedHead: { seq: 100, hash: last?.hash ?? '' } });
    expect(r).to.include({ ok: true, count: 105, headSeq: 105, pinned: 'matched' });
  });

  it('a pin at seq 0 is the genesis value', () => {
    expect(verifyChain(chain, { pinnedHead: { seq: 0, hash: GENESIS } })).to.include({ ok: true, pinned: 'matched' });
    expect(failure(verifyChain(chain, { pinnedHead: { seq: 0, hash: 'a'.repeat(64) } }))).to.deep.equal({ firstBadSeq: 0, problem: 'altered' });
  });
});

describe('audit/chain retention checkpoints', () => {
  const chain = build(100);
  const tail = chain[99] ?? null;
  const pruneAt = new Date(T0 + 10_000_000);

  /** The retention protocol: record in the chain, then drop 1..k and keep the checkpoint. */
  function prune(entries: readonly ChainEntry[], k: number): { kept: ChainEntry[]; checkpoint: Checkpoint } {
    const checkpoint = makeCheckpoint(at(entries, k), pruneAt);
    const record = recordCheckpoint(entries[entries.length - 1] ?? null, checkpoint, pruneAt);
    return { kept: [...entries.filter((e) => e.seq > k), record], checkpoint };
  }

  it('records the last pruned entry, its time and the count', () => {
    const cp = makeCheckpoint(at(chain, 40), pruneAt);
    expect(cp).to.include({ kind: 'checkpoint', seq: 40, hash: at(chain, 40).hash, prunedCount: 40, lastPrunedAt: at(chain, 40).at, at: pruneAt.toISOString() });
    const { digest, ...body } = cp;
    expect(digest).to.equal(checkpointDigest(body));
  });

  it('a pruned chain verifies against its checkpoint', () => {
    const { kept, checkpoint } = prune(chain, 40);
    const r = verifyChain(kept, { checkpoint });
    expect(r).to.deep.equal({ ok: true, count: 61, head: kept[60]?.hash, headSeq: 101, pinned: 'none' });
    expect(kept[60]).to.include({ seq: 101, type: CHECKPOINT_TYPE });
  });

  it('without the checkpoint the pruned chain reads as entries removed from the start', () => {
    const { kept } = prune(chain, 40);
    expect(failure(verifyChain(kept))).to.deep.equal({ firstBadSeq: 1, problem: 'removed' });
  });

  it('a pin taken before pruning still verifies, or is reported as pruned when older than the checkpoint', () => {
    const { kept, checkpoint } = prune(chain, 40);
    expect(verifyChain(kept, { checkpoint, pinnedHead: { seq: 100, hash: tail?.hash ?? '' } })).to.include({ ok: true, pinned: 'matched' });
    expect(verifyChain(kept, { checkpoint, pinnedHead: { seq: 40, hash: at(chain, 40).hash } })).to.include({ ok: true, pinned: 'matched' });
    expect(verifyChain(kept, { checkpoint, pinnedHead: { seq: 20, hash: at(chain, 20).hash } })).to.include({ ok: true, pinned: 'pruned' });
    expect(failure(verifyChain(kept, { checkpoint, pinnedHead: { seq: 40, hash: at(chain, 39).hash } }))).to.deep.equal({ firstBadSeq: 40, problem: 'altered' });
  });

  it('pruning twice: the newer checkpoint is vouched for by its own record', () => {
    const first = prune(chain, 40);
    const more = [...first.kept, ...build(10, first.kept[first.kept.length - 1] ?? null)];
    const second = prune(more, 90);
    expect(verifyChain(second.kept, { checkpoint: second.checkpoint })).to.include({ ok: true, count: 22, headSeq: 112 });
  });

  it('a crash between recording and deleting leaves a chain that verifies with the old checkpoint', () => {
    const first = prune(chain, 40);
    const record = recordCheckpoint(first.kept[first.kept.length - 1] ?? null, makeCheckpoint(at(chain, 70), pruneAt), pruneAt);
    expect(verifyChain([...first.kept, record], { checkpoint: first.checkpoint }).ok).to.equal(true);
  });

  it('everything pruned: the next entry continues from the checkpoint', () => {
    const cp = makeCheckpoint(tail ?? at(chain, 100), pruneAt);
    const record = recordCheckpoint(cp, cp, pruneAt);
    const next = appendEntry(record, 'delivery', { n: 102 }, pruneAt);
    expect(record).to.include({ seq: 101, prev: tail?.hash });
    expect(verifyChain([record, next], { checkpoint: cp })).to.include({ ok: true, count: 2, headSeq: 102 });
    expect(appendEntry(cp, 'delivery', {}, pruneAt)).to.include({ seq: 101, prev: cp.hash });
  });

  const bad: [name: string, make: () => { kept: ChainEntry[]; checkpoint: Checkpoint }, seq: number, problem: string][] = [
    ['checkpoint hash edited (digest stale)', () => {
      const p = prune(chain, 40);
      return { ...p, checkpoint: { ...p.checkpoint, hash: 'a'.repeat(64) } };
    }, 40, 'bad-checkpoint'],
    ['checkpoint hash edited and digest recomputed', () => {
      const p = prune(chain, 40);
      const body = { ...p.checkpoint, hash: 'a'.repeat(64) };
      return { ...p, checkpoint: { ...body, digest: checkpointDigest(body) } };
    }, 40, 'bad-checkpoint'],
    ['entries 41..45 deleted and a checkpoint forged for 45 (no record vouches)', () => {
      const p = prune(chain, 40);
      return { kept: p.kept.filter((e) => e.seq > 45), checkpoint: makeCheckpoint(at(chain, 45), pruneAt) };
    }, 45, 'bad-checkpoint'],
    ['entries 41..45 deleted, old checkpoint kept', () => {
      const p = prune(chain, 40);
      return { ...p, kept: p.kept.filter((e) => e.seq > 45) };
    }, 41, 'removed'],
    ['the retention record itself deleted', () => {
      const p = prune(chain, 40);
      return { ...p, kept: p.kept.filter((e) => e.type !== CHECKPOINT_TYPE) };
    }, 40, 'bad-checkpoint'],
    ['prunedCount edited', () => {
      const p = prune(chain, 40);
      const body = { ...p.checkpoint, prunedCount: 10 };
      return { ...p, checkpoint: { ...body, digest: checkpointDigest(body) } };
    }, 40, 'bad-checkpoint'],
    ['entry 70 altered after pruning', () => {
      const p = prune(chain, 40);
      at(p.kept, 70).payload = 'x';
      return p;
    }, 70, 'altered'],
  ];
  for (const [name, make, seq, problem] of bad) {
    it(`${name} → ${problem} at ${seq}`, () => {
      const { kept, checkpoint } = make();
      expect(failure(verifyChain(structuredClone(kept), { checkpoint }))).to.deep.equal({ firstBadSeq: seq, problem });
    });
  }
});

describe('audit/chain property: any single-field mutation is found at its seq', () => {
  const chain = build(30);
  const FIELDS = ['seq', 'at', 'type', 'payload', 'prev', 'hash'] as const;

  it('holds for every entry and every field', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: chain.length - 1 }),
        fc.constantFrom(...FIELDS),
        fc.jsonValue(),
        fc.string(),
        fc.integer({ min: -5, max: 5 }).filter((d) => d !== 0),
        (index, field, json, text, delta) => {
          const c = copy(chain);
          const e = c[index];
          if (!e) throw new Error('index out of range');
          switch (field) {
            case 'seq':
              e.seq += delta;
              break;
            case 'payload':
              fc.pre(JSON.stringify(json) !== JSON.stringify(e.payload));
              e.payload = json;
              break;
            case 'at':
            case 'type':
            case 'prev':
            case 'hash':
              fc.pre(text !== e[field]);
              e[field] = text;
              break;
          }
          expect(failure(verifyChain(c))).to.deep.equal({ firstBadSeq: index + 1, problem: 'altered' });
        },
      ),
      { numRuns: 500 },
    );
  });
});
