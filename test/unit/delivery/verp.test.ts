import { expect } from 'chai';
import { parseVerp, verpAddress } from '../../../src/delivery/bounce.js';

describe('delivery/verp', () => {
  const built: [list: string, token: string, expected: string][] = [
    ['csirt@lists.example.net', 'd41d8cd98f00b204', 'csirt-bounces+d41d8cd98f00b204@lists.example.net'],
    ['CSIRT@Lists.Example.NET', 'AbC_-9', 'csirt-bounces+AbC_-9@lists.example.net'],
    ['first.responders@example.org', 'x', 'first.responders-bounces+x@example.org'],
  ];
  for (const [list, token, expected] of built) {
    it(`verpAddress(${list}, ${token}) = ${expected}`, () => {
      expect(verpAddress(list, token)).to.equal(expected);
      expect(parseVerp(expected)).to.deep.equal({ list: list.toLowerCase(), token });
    });
  }

  const badTokens = ['', 'a+b', 'a.b', 'a@b', 'a b', 'ä', 'x'.repeat(65)];
  for (const token of badTokens) {
    it(`verpAddress refuses token ${JSON.stringify(token.slice(0, 12))}`, () => {
      expect(() => verpAddress('csirt@lists.example.net', token)).to.throw(RangeError);
    });
  }

  it('verpAddress refuses a list that is not an address', () => {
    expect(() => verpAddress('csirt', 'abc')).to.throw(RangeError);
  });

  const parsed: [address: string, expected: { list: string; token: string } | null][] = [
    ['csirt-bounces+abc123@lists.example.net', { list: 'csirt@lists.example.net', token: 'abc123' }],
    ['<csirt-bounces+abc123@lists.example.net>', { list: 'csirt@lists.example.net', token: 'abc123' }],
    ['  csirt-bounces+abc123@lists.example.net \n', { list: 'csirt@lists.example.net', token: 'abc123' }],
    ['CSIRT-BOUNCES+AbC123@LISTS.example.net', { list: 'csirt@lists.example.net', token: 'AbC123' }],
    ['csirt-Bounces+a_b-c@lists.example.net', { list: 'csirt@lists.example.net', token: 'a_b-c' }],
    ['team-bounces-bounces+t@example.org', { list: 'team-bounces@example.org', token: 't' }],
    ['csirt-bounces@lists.example.net', null],
    ['csirt-bounces+@lists.example.net', null],
    ['csirt-bounces+a.b@lists.example.net', null],
    ['csirt-bounces+a+b@lists.example.net', null],
    ['csirt-bounces+a b@lists.example.net', null],
    ['csirt-bounces+äbc@lists.example.net', null],
    [`csirt-bounces+${'x'.repeat(65)}@lists.example.net`, null],
    ['-bounces+abc@lists.example.net', null],
    ['csirt-bounces+abc', null],
    ['csirt-bounces+abc@', null],
    ['csirt-bounces+abc@bad_domain', null],
    ['csirt-owner@lists.example.net', null],
    ['"csirt-bounces+abc"@lists.example.net', null],
    [`${'a'.repeat(400)}-bounces+abc@example.org`, null],
  ];
  for (const [address, expected] of parsed) {
    it(`parseVerp(${JSON.stringify(address.slice(0, 50))}) → ${expected ? expected.token : 'null'}`, () => {
      expect(parseVerp(address)).to.deep.equal(expected);
    });
  }
});
