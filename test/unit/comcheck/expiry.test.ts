import { expect } from 'chai';
import { dueExpiryWarning } from '../../../src/comcheck/expiry.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const inDays = (d: number): Date => new Date(NOW.getTime() + d * 86_400_000);

describe('comcheck: when to warn about an expiring key (pure)', function () {
  const table: Array<[string, Date | null, number[], { threshold: number; record: number[]; daysLeft: number } | null]> = [
    ['no expiry', null, [], null],
    ['40 days left', inDays(40), [], null],
    ['30 days left', inDays(30), [], { threshold: 30, record: [30], daysLeft: 30 }],
    ['29.5 days left', inDays(29.5), [], { threshold: 30, record: [30], daysLeft: 30 }],
    ['29 days, the 30-day warning already sent', inDays(29), [30], null],
    ['7 days left after the 30-day warning', inDays(7), [30], { threshold: 7, record: [7], daysLeft: 7 }],
    ['6 days, both sent', inDays(6), [30, 7], null],
    ['5 days left, nothing sent yet: one warning, both recorded', inDays(5), [], { threshold: 7, record: [30, 7], daysLeft: 5 }],
    ['expired', inDays(-1), [30, 7], { threshold: 0, record: [0], daysLeft: 0 }],
    ['expired, never warned', inDays(-1), [], { threshold: 0, record: [0, 30, 7], daysLeft: 0 }],
    ['expired and reported', inDays(-3), [30, 7, 0], null],
  ];
  for (const [name, expires, sent, want] of table) {
    it(name, () => expect(dueExpiryWarning(expires, NOW, sent)).to.deep.equal(want));
  }
});
