import crypto from 'node:crypto';
import { expect } from 'chai';
import { BodyArmorer } from '../../../src/pgp/armor-writer.js';

describe('pgp/BodyArmorer.armorParts: CRLF armor in parts, the body part shared by every copy', () => {
  it('equals the one-string armor with CRLF line ends, for every alignment and body size', () => {
    for (const size of [0, 1, 2, 3, 47, 48, 49, 1000, 100_000]) {
      const body = crypto.randomBytes(size);
      const armorer = new BodyArmorer(body);
      for (const prefixLen of [1, 2, 3, 94, 95, 96, 200]) {
        const prefix = crypto.randomBytes(prefixLen);
        const parts = armorer.armorParts(prefix);
        expect(Buffer.concat(parts).toString('latin1'), `size ${size} prefix ${prefixLen}`).to.equal(armorer.armor(prefix).replace(/\n/g, '\r\n'));
      }
    }
  });

  it('hands every copy of one alignment the very same body Buffer (no copy per recipient)', () => {
    const armorer = new BodyArmorer(crypto.randomBytes(50_000));
    const a = armorer.armorParts(crypto.randomBytes(94));
    const b = armorer.armorParts(crypto.randomBytes(94));
    expect(a[1]).to.equal(b[1]);
    expect(a[0]?.equals(b[0] ?? Buffer.alloc(0))).to.equal(false);
  });
});
