import { expect } from 'chai';
import fc from 'fast-check';
import {
  TLP_LABELS,
  canonicalizeTlpLabels,
  effectiveTlp,
  findTlpLabels,
  maxTlp,
  outerSubject,
  parseTlpOption,
  subjectWithLabel,
  tlpRank,
} from '../../../src/policy/tlp.js';
import type { TlpLabel } from '../../../src/policy/tlp.js';

const labelsIn = (text: string): TlpLabel[] => findTlpLabels(text).map((f) => f.label);

describe('policy/tlp: labels and ranks', () => {
  it('ranks the five labels CLEAR < GREEN < AMBER < AMBER+STRICT < RED', () => {
    expect(TLP_LABELS.map((l) => [l, tlpRank(l)])).to.deep.equal([
      ['TLP:CLEAR', 0],
      ['TLP:GREEN', 1],
      ['TLP:AMBER', 2],
      ['TLP:AMBER+STRICT', 3],
      ['TLP:RED', 4],
    ]);
  });

  it('maxTlp picks the more restrictive label in either order', () => {
    for (const a of TLP_LABELS) {
      for (const b of TLP_LABELS) {
        const expected = tlpRank(a) >= tlpRank(b) ? a : b;
        expect(maxTlp(a, b), `${a} ${b}`).to.equal(expected);
        expect(maxTlp(b, a), `${b} ${a}`).to.equal(expected);
      }
    }
  });

  const effective: Array<[TlpLabel[], TlpLabel | null]> = [
    [[], null],
    [['TLP:GREEN'], 'TLP:GREEN'],
    [['TLP:GREEN', 'TLP:RED'], 'TLP:RED'],
    [['TLP:RED', 'TLP:GREEN'], 'TLP:RED'],
    [['TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:CLEAR'], 'TLP:AMBER+STRICT'],
  ];
  for (const [labels, expected] of effective) {
    it(`effectiveTlp(${JSON.stringify(labels)}) = ${String(expected)}`, () => {
      expect(effectiveTlp(labels)).to.equal(expected);
    });
  }
});

describe('policy/tlp: parseTlpOption', () => {
  const good: Array<[string, TlpLabel]> = [
    ['amber', 'TLP:AMBER'],
    ['TLP:AMBER', 'TLP:AMBER'],
    ['tlp:amber+strict', 'TLP:AMBER+STRICT'],
    ['AMBER + STRICT', 'TLP:AMBER+STRICT'],
    [' TLP: red ', 'TLP:RED'],
    ['green', 'TLP:GREEN'],
    ['WHITE', 'TLP:CLEAR'],
    ['tlp:white', 'TLP:CLEAR'],
    ['clear', 'TLP:CLEAR'],
  ];
  for (const [raw, expected] of good) {
    it(`accepts ${JSON.stringify(raw)} as ${expected}`, () => expect(parseTlpOption(raw)).to.equal(expected));
  }
  for (const raw of ['', 'amber+', 'ambr', 'TLP:', 'TLP-RED-ish', 'red\nX-Injected: 1', 'TLP:AMBER+STRICTER', 'yellow']) {
    it(`rejects ${JSON.stringify(raw)} with a one-line message naming the five labels`, () => {
      expect(() => parseTlpOption(raw)).to.throw(Error, /TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER\+STRICT, TLP:RED/);
      try {
        parseTlpOption(raw);
      } catch (err) {
        expect((err as Error).message).not.to.match(/[\r\n]/);
      }
    });
  }
});

