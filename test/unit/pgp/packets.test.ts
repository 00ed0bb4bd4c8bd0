import { expect } from 'chai';
import { concatBytes } from '../../../src/pgp/bytes.js';
import { PacketFormatError, scanPackets, Tag } from '../../../src/pgp/packets.js';
import { msgFile } from './helpers.js';

const body = (n: number, first = 1): Uint8Array => new Uint8Array(n).fill(7).fill(first, 0, 1);

function scanError(bytes: Uint8Array, max?: number): PacketFormatError {
  try {
    scanPackets(bytes, max);
  } catch (err) {
    if (err instanceof PacketFormatError) return err;
    throw err;
  }
  throw new Error('expected PacketFormatError');
}

describe('pgp/packets scanPackets', () => {
  it('reads new-format one-, two- and five-octet lengths', () => {
    const one = concatBytes([Uint8Array.of(0xc0 | Tag.pkesk, 10), body(10, 3)]);
    const two = concatBytes([Uint8Array.of(0xc0 | Tag.pkesk, 192, 8), body(200, 3)]); // (0 << 8) + 8 + 192
    const five = concatBytes([Uint8Array.of(0xc0 | Tag.seipd, 255, 0, 0, 1, 0), body(256, 1)]);
    const packets = scanPackets(concatBytes([one, two, five]));
    expect(packets.map((p) => [p.tag, p.body?.length, p.firstOctet])).to.deep.equal([
      [Tag.pkesk, 10, 3],
      [Tag.pkesk, 200, 3],
      [Tag.seipd, 256, 1],
    ]);
  });

  it('reads old-format lengths, including indeterminate for data packets', () => {
    const oneOctet = concatBytes([Uint8Array.of(0x80 | (Tag.pkesk << 2) | 0, 4), body(4, 3)]);
    const twoOctet = concatBytes([Uint8Array.of(0x80 | (Tag.pkesk << 2) | 1, 1, 0), body(256, 3)]);
    const fourOctet = concatBytes([Uint8Array.of(0x80 | (Tag.pkesk << 2) | 2, 0, 0, 0, 5), body(5, 3)]);
    const indeterminate = concatBytes([Uint8Array.of(0x80 | (Tag.literal << 2) | 3), body(40, 0x62)]);
    const packets = scanPackets(concatBytes([oneOctet, twoOctet, fourOctet, indeterminate]));
    expect(packets.map((p) => [p.tag, p.body?.length])).to.deep.equal([
      [Tag.pkesk, 4],
      [Tag.pkesk, 256],
      [Tag.pkesk, 5],
      [Tag.literal, 40],
    ]);
    expect(scanError(Uint8Array.of(0x80 | (Tag.pkesk << 2) | 3, 1, 2)).message).to.match(/indeterminate/);
  });

  it('follows partial body lengths on data packets only (GnuPG writes them when encrypting from stdin)', () => {
    const partial = concatBytes([Uint8Array.of(0xc0 | Tag.seipd, 0xe0 + 9), body(512, 1), Uint8Array.of(3), body(3)]);
    const [p] = scanPackets(partial);
    expect(p).to.include({ tag: Tag.seipd, body: null, firstOctet: 1, end: partial.length });
    expect(scanError(concatBytes([Uint8Array.of(0xc0 | Tag.pkesk, 0xe0 + 9), body(512)])).message).to.match(/may not use partial lengths/);
    const bomb = scanPackets(msgFile('bomb.gpg'));
    expect(bomb.map((x) => x.tag)).to.deep.equal([Tag.pkesk, Tag.seipd]);
  });

  it('refuses truncation, a clear top bit and more packets than allowed', () => {
    expect(scanError(Uint8Array.of(0xc0 | Tag.pkesk, 10, 1, 2)).message).to.match(/truncated packet body/);
    expect(scanError(Uint8Array.of(0xc0 | Tag.pkesk, 255, 0)).message).to.match(/truncated packet header/);
    expect(scanError(Uint8Array.of(0x41)).message).to.match(/invalid packet header/);
    const three = concatBytes([1, 2, 3].map(() => Uint8Array.of(0xc0 | Tag.marker, 3, 0x50, 0x47, 0x50)));
    const err = scanError(three, 2);
    expect(err.reason).to.equal('limit');
  });
});
