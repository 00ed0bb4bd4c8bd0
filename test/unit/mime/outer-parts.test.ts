import crypto from 'node:crypto';
import { expect } from 'chai';
import { BodyArmorer } from '../../../src/pgp/armor-writer.js';
import { MimeError, prepareOuter, prepareOuterParts, type SharedOuterHeaders } from '../../../src/mime/index.js';

const shared: SharedOuterHeaders = {
  from: { name: 'Alice via CSIRT', address: 'csirt@lists.test' },
  replyTo: [{ address: 'csirt@lists.test' }],
  subject: '[csirt] TLP:AMBER ...',
  date: new Date('2026-01-01T00:00:00Z'),
  messageId: '<abc@lists.test>',
  list: { name: 'CSIRT', address: 'csirt@lists.test' },
  xLoop: 'csirt@lists.test',
};
/** The same random bytes for both factories, so both pick the same MIME boundary. */
const fixed = (n: number): Uint8Array => new Uint8Array(n).fill(7);

describe('mime/prepareOuterParts: the copy as buffers, checked part by part', () => {
  it('gives the same bytes as prepareOuter for the same armor', () => {
    const armorer = new BodyArmorer(crypto.randomBytes(5000));
    const prefix = crypto.randomBytes(94);
    const whole = prepareOuter(shared, fixed)('bob@x.test', armorer.armor(prefix));
    const parts = prepareOuterParts(shared, fixed)('bob@x.test', armorer.armorParts(prefix));
    expect(Buffer.concat(parts).equals(Buffer.from(whole))).to.equal(true);
  });

  it('refuses parts that are not CRLF armor: a stray character, a bare LF, a long line, no BEGIN line', () => {
    const factory = prepareOuterParts(shared, fixed);
    const good = new BodyArmorer(crypto.randomBytes(300)).armorParts(crypto.randomBytes(94));
    const [head, tail, foot] = good as [Buffer, Buffer, Buffer];
    const bad: Buffer[][] = [
      [head, Buffer.concat([tail, Buffer.from('Bcc: x@y\r\n')]), foot],
      [head, Buffer.from('AAAA\nAAAA\r\n'), foot],
      [head, Buffer.from('A'.repeat(1200) + '\r\n'), foot],
      [Buffer.from('AAAA\r\n'), tail, foot],
      [head, tail],
    ];
    for (const parts of bad) expect(() => factory('bob@x.test', parts)).to.throw(MimeError);
    expect(() => factory('bob@x.test', good)).to.not.throw();
  });
});