describe('policy/tlp: findTlpLabels (fail-closed)', () => {
  // [text, labels expected in order]
  const table: Array<[string, TlpLabel[]]> = [
    // canonical, in subject and in body
    ['TLP:RED', ['TLP:RED']],
    ['[csirt] TLP:GREEN weekly digest', ['TLP:GREEN']],
    ['Hello,\n\nTLP:AMBER\n\nthe indicators below...', ['TLP:AMBER']],
    ['no label at all, just a TLP discussion', []],
    ['', []],
    // several labels: all found, in order (the effective label is their maximum)
    ['TLP:GREEN summary\n\nTLP:RED section\n', ['TLP:GREEN', 'TLP:RED']],
    // case and spaces
    ['tlp:red', ['TLP:RED']],
    ['Tlp:Amber', ['TLP:AMBER']],
    ['TLP: RED', ['TLP:RED']],
    ['TLP:   green', ['TLP:GREEN']],
    ['TLP : AMBER', ['TLP:AMBER']],
    // TLP 1.0
    ['TLP:WHITE', ['TLP:CLEAR']],
    ['tlp: white', ['TLP:CLEAR']],
    // the prefix trap
    ['TLP:AMBER+STRICT', ['TLP:AMBER+STRICT']],
    ['tlp:amber+strict', ['TLP:AMBER+STRICT']],
    ['TLP: AMBER + STRICT', ['TLP:AMBER+STRICT']],
    ['TLP:AMBER STRICT', ['TLP:AMBER+STRICT']],
    ['TLP:AMBER-STRICT', ['TLP:AMBER+STRICT']],
    ['TLP:AMBERSTRICT', ['TLP:AMBER+STRICT']],
    ['TLP:AMBER strictly need-to-know', ['TLP:AMBER+STRICT']],
    ['TLP:AMBER, see below', ['TLP:AMBER']],
    // AMBER+ followed by something else: still more than AMBER
    ['TLP:AMBER+', ['TLP:AMBER+STRICT']],
    ['TLP:AMBER+STRIKT', ['TLP:AMBER+STRICT']],
    ['TLP:AMBER+ORG only', ['TLP:AMBER+STRICT']],
    ['TLP:AMBER+ for the SOC', ['TLP:AMBER+STRICT']],
    ['TLP:AMBER+RED', ['TLP:RED']],
    ['TLP:AMBER+TLP:RED', ['TLP:AMBER+STRICT', 'TLP:RED']],
    ['TLP:AMBERSTRICTTLP:RED', ['TLP:AMBER+STRICT', 'TLP:RED']],
    ['TLP:AMBER+XTLPRED', ['TLP:AMBER+STRICT', 'TLP:RED']],
    // longer words are not labels
    ['TLP:AMBERISH', []],
    ['TLP:REDUCE the noise', []],
    ['TLP:GREENLAND', []],
    ['TLP:CLEARANCE', []],
    ['TLP:WHITEPAPER', []],
    // punctuation around a label
    ['TLP:RED.', ['TLP:RED']],
    ['(TLP:RED)', ['TLP:RED']],
    ['TLP:RED,', ['TLP:RED']],
    ['[TLP:AMBER]', ['TLP:AMBER']],
    ['**TLP:RED**', ['TLP:RED']],
    ['#TLP:GREEN', ['TLP:GREEN']],
    ['TLP:RED2', ['TLP:RED']],
    // other separators people type
    ['TLP-RED', ['TLP:RED']],
    ['TLP RED', ['TLP:RED']],
    ['TLP_RED', ['TLP:RED']],
    ['TLP/AMBER', ['TLP:AMBER']],
    ['TLPRED', ['TLP:RED']],
    ['TLP:\nRED', ['TLP:RED']],
    ['TLP:\r\nAMBER', ['TLP:AMBER']],
    // a paragraph break ends it
    ['we use TLP.\n\nRed Hat published', []],
    // a label right after another
    ['TLP:REDTLP:GREEN', ['TLP:RED', 'TLP:GREEN']],
    // lookalikes
    ['ＴＬＰ：ＲＥＤ', ['TLP:RED']],
    ['TLP\uFF1ARED', ['TLP:RED']],
    ['\u0422LP:R\u0415D', ['TLP:RED']], // Cyrillic Т and Е
    ['TLP:RE\u200BD', ['TLP:RED']], // zero-width space
    ['TLP:R\u00ADED', ['TLP:RED']], // soft hyphen
    ['TLP:R\u00C9D', ['TLP:RED']], // É
    ['\u{1D413}\u{1D40B}\u{1D40F}:\u{1D411}\u{1D404}\u{1D403}', ['TLP:RED']], // mathematical bold
    ['\u1D1B\u029F\u1D18:\u0280\u1D07\u1D05', ['TLP:RED']], // small capitals
    ['TLP:AMBER\uFF0BSTRICT', ['TLP:AMBER+STRICT']],
    // not labels
    ['TLP 2.0 RED', []],
    ['TLP:YELLOW', []],
  ];
  for (const [text, expected] of table) {
    it(`${JSON.stringify(text)} -> ${JSON.stringify(expected)}`, () => {
      expect(labelsIn(text)).to.deep.equal(expected);
    });
  }

  it('reports the original text and its offset', () => {
    const text = 'Re: [x] tlp: amber+strict update, see TLP:WHITE part';
    expect(findTlpLabels(text)).to.deep.equal([
      { label: 'TLP:AMBER+STRICT', match: 'tlp: amber+strict', index: 8 },
      { label: 'TLP:CLEAR', match: 'TLP:WHITE', index: 38 },
    ]);
  });

  it('finds a label that only the subject or only the body carries', () => {
    const subject = 'Fwd: incident 42 TLP:AMBER';
    const body = 'Details follow.\nTLP:RED\nIOC list';
    expect(effectiveTlp(labelsIn(subject))).to.equal('TLP:AMBER');
    expect(effectiveTlp(labelsIn(body))).to.equal('TLP:RED');
    expect(effectiveTlp(labelsIn('TLP:GREEN\n' + body))).to.equal('TLP:RED');
  });

  it('any case and spacing of a label reads as that label (property)', () => {
    const spelling = fc.record({
      label: fc.constantFrom(...TLP_LABELS),
      upper: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
      gap: fc.constantFrom('', ' ', '  ', '\t', ' : '),
      plusGap: fc.constantFrom('', ' '),
      before: fc.constantFrom('', 'x ', '(', '[', 'Subject: '),
      after: fc.constantFrom('', ' y', '.', ')', ']', ','),
    });
    fc.assert(
      fc.property(spelling, ({ label, upper, gap, plusGap, before, after }) => {
        const colour = label.slice(4).replace('+', `${plusGap}+${plusGap}`);
        const raw = `TLP:${gap}${colour}`.replace(':', gap === '' ? ':' : '');
        const cased = [...raw].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c.toLowerCase())).join('');
        expect(labelsIn(before + cased + after)).to.deep.equal([label]);
      }),
    );
  });

  it('never throws, and findings are ordered, disjoint and point at their match (property)', () => {
    const pieces = fc.constantFrom('TLP', ':', ' ', '+', 'AMBER', 'STRICT', 'RED', 'WHITE', '\n', '\r\n', 'x', 'ＴＬＰ', '\u200B', 'é', '😀');
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.array(pieces, { maxLength: 30 }).map((a) => a.join('')));
    fc.assert(
      fc.property(text, (t) => {
        const found = findTlpLabels(t);
        let end = 0;
        for (const f of found) {
          expect(f.index).to.be.at.least(end);
          expect(t.slice(f.index, f.index + f.match.length)).to.equal(f.match);
          expect(TLP_LABELS).to.include(f.label);
          end = f.index + f.match.length;
        }
      }),
      { numRuns: 2000 },
    );
  });

  describe('bounded time on hostile 1 MB input', () => {
    const MB = 1 << 20;
    const fill = (unit: string): string => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
    const cases: Array<[string, string]> = [
      ['repeated "TLP:"', fill('TLP:')],
      ['repeated "TLP:AMBER+"', fill('TLP:AMBER+')],
      ['repeated "TLP:AMBER "', fill('TLP:AMBER ')],
      ['"TLP" then 1 MB of spaces', 'TLP' + fill(' ')],
      ['"TLP:AMBER+" then 1 MB of letters', 'TLP:AMBER+' + fill('S')],
      ['"TLP:AMBER" then 1 MB of separators', 'TLP:AMBER' + fill(' -') + 'STRICT'],
      ['fullwidth labels', fill('ＴＬＰ：ＲＥＤ ')],
      ['zero-width characters', fill('T\u200BL\u200BP\u200B')],
      ['repeated "TLP:RED "', fill('TLP:RED ')],
      ['combining marks and invisibles', fill('TLP\u200B:\u0301 ')],
      ['many distinct non-ASCII code points', Array.from({ length: MB / 2 }, (_, i) => String.fromCodePoint(0x100 + ((i * 7919) % 0x2f000))).join('').replace(/[\ud800-\udfff]/g, 'x')],
    ];
    for (const [name, text] of cases) {
      it(name, function () {
        this.timeout(10000);
        const started = process.hrtime.bigint();
        const found = findTlpLabels(text);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        expect(ms, `${ms.toFixed(0)} ms`).to.be.below(3000);
        expect(found).to.be.an('array');
      });
    }
    it('finds every label in 1 MB of labels', () => {
      expect(findTlpLabels(fill('TLP:RED ')).length).to.equal(MB / 8);
      // one separator run without a line break, however long, still joins TLP and RED
      expect(labelsIn('TLP' + fill(' ') + 'RED')).to.deep.equal(['TLP:RED']);
      expect(labelsIn('TLP' + fill(' \n'))).to.deep.equal([]);
    });
  });
});

