import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalJson } from '../../../src/audit/canonical.js';

describe('audit/canonicalJson', () => {
  const table: [string, unknown, string][] = [
    ['null', null, 'null'],
    ['booleans', [true, false], '[true,false]'],
    ['integers and floats', [0, -1, 1.5, 1e21, 1e-7], '[0,-1,1.5,1e+21,1e-7]'],
    ['negative zero as 0', -0, '0'],
    ['string escapes', 'a"b\\c\n\u0001é😀', '"a\\"b\\\\c\\n\\u0001é😀"'],
    ['lone surrogate escaped', '\ud800', '"\\ud800"'],
    ['sorted keys, no whitespace', { b: 1, a: [1, { d: 2, c: 3 }] }, '{"a":[1,{"c":3,"d":2}],"b":1}'],
    ['keys by UTF-16 code units', { é: 1, Z: 2, a: 3, '😀': 4, '\uffff': 5 }, '{"Z":2,"a":3,"é":1,"😀":4,"\uffff":5}'],
    ['undefined properties left out', { a: 1, b: undefined }, '{"a":1}'],
    ['empty containers', { a: {}, b: [] }, '{"a":{},"b":[]}'],
    ['null-prototype object', Object.assign(Object.create(null) as object, { b: 1, a: 2 }), '{"a":2,"b":1}'],
  ];
  for (const [name, value, expected] of table) {
    it(name, () => {
      expect(canonicalJson(value)).to.equal(expected);
    });
  }

  it('does not depend on the order keys were inserted in', () => {
    expect(canonicalJson({ x: 1, y: { p: [1, 2], q: 'z' } })).to.equal(canonicalJson({ y: { q: 'z', p: [1, 2] }, x: 1 }));
  });

  it('does depend on array order', () => {
    expect(canonicalJson([1, 2])).to.not.equal(canonicalJson([2, 1]));
  });

  const cycle: Record<string, unknown> = {};
  cycle['self'] = cycle;
  const rejected: [string, unknown][] = [
    ['undefined', undefined],
    ['undefined in an array', [1, undefined]],
    ['array hole', [1, , 3]],
    ['NaN', { n: NaN }],
    ['Infinity', [Infinity]],
    ['bigint', { n: 1n }],
    ['function', { f: () => 1 }],
    ['symbol', Symbol('s')],
    ['Date', { at: new Date(0) }],
    ['Map', new Map()],
    ['class instance', new (class Thing {})()],
    ['cycle', cycle],
  ];
  for (const [name, value] of rejected) {
    it(`rejects ${name}`, () => {
      expect(() => canonicalJson(value)).to.throw(TypeError);
    });
  }

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(canonicalJson([shared, shared])).to.equal('[{"a":1},{"a":1}]');
  });

  it('property: parses back to the same canonical form, and survives a JSON round trip (the store)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = canonicalJson(v);
        expect(canonicalJson(JSON.parse(c))).to.equal(c);
        expect(canonicalJson(JSON.parse(JSON.stringify(v)))).to.equal(c);
      }),
    );
  });

  it('property: shuffling the keys of every object leaves the output unchanged', () => {
    const shuffle = (v: unknown, seed: number): unknown => {
      if (Array.isArray(v)) return v.map((x, i) => shuffle(x, seed + i));
      if (v !== null && typeof v === 'object') {
        const entries = Object.entries(v);
        const rotated = entries.slice(seed % Math.max(1, entries.length)).concat(entries.slice(0, seed % Math.max(1, entries.length)));
        return Object.fromEntries(rotated.reverse().map(([k, x]) => [k, shuffle(x, seed + 1)]));
      }
      return v;
    };
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(20), (v, seed) => {
        expect(canonicalJson(shuffle(v, seed))).to.equal(canonicalJson(v));
      }),
    );
  });
});
