import { expect } from 'chai';
import { directoryCsv, type DirectoryEntry } from '../../../src/comcheck/directory.js';
import { findTokens, hashToken, newToken } from '../../../src/comcheck/tokens.js';
import { csvField, neutralizeFormula, toCsv } from '../../../src/util/csv.js';

describe('comcheck: tokens', function () {
  it('are 26 random [a-z0-9] after a kind prefix (≥128 bits) and never repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const t = newToken('ping');
      expect(t).to.match(/^cc-[a-z0-9]{26}$/);
      seen.add(t);
    }
    expect(seen.size).to.equal(200);
    expect(newToken('welcome')).to.match(/^ec-[a-z0-9]{26}$/);
    expect(26 * Math.log2(36)).to.be.greaterThan(128);
  });

  it('are found in quoted replies, in any case, once each, and not inside longer words', () => {
    const t = 'cc-abcdefghijklmnopqrstuvwxyz';
    const quoted = `Here I am.\n\nOn Monday the list wrote:\n> Your token:\n>\n>     ${t}\n> \n`;
    expect(findTokens([quoted])).to.deep.equal([t]);
    expect(findTokens([quoted.toUpperCase()])).to.deep.equal([t]);
    expect(findTokens([quoted, `again ${t}`])).to.deep.equal([t]);
    expect(findTokens([`x${t}`, `${t}x`, `cc-short`, `${t.slice(0, -1)}`])).to.deep.equal([]);
    expect(findTokens(['(ec-00000000000000000000000000).'])).to.deep.equal(['ec-00000000000000000000000000']);
  });

  it('stop after 16 candidates', () => {
    const many = Array.from({ length: 40 }, (_, i) => `cc-${String(i).padStart(26, 'a')}`).join(' ');
    expect(findTokens([many])).to.have.length(16);
  });

  it('are stored as a SHA-256 that ignores case', () => {
    expect(hashToken('cc-ABC')).to.equal(hashToken('cc-abc'));
    expect(hashToken('cc-abc')).to.match(/^[0-9a-f]{64}$/);
  });
});

describe('csv: RFC 4180 and spreadsheet formulas', function () {
  const table: Array<[string, string | number | boolean | null, string]> = [
    ['plain text', 'Alice', 'Alice'],
    ['a comma', 'CERT, Inc.', '"CERT, Inc."'],
    ['a double quote', 'the "A" team', '"the ""A"" team"'],
    ['a line break', 'line 1\nline 2', '"line 1\nline 2"'],
    ['CRLF', 'a\r\nb', '"a\r\nb"'],
    ['null', null, ''],
    ['a number', 0.3333, '0.3333'],
    ['a negative number we wrote', -1, '-1'],
    ['=formula', '=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['+formula', '+1+1', "'+1+1"],
    ['-formula', '-2+3', "'-2+3"],
    ['@formula', '@SUM(A1)', "'@SUM(A1)"],
    ['tab first', '\t=1', "'\t=1"],
    ['= later is fine', 'a=b', 'a=b'],
  ];
  for (const [name, input, want] of table) it(name, () => expect(csvField(input)).to.equal(want));

  it('neutralizeFormula leaves ordinary text alone', () => {
    expect(neutralizeFormula('Alice')).to.equal('Alice');
    expect(neutralizeFormula('-x')).to.equal("'-x");
  });

  it('rows end in CRLF, the header included', () => {
    expect(toCsv(['a', 'b'], [['1', 2], [null, 'x,y']])).to.equal('a,b\r\n1,2\r\n,"x,y"\r\n');
  });

  it('a directory with hostile names parses back to the same cells', () => {
    const entry: DirectoryEntry = {
      name: 'Eve "=cmd|\' /C calc\'!A0"',
      team: '=1+1, Inc.\nsecond line',
      role: 'member',
      email: 'eve@e.test',
      status: 'active',
      fingerprint: 'F'.repeat(40),
      keyExpires: null,
      enrolledAt: '2026-01-01T00:00:00.000Z',
      lastComcheck: 'missed',
      lastComcheckAt: '2026-01-02T00:00:00.000Z',
      successRate: 0.5,
    };
    const csv = directoryCsv([entry]);
    const rows = parseCsv(csv);
    expect(rows[0]).to.deep.equal([
      'name', 'team', 'role', 'email', 'status', 'fingerprint', 'keyExpires', 'enrolledAt', 'lastComcheck', 'lastComcheckAt', 'successRate',
    ]);
    expect(rows[1]).to.deep.equal([
      entry.name,
      "'=1+1, Inc.\nsecond line",
      'member',
      'eve@e.test',
      'active',
      'F'.repeat(40),
      '',
      '2026-01-01T00:00:00.000Z',
      'missed',
      '2026-01-02T00:00:00.000Z',
      '0.5',
    ]);
  });
});

/** A strict RFC 4180 reader for the test (CRLF records, quoted fields with doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const c = text[i++];
        if (c === undefined) throw new Error('unterminated quote');
        if (c === '"') {
          if (text[i] === '"') {
            field += '"';
            i++;
          } else break;
        } else field += c;
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') field += text[i++];
    }
    row.push(field);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else if (i < text.length) throw new Error(`unexpected ${text[i]} at ${i}`);
  }
  return rows;
}
