import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import * as openpgp from 'openpgp';
import { dearmorAll } from '../../../src/pgp/armor.js';
import { armorMessage, BodyArmorer } from '../../../src/pgp/armor-writer.js';
import { concatBytes } from '../../../src/pgp/bytes.js';
import { crc24, crc24Combine, crc24Update, zeroBytesShift } from '../../../src/pgp/crc24.js';

/** RFC 4880 §6.1, bit by bit: the reference the table-driven version must match. */
function crc24Reference(data: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

describe('pgp/crc24 and armor', () => {
  it('crc24 matches the RFC algorithm and openpgp.js', () => {
    for (const n of [0, 1, 2, 3, 57, 1000]) {
      const data = bytes(n);
      expect(crc24(data)).to.equal(crc24Reference(data));
    }
    const armored = openpgp.armor(openpgp.enums.armor.message, Uint8Array.of(1, 2, 3, 4), undefined, undefined, undefined, true);
    expect(armored).to.include(`=${Buffer.from([crc24(Uint8Array.of(1, 2, 3, 4)) >> 16, (crc24(Uint8Array.of(1, 2, 3, 4)) >> 8) & 255, crc24(Uint8Array.of(1, 2, 3, 4)) & 255]).toString('base64')}\n`);
  });

  it('crc24Combine gives the CRC of prefix ‖ body', () => {
    for (const [p, b] of [[0, 0], [1, 0], [0, 5], [94, 1000], [7, 65536], [400, 12345]] as const) {
      const prefix = bytes(p);
      const body = bytes(b);
      const combined = crc24Combine(crc24Update(0xb704ce, prefix), crc24Update(0, body), zeroBytesShift(body.length));
      expect(combined, `${p}+${b}`).to.equal(crc24(concatBytes([prefix, body])));
    }
  });

  it('armorMessage is read back by openpgp.js and by our reader, checksum included', async () => {
    for (const n of [0, 1, 2, 3, 48, 49, 300]) {
      const data = bytes(n);
      const armored = armorMessage(data);
      expect(armored).to.match(/^-----BEGIN PGP MESSAGE-----\n\n/).and.match(/\n=[A-Za-z0-9+/]{4}\n-----END PGP MESSAGE-----\n$/);
      for (const line of armored.split('\n')) expect(line.length).to.be.at.most(64);
      if (n > 0) {
        const { data: back } = await openpgp.unarmor(armored);
        expect(Buffer.from(back as Uint8Array).equals(Buffer.from(data))).to.equal(true);
        const [block] = await dearmorAll(armored);
        expect(Buffer.from(block?.bytes ?? []).equals(Buffer.from(data))).to.equal(true);
      }
    }
  });

  it('our reader refuses a wrong checksum', async () => {
    const armored = armorMessage(bytes(30)).replace(/\n=[A-Za-z0-9+/]{4}\n/, '\n=AAAA\n');
    let failed = false;
    await dearmorAll(armored).catch(() => {
      failed = true;
    });
    expect(failed).to.equal(true);
  });

  it('BodyArmorer gives exactly armorMessage(prefix ‖ body), for every alignment, from its cache too', () => {
    for (const b of [0, 1, 2, 3, 47, 48, 49, 50, 1000]) {
      const body = bytes(b);
      const armorer = new BodyArmorer(body);
      for (let p = 1; p <= 70; p++) {
        const prefix = bytes(p);
        const expected = armorMessage(concatBytes([prefix, body]));
        expect(armorer.armor(prefix), `prefix ${p}, body ${b}`).to.equal(expected);
        expect(armorer.armor(prefix), `prefix ${p}, body ${b}, cached`).to.equal(expected);
      }
    }
  });
});
