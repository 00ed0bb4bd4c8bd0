import { expect } from 'chai';
import fc from 'fast-check';
import { MimeError } from '../../../src/mime/errors.js';
import { parseOuter } from '../../../src/mime/parse-outer.js';
import { parseInner } from '../../../src/mime/parse-inner.js';
import { parseInlineText } from '../../../src/mime/inline.js';
import { buildOuterMessage } from '../../../src/mime/build-outer.js';
import { buildInnerMessage } from '../../../src/mime/build-inner.js';
import { ARMOR, fixture, seededRandom } from './helpers.js';

const FIXTURES = [
  'thunderbird-outer.eml',
  'thunderbird-inner.eml',
  'enigmail-signed-inner.eml',
  'mutt-outer.eml',
  'mutt-signed-inner.eml',
  'inline-pgp-attachment.eml',
  'gpgol-inner.eml',
  'encodings-inner.eml',
  'hp-inner.eml',
].map((n) => fixture(n));

/** Fragments that matter to a MIME parser, so mutations hit the interesting paths more often than random bytes would. */
const TOKENS = [
  '\r\n', '\n', '\r', '\r\n\r\n', '--', '--b', '--b--', '\r\n--b\r\n', ' ', '\t', ';', '=', '"', ':', '\u0000', '\u00ff',
  'Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Type: multipart/signed; protocol="application/pgp-signature"; boundary=b\r\n',
  'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=b\r\n', 'Content-Type: message/rfc822\r\n',
  'Content-Transfer-Encoding: base64\r\n', 'Content-Transfer-Encoding: quoted-printable\r\n', 'charset=utf-16', 'charset=utf-7',
  '=?utf-8?b?', '=?utf-8?q?=0D=0A?=', '?=', '=\r\n', '=ZZ', '-----BEGIN PGP MESSAGE-----\n', '-----END PGP MESSAGE-----\n',
  '-----BEGIN PGP SIGNATURE-----\n', '-----END PGP SIGNATURE-----\n', 'Subject: x\r\n', 'From: a@b.example, c@d.example\r\n',
  'filename*0*=utf-8\'\'%E2%82', 'hp-legacy-display="1"', '<div class="header-protection-legacy-display">', '<!--', '&#x',
];

type Mutation = { at: number; op: 'insert'; text: string } | { at: number; op: 'delete'; len: number } | { at: number; op: 'dup'; len: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.nat(), op: fc.constant('insert' as const), text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 20 })) }),
  fc.record({ at: fc.nat(), op: fc.constant('delete' as const), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ at: fc.nat(), op: fc.constant('dup' as const), len: fc.integer({ min: 1, max: 400 }) }),
);

function mutate(src: Buffer, ms: readonly Mutation[]): Buffer {
  let b = src;
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.text, 'latin1'), b.subarray(at)]);
    else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
  }
  return b;
}

/** Runs fn; any outcome but a return value or a MimeError fails the property. */
function onlyMimeError(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (err: unknown) {
    if (err instanceof MimeError) return true;
    throw err;
  }
}

function allParsers(raw: Uint8Array): boolean {
  const small = { maxParts: 50, maxDepth: 8 };
  return (
    onlyMimeError(() => parseOuter(raw)) &&
    onlyMimeError(() => parseInner(raw)) &&
    onlyMimeError(() => parseInner(raw, small)) &&
    onlyMimeError(() => parseInlineText(raw, 'utf-8')) &&
    onlyMimeError(() => parseInlineText(raw, 'utf-16'))
  );
}

describe('mime: property tests', function () {
  this.timeout(120000);

  it('random bytes never make a parser throw anything but MimeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), allParsers), { numRuns: 500 });
  });

  it('mutated client messages never make a parser throw anything but MimeError', () => {
    fc.assert(
      fc.property(fc.nat({ max: FIXTURES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 8 }), (i, ms) => allParsers(mutate(FIXTURES[i] as Buffer, ms))),
      { numRuns: 1500 },
    );
  });

  it('whatever text the builders get, the header section stays 7-bit with only our fields, or a MimeError', () => {
    const text = fc.oneof(fc.string({ maxLength: 120, unit: 'binary' }), fc.constantFrom(...TOKENS), fc.string({ maxLength: 2000 }));
    const OUTER_FIELDS = ['from', 'to', 'subject', 'date', 'message-id', 'in-reply-to', 'references', 'reply-to', 'list-id', 'list-post', 'x-loop', 'precedence', 'mime-version', 'content-type'];
    fc.assert(
      fc.property(text, text, text, fc.array(text, { maxLength: 5 }), (subject, name, listName, refs) => {
        return onlyMimeError(() => {
          const outer = {
            from: { name, address: 'csirt-nl@lists.example' },
            replyTo: [{ name, address: 'csirt-nl@lists.example' }],
            subject,
            date: new Date(0),
            messageId: '<m@lists.example>',
            references: refs,
            inReplyTo: refs,
            list: { name: listName, address: 'csirt-nl@lists.example' },
            listPost: ['mailto:csirt-nl@lists.example'],
            xLoop: 'csirt-nl@lists.example',
          };
          const msg = Buffer.from(buildOuterMessage(outer, { name, address: 'm@example.org' }, ARMOR, seededRandom(1))).toString('latin1');
          const head = msg.slice(0, msg.indexOf('\r\n\r\n'));
          expect(/^[\t\r\n\x20-\x7e]*$/.test(head)).to.equal(true);
          for (const line of head.split('\r\n')) expect(line.length).to.be.at.most(998);
          const names = head.split(/\r\n(?![ \t])/).map((f) => f.slice(0, f.indexOf(':')).toLowerCase());
          for (const n of names) expect(OUTER_FIELDS).to.include(n);
          const inner = Buffer.from(
            buildInnerMessage({
              subject,
              from: outer.from,
              to: { name: listName, address: 'csirt-nl@lists.example' },
              date: new Date(0),
              messageId: '<m@lists.example>',
              references: refs,
              outer,
              notice: subject,
              content: { kind: 'pieces', text: name, attachments: [{ filename: name, contentType: listName, data: Buffer.from(subject) }] },
              random: seededRandom(2),
            }),
          ).toString('latin1');
          expect(/^[\t\r\n\x20-\x7e]*$/.test(inner)).to.equal(true);
          const innerHead = inner.slice(0, inner.indexOf('\r\n\r\n'));
          const innerNames = innerHead.split(/\r\n(?![ \t])/).map((f) => f.slice(0, f.indexOf(':')).toLowerCase());
          for (const n of innerNames) expect([...OUTER_FIELDS, 'hp-outer']).to.include(n);
        });
      }),
      { numRuns: 300 },
    );
  });
});
