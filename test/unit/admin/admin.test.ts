import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as openpgp from 'openpgp';
import { createAdmin, directClient } from '../../../src/admin/admin.js';
import type { AdminClient } from '../../../src/admin/api.js';
import type { AdminEvents } from '../../../src/admin/context.js';
import { ManualClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { ConfigError, RefusedError, UserError } from '../../../src/errors.js';
import { LIST_RECORD_VERSION, MEMBER_RECORD_VERSION } from '../../../src/store/records.js';
import { Store } from '../../../src/store/store.js';
import { ROOT } from '../../helpers/cli.js';
import { rmrf, tmpDir } from '../../helpers/tmp.js';

/**
 * The administrative operations in-process (what the CLI runs directly and the daemon runs behind
 * its socket), with the clock injected: the fixtures are pinned to 2026-01-01.
 */

const LIST = 'csirt@lists.test';
const KEYS = path.join(ROOT, 'test/fixtures/keys');
const key = (name: string): { base64: string } => ({ base64: fs.readFileSync(path.join(KEYS, name)).toString('base64') });

async function rejection(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected a refusal').to.be.instanceOf(UserError);
  return err as UserError;
}

describe('admin: operations on the store (in-process)', function () {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let events: string[];
  let passphrase: () => Promise<string>;
  let admin: AdminClient;

  beforeEach(async () => {
    dir = tmpDir('rma-');
    store = await Store.open(path.join(dir, 'data'));
    clock = new ManualClock('2026-01-01T00:00:00Z');
    events = [];
    passphrase = async () => 'unit test passphrase';
    const ev: AdminEvents = {
      listCreated: async (a) => void events.push(`created ${a}`),
      listChanged: async (a, o) => void events.push(`changed ${a} ${o}`),
      listDeleted: async (a) => void events.push(`deleted ${a}`),
      memberChanged: async (l, e, c) => void events.push(`${c} ${e}`),
    };
    const config = parseConfig({ dataDir: 'data', keysDir: 'keys' }, null, dir);
    admin = directClient(createAdmin({ config, store, clock, passphrase: () => passphrase(), events: ev, startedAt: clock.now() }));
  });
  afterEach(async () => {
    await store.close();
    rmrf(dir);
  });

  it('list.create stores a v1 record stamped by the clock, writes the encrypted key, tells the daemon', async () => {
    const l = await admin.call('list.create', { address: 'CSIRT@Lists.Test', name: 'CSIRT', owners: ['O@Team.test', 'o@team.test'] });
    expect(l).to.deep.include({ address: LIST, name: 'CSIRT', owners: ['o@team.test'], members: 0, createdAt: '2026-01-01T00:00:00.000Z' });
    const rec = await store.lists.get(LIST);
    expect(rec?.v).to.equal(LIST_RECORD_VERSION);
    expect(rec?.fingerprint).to.equal(l.fingerprint);
    const file = path.join(dir, 'keys', `${LIST}.sec.asc`);
    const secret = await openpgp.readPrivateKey({ armoredKey: fs.readFileSync(file, 'utf8') });
    expect(secret.isDecrypted()).to.equal(false);
    expect(rec?.publicKey).not.to.include('PRIVATE');
    expect(events).to.deep.equal([`created ${LIST}`]);
  });

  it('list.create without a passphrase fails with the ConfigError and leaves nothing behind', async () => {
    passphrase = async () => {
      throw new ConfigError('no list-key passphrase');
    };
    const err = await rejection(admin.call('list.create', { address: LIST, owners: [] }));
    expect(err).to.be.instanceOf(ConfigError);
    expect(await store.lists.all()).to.deep.equal([]);
    expect(fs.existsSync(path.join(dir, 'keys', `${LIST}.sec.asc`))).to.equal(false);
    expect(events).to.deep.equal([]);
  });

  describe('with a list', function () {
    beforeEach(async () => {
      await admin.call('list.create', { address: LIST, owners: [] });
      events.length = 0;
    });

    it('member.add stores a v1 record with the key facts and the clock time', async () => {
      const r = await admin.call('member.add', { list: LIST, email: 'alice@example.org', key: key('alice.pub.asc'), role: 'owner' });
      const rec = await store.members.get(LIST, 'alice@example.org');
      expect(rec?.v).to.equal(MEMBER_RECORD_VERSION);
      // confirm-enrollment is on by default: pending until the member answers the welcome.
      expect(rec).to.deep.include({ role: 'owner', status: 'pending', keyAlgorithm: 'ed25519/cv25519', enrolledAt: '2026-01-01T00:00:00.000Z', allowUidMismatch: false });
      expect(rec?.fingerprint).to.equal(r.fingerprint);
      expect(rec?.publicKey).to.match(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
      expect(events).to.deep.equal(['added alice@example.org']);
      // The welcome waits in the store for the daemon (no daemon here), without any token yet.
      expect(await store.comchecks.enrollment(LIST, 'alice@example.org')).to.deep.include({ fingerprint: r.fingerprint, tokenHash: null, queuedAs: null });
    });

    it('member.add with confirm-enrollment off stores an active member and no welcome', async () => {
      await admin.call('list.set', { address: LIST, option: 'confirm-enrollment', value: 'off' });
      await admin.call('member.add', { list: LIST, email: 'alice@example.org', key: key('alice.pub.asc') });
      expect((await store.members.get(LIST, 'alice@example.org'))?.status).to.equal('active');
      expect(await store.comchecks.enrollment(LIST, 'alice@example.org')).to.equal(undefined);
    });

    it('member.confirm activates a pending member, drops the welcome and records the override in the log', async () => {
      await admin.call('member.add', { list: LIST, email: 'alice@example.org', key: key('alice.pub.asc') });
      const m = await admin.call('member.confirm', { list: LIST, email: 'alice@example.org' });
      expect(m.status).to.equal('active');
      expect(await store.comchecks.enrollment(LIST, 'alice@example.org')).to.equal(undefined);
      const log = await store.audit.all(LIST);
      const last = log[log.length - 1];
      expect(last?.type).to.equal('admin');
      expect(last?.payload).to.deep.include({ action: 'member-confirm', member: 'alice@example.org' });
      const again = await rejection(admin.call('member.confirm', { list: LIST, email: 'alice@example.org' }));
      expect(again.message).to.match(/already active/);
    });

    it('the expiring-soon fixture (expires 2026-01-15) is enrolled on 2026-01-01 with a warning', async () => {
      const r = await admin.call('member.add', { list: LIST, email: 'soon@example.org', key: key('expiring-soon.pub.asc') });
      expect(r.keyExpires).to.equal('2026-01-15T00:00:00.000Z');
      expect(r.warnings).to.have.length(1);
      expect(r.warnings[0]).to.match(/expires in 14 days/);
    });

    it('and refused as expired once the clock passes 2026-01-15', async () => {
      clock.set('2026-01-20T00:00:00Z');
      const err = await rejection(admin.call('member.add', { list: LIST, email: 'soon@example.org', key: key('expiring-soon.pub.asc') }));
      expect(err).to.be.instanceOf(RefusedError);
      expect(err.message).to.match(/expired on 2026-01-15/);
      expect(await store.members.count(LIST)).to.equal(0);
    });

    it('a refused member.add writes nothing and tells nobody', async () => {
      await rejection(admin.call('member.add', { list: LIST, email: 'alice@example.org', key: key('alice.sec.asc') }));
      expect(await store.members.count(LIST)).to.equal(0);
      expect(events).to.deep.equal([]);
    });

    it('update-key keeps enrolledAt and moves keyUpdatedAt; allowUidMismatch follows the new key', async () => {
      await admin.call('member.add', { list: LIST, email: 'alice@example.org', key: key('wrong-uid.pub.asc'), allowUidMismatch: true });
      expect((await store.members.get(LIST, 'alice@example.org'))?.allowUidMismatch).to.equal(true);
      clock.advance(86_400_000);
      await admin.call('member.update-key', { list: LIST, email: 'alice@example.org', key: key('alice.pub.asc') });
      const rec = await store.members.get(LIST, 'alice@example.org');
      expect(rec).to.deep.include({ enrolledAt: '2026-01-01T00:00:00.000Z', keyUpdatedAt: '2026-01-02T00:00:00.000Z', allowUidMismatch: false });
    });

    it('list.delete removes the list and its members in one go', async () => {
      await admin.call('member.add', { list: LIST, email: 'alice@example.org', key: key('alice.pub.asc') });
      await admin.call('member.add', { list: LIST, email: 'bob@example.org', key: key('bob-rsa3072.pub.asc') });
      const r = await admin.call('list.delete', { address: LIST });
      expect(r.members).to.equal(2);
      expect(await store.lists.get(LIST)).to.equal(undefined);
      expect(await store.members.count(LIST)).to.equal(0);
    });

    it('list.set validates through the option table and stores only what was set', async () => {
      const r = await admin.call('list.set', { address: LIST, option: 'max-tlp', value: 'amber' });
      expect(r.value).to.equal('TLP:AMBER');
      expect((await store.lists.get(LIST))?.options).to.deep.equal({ 'max-tlp': 'TLP:AMBER' });
      const err = await rejection(admin.call('list.set', { address: LIST, option: 'subject-prefix', value: 'a\nb' }));
      expect(err).to.be.instanceOf(RefusedError);
      expect(events).to.deep.equal([`changed ${LIST} max-tlp`]);
    });
  });
});