describe('policy/tlp: canonicalizeTlpLabels', () => {
  const table: Array<[string, string]> = [
    ['tlp: amber update', 'TLP:AMBER update'],
    ['TLP:WHITE notice', 'TLP:CLEAR notice'],
    ['Re: [x] tlp:green, TLP : Amber + Strict!', 'Re: [x] TLP:GREEN, TLP:AMBER+STRICT!'],
    ['(tlp-red)', '(TLP:RED)'],
    ['TLP:AMBER+ only', 'TLP:AMBER+STRICT only'],
    ['tlp:amberstrictly', 'TLP:AMBER+STRICT'],
    ['TLP:AMBER strictly', 'TLP:AMBER+STRICT strictly'],
    ['TLP:AMBER+STRIKT!', 'TLP:AMBER+STRICT!'],
    ['TLP:AMBERISH and TLP:REDUCE stay', 'TLP:AMBERISH and TLP:REDUCE stay'],
    ['ＴＬＰ：ＲＥＤ', 'TLP:RED'],
    ['nothing here', 'nothing here'],
    ['  spaces  kept  ', '  spaces  kept  '],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => expect(canonicalizeTlpLabels(input)).to.equal(expected));
  }
});

describe('policy/tlp: subjectWithLabel and outerSubject', () => {
  const table: Array<[string, TlpLabel, string, string]> = [
    ['Re: [x] tlp:green update', 'TLP:RED', '[x]', 'Re: [x] TLP:RED TLP:GREEN update'],
    ['incident 42', 'TLP:AMBER', '[csirt-nl]', '[csirt-nl] TLP:AMBER incident 42'],
    ['Re: incident 42', 'TLP:AMBER', '[csirt-nl]', 'Re: [csirt-nl] TLP:AMBER incident 42'],
    ['RE: Fwd: incident', 'TLP:GREEN', '[x]', 'RE: Fwd: [x] TLP:GREEN incident'],
    ['Re: [CSIRT-NL] incident', 'TLP:AMBER', '[csirt-nl]', 'Re: [CSIRT-NL] TLP:AMBER incident'],
    ['[x] TLP:AMBER incident', 'TLP:AMBER', '[x]', '[x] TLP:AMBER incident'],
    ['[x] tlp: amber incident', 'TLP:AMBER', '[x]', '[x] TLP:AMBER incident'],
    ['incident TLP:WHITE', 'TLP:CLEAR', '[x]', '[x] incident TLP:CLEAR'],
    ['incident TLP:AMBER+STRICT', 'TLP:AMBER+STRICT', '', 'incident TLP:AMBER+STRICT'],
    ['incident TLP:AMBER+STRICT', 'TLP:AMBER', '', 'TLP:AMBER incident TLP:AMBER+STRICT'],
    ['incident', 'TLP:RED', '', 'TLP:RED incident'],
    ['', 'TLP:RED', '[x]', '[x] TLP:RED'],
    ['Re:', 'TLP:RED', '[x]', 'Re: [x] TLP:RED'],
    ['two\r\n lines', 'TLP:GREEN', '[x]', '[x] TLP:GREEN two lines'],
    ['two\nlines', 'TLP:GREEN', '[x]', '[x] TLP:GREEN two lines'],
    // TLP:AMBER in front of "+ ..." or "strict ..." would read as AMBER+STRICT: it goes last
    ['+ more', 'TLP:AMBER', '[x]', '[x] + more TLP:AMBER'],
    ['strict handling', 'TLP:AMBER', '', 'strict handling TLP:AMBER'],
    ['strict handling', 'TLP:RED', '', 'TLP:RED strict handling'],
  ];
  for (const [subject, label, prefix, expected] of table) {
    it(`(${JSON.stringify(subject)}, ${label}, ${JSON.stringify(prefix)}) -> ${JSON.stringify(expected)}`, () => {
      expect(subjectWithLabel(subject, label, prefix)).to.equal(expected);
    });
  }

  it('is idempotent: a labelled subject is not labelled twice (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom(...TLP_LABELS), fc.constantFrom('', '[x]', '[csirt-nl]'), (s, l, p) => {
        const once = subjectWithLabel(s, l, p);
        expect(subjectWithLabel(once, l, p)).to.equal(once);
        expect(labelsIn(once)).to.include(l);
        if (p !== '') expect(once.toLowerCase()).to.include(p.toLowerCase());
      }),
      { numRuns: 1000 },
    );
  });

  it('outerSubject shows prefix and label only', () => {
    expect(outerSubject('TLP:AMBER', '[csirt-nl]')).to.equal('[csirt-nl] TLP:AMBER ...');
    expect(outerSubject('TLP:RED', '')).to.equal('TLP:RED ...');
  });
});
