import path from 'node:path';
import { expect } from 'chai';
import { statusAfterKey } from '../../../src/comcheck/enrollment.js';
import { signatureProblem } from '../../../src/comcheck/requests.js';
import { findKeyMaterial } from '../../../src/mime/key-parts.js';
import type { ReadMessage } from '../../../src/pipeline/read.js';
import type { SignatureFact } from '../../../src/policy/decide.js';
import type { PingRecord } from '../../../src/store/comcheck-records.js';
import type { MemberStatus } from '../../../src/store/records.js';
import { Store } from '../../../src/store/store.js';
import { rmrf, tmpDir } from '../../helpers/tmp.js';

const ARMOR = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----';
const entity = (headers: string, body: string) => ({ kind: 'entity' as const, contentHeaders: headers, body: Buffer.from(body) });

describe('comcheck: key material in a request (pure)', function () {
  it('an armored block pasted into the text', () => {
    const k = findKeyMaterial(entity('Content-Type: text/plain\r\n', `My new key:\n\n${ARMOR}\n\nthanks`));
    expect(k).to.deep.equal({ armored: [ARMOR], binary: [] });
  });

  it('an attachment (application/pgp-keys, base64) as Thunderbird attaches it; duplicates once', () => {
    const b = 'XyZ';
    const body = [
      `--${b}`,
      'Content-Type: text/plain',
      '',
      `key attached, and pasted:\n${ARMOR}`,
      `--${b}`,
      'Content-Type: application/pgp-keys; name="OpenPGP_0x1234.asc"',
      'Content-Disposition: attachment; filename="OpenPGP_0x1234.asc"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(ARMOR).toString('base64'),
      `--${b}--`,
      '',
    ].join('\r\n');
    const k = findKeyMaterial(entity(`Content-Type: multipart/mixed; boundary="${b}"\r\n`, body));
    expect(k.armored).to.deep.equal([ARMOR]);
  });

  it('a binary key file (.gpg) and inline-PGP pieces', () => {
    const bin = new Uint8Array([0x99, 0x00, 0x33, 0x04]);
    const b = 'B';
    const body = [`--${b}`, 'Content-Type: application/octet-stream; name="key.gpg"', 'Content-Transfer-Encoding: base64', '', Buffer.from(bin).toString('base64'), `--${b}--`, ''].join('\r\n');
    expect(findKeyMaterial(entity(`Content-Type: multipart/mixed; boundary="${b}"\r\n`, body)).binary).to.deep.equal([bin]);
    const pieces = findKeyMaterial({ kind: 'pieces', text: 'see attachment', attachments: [{ filename: 'me.asc', contentType: 'application/octet-stream', data: Buffer.from(ARMOR) }] });
    expect(pieces.armored).to.deep.equal([ARMOR]);
  });

  it('nothing when there is no key', () => {
    expect(findKeyMaterial(entity('', 'just text'))).to.deep.equal({ armored: [], binary: [] });
  });
});

describe('comcheck: enrollment and key-request decisions (pure)', function () {
  const A = 'A'.repeat(40);
  const B = 'B'.repeat(40);
  const table: Array<[string, MemberStatus | null, string | null, string, boolean, MemberStatus]> = [
    ['new member, confirmation on', null, null, A, true, 'pending'],
    ['new member, confirmation off', null, null, A, false, 'active'],
    ['active member, same key refreshed', 'active', A, A, true, 'active'],
    ['active member, new key', 'active', A, B, true, 'pending'],
    ['pending member, same key', 'pending', A, A, true, 'pending'],
    ['pending member, confirmation turned off', 'pending', A, B, false, 'active'],
  ];
  for (const [name, cur, oldF, newF, confirm, want] of table) {
    it(name, () => expect(statusAfterKey(cur, oldF, newF, confirm)).to.equal(want));
  }

  const msg = (encryption: ReadMessage['encryption'], decryption: ReadMessage['decryption'], signature: SignatureFact) => ({
    read: { encryption, decryption } as ReadMessage,
    signature,
  });
  const member = { fingerprint: A };
  const problems: Array<[string, ReturnType<typeof msg>, RegExp | null]> = [
    ['signed by the enrolled key', msg('pgp-mime', 'ok', { status: 'valid', fingerprint: A, byMember: 'sender' }), null],
    ['signed by another key', msg('pgp-mime', 'ok', { status: 'valid', fingerprint: B, byMember: 'non-member' }), /another key/],
    ['signed by an unknown key', msg('pgp-mime', 'ok', { status: 'unknown-key' }), /another key/],
    ['unsigned', msg('pgp-mime', 'ok', { status: 'none' }), /not signed/],
    ['bad signature', msg('pgp-mime', 'ok', { status: 'bad' }), /did not verify/],
    ['expired key', msg('pgp-mime', 'ok', { status: 'expired-key' }), /expired key/],
    ['plain mail', msg('none', 'not-applicable', { status: 'none' }), /not encrypted/],
    ['not for the list key', msg('pgp-mime', 'not-for-list', { status: 'none' }), /could not be decrypted/],
  ];
  for (const [name, m, want] of problems) {
    it(`request ${name}`, () => {
      const p = signatureProblem(m, member);
      if (want === null) expect(p).to.equal(null);
      else expect(p).to.match(want);
    });
  }
});

describe('store: the comchecks repository', function () {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = tmpDir('rmcc-');
    store = await Store.open(path.join(dir, 'data'));
  });
  afterEach(async () => {
    await store.close();
    rmrf(dir);
  });

  const ping = (list: string, runId: string, email: string, tokenHash: string): PingRecord => ({
    v: 1, list, runId, email, fingerprint: 'F', tokenHash, queuedAs: null, sentAt: null, state: 'open', repliedAt: null, verified: false, signer: null,
  });

  it('runs come back in time order per list; a ping goes with its token; clearList leaves other lists alone', async () => {
    const run = (list: string, id: string) => ({ v: 1 as const, list, id, createdAt: id, trigger: 'manual' as const, windowHours: 72, requireSigned: true, sentAt: null, closesAt: null, closedAt: null, pinged: 1 });
    await store.commit((tx) => {
      store.comchecks.putRun(tx, run('a@x.test', '20260102'));
      store.comchecks.putRun(tx, run('a@x.test', '20260101'));
      store.comchecks.putRun(tx, run('b@x.test', '20260101'));
      store.comchecks.putPing(tx, ping('a@x.test', '20260101', 'm@x.test', 'h1'));
      store.comchecks.putToken(tx, 'h1', { v: 1, kind: 'ping', list: 'a@x.test', runId: '20260101', email: 'm@x.test' });
      store.comchecks.putPing(tx, ping('b@x.test', '20260101', 'm@x.test', 'h2'));
      store.comchecks.putToken(tx, 'h2', { v: 1, kind: 'ping', list: 'b@x.test', runId: '20260101', email: 'm@x.test' });
    });
    expect((await store.comchecks.runsOf('a@x.test')).map((r) => r.id)).to.deep.equal(['20260101', '20260102']);
    const tx = store.tx();
    await store.comchecks.clearList(tx, 'a@x.test');
    await tx.commit();
    expect(await store.comchecks.runsOf('a@x.test')).to.deep.equal([]);
    expect(await store.comchecks.token('h1')).to.equal(undefined);
    expect((await store.comchecks.runsOf('b@x.test')).length).to.equal(1);
    expect((await store.comchecks.token('h2'))?.kind).to.equal('ping');
  });
});
