import fs from 'node:fs';
import { expect } from 'chai';
import * as openpgp from 'openpgp';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon.js';
import { StoreLockedError } from '../../src/store/db.js';
import { Store } from '../../src/store/store.js';
import { assertClean, expectOk, expectOneLineError, fingerprintOf, fixture, Install, lines, mode, serveExpectingExit } from './helpers.js';

/**
 * The CLI while `remailer serve` runs: LevelDB admits one process, so every command must go through
 * the daemon's admin socket; and the checks that stop the daemon from starting.
 */

const LIST = 'csirt@lists.test';
const DAEMON_CONFIG = 'smtp:\n  port: 0\n  hostname: lists.test';

interface ListJson {
  address: string;
  fingerprint: string;
  members: number;
}
interface MemberJson {
  email: string;
  fingerprint: string;
}

describe('cli: with the daemon running (admin socket)', function () {
  let inst: Install;
  let daemon: DaemonProcess | null = null;
  let listFpr: string;
  /** The CLI runs with NO passphrase of its own: only the daemon has one. */
  const noPass = { REMAILER_KEY_PASSPHRASE: '' };

  before(async () => {
    inst = new Install({ extraConfig: DAEMON_CONFIG });
    daemon = await startDaemonProcess(inst.configPath, inst.env);
  });
  after(async () => {
    if (daemon && daemon.child.exitCode === null) await daemon.kill();
    inst.remove();
  });

  it('the daemon holds the store: a second opener gets StoreLockedError', async () => {
    const err = await Store.open(inst.dataDir).then(
      async (s) => {
        await s.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(StoreLockedError);
  });

  it('the admin socket is a socket with mode 0600', () => {
    const st = fs.statSync(inst.socketPath);
    expect(st.isSocket()).to.equal(true);
    expect(mode(inst.socketPath).toString(8)).to.equal('600');
  });

  it('list create works through the daemon (with the daemon\'s passphrase)', async () => {
    const r = await inst.run(['list', 'create', LIST, '--name', 'Daemon List', '--owner', 'owner@team.test'], { env: noPass });
    expectOk(r);
    listFpr = /fingerprint:\s+([0-9A-F]{40})/.exec(r.stdout)?.[1] ?? '';
    expect(listFpr).to.have.length(40);
    await daemon?.waitForLog(/LIST_CREATED list=csirt@lists\.test/, 5000);
    expect(mode(inst.keyFile(LIST)).toString(8)).to.equal('600');
  });

  it('member add through the daemon: a file and standard input', async () => {
    const r1 = await inst.run(['member', 'add', LIST, 'alice@example.org', '--key', fixture('alice.pub.asc')], { env: noPass });
    expectOk(r1);
    expect(r1.stdout).to.match(/^algorithm:\s+ed25519\/cv25519$/m);
    const r2 = await inst.run(['member', 'add', LIST, 'bob@example.org', '--key', '-', '--role', 'owner'], {
      env: noPass,
      input: fs.readFileSync(fixture('bob-rsa3072.pub.asc')),
    });
    expectOk(r2);
    await daemon?.waitForLog(/MEMBER_CHANGED list=csirt@lists\.test member=bob@example\.org change=added/, 5000);
  });

  it('refusals come back through the socket with their exit code and one line', async () => {
    const r = await inst.run(['member', 'add', LIST, 'revoked@example.org', '--key', fixture('revoked.pub.asc')], { env: noPass });
    expectOneLineError(r, 1, /was revoked/);
    expectOneLineError(await inst.run(['list', 'create', LIST], { env: noPass }), 1, /already exists/);
    expectOneLineError(await inst.run(['list', 'set', LIST, 'max-tlp', 'purple'], { env: noPass }), 1, /invalid TLP label/);
  });

  it('list ls --json, list set/show, member ls through the daemon', async () => {
    const ls = await inst.json<ListJson[]>(['list', 'ls'], { env: noPass });
    expect(ls.map((l) => [l.address, l.fingerprint, l.members])).to.deep.equal([[LIST, listFpr, 2]]);
    expectOk(await inst.run(['list', 'set', LIST, 'max-tlp', 'red'], { env: noPass }));
    const show = await inst.json<{ options: Record<string, unknown> }>(['list', 'show', LIST], { env: noPass });
    expect(show.options['max-tlp']).to.equal('TLP:RED');
    const r = await inst.run(['member', 'ls', LIST], { env: noPass });
    expectOk(r);
    const rows = lines(r.stdout).slice(1);
    expect(rows.map((l) => l.split(/\s+/)[0]).sort()).to.deep.equal(['alice@example.org', 'bob@example.org']);
  });

  it('after SIGTERM the daemon exits 0, removes its socket, and logged nothing secret', async () => {
    const d = daemon;
    if (!d) throw new Error('no daemon');
    expect(await d.stop()).to.equal(0);
    expect(fs.existsSync(inst.socketPath)).to.equal(false);
    assertClean(d.log(), 'daemon log');
    expect(d.log()).to.match(/STOPPED/);
  });

  it('then the CLI works directly and sees what was made through the daemon', async () => {
    const ls = await inst.json<ListJson[]>(['list', 'ls']);
    expect(ls.map((l) => [l.address, l.fingerprint, l.members])).to.deep.equal([[LIST, listFpr, 2]]);
    const ms = await inst.json<MemberJson[]>(['member', 'ls', LIST]);
    expect(ms.map((m) => [m.email, m.fingerprint])).to.deep.equal([
      ['alice@example.org', await fingerprintOf(fixture('alice.pub.asc'))],
      ['bob@example.org', await fingerprintOf(fixture('bob-rsa3072.pub.asc'))],
    ]);
    // The list key made by the daemon is encrypted with the daemon's passphrase.
    const key = await openpgp.readPrivateKey({ armoredKey: fs.readFileSync(inst.keyFile(LIST), 'utf8') });
    expect(key.isDecrypted()).to.equal(false);
    await openpgp.decryptKey({ privateKey: key, passphrase: inst.passphrase });
  });
});

describe('cli: after the daemon crashed (SIGKILL)', function () {
  it('the stale socket file does not get in the way: the CLI falls back to the store, and the daemon starts again', async () => {
    const inst = new Install({ extraConfig: DAEMON_CONFIG });
    let d: DaemonProcess | null = null;
    try {
      d = await startDaemonProcess(inst.configPath, inst.env);
      expectOk(await inst.run(['list', 'create', LIST]));
      await d.kill();
      expect(fs.existsSync(inst.socketPath), 'a crash leaves the socket file').to.equal(true);
      const ls = await inst.json<ListJson[]>(['list', 'ls']);
      expect(ls.map((l) => l.address)).to.deep.equal([LIST]);
      d = await startDaemonProcess(inst.configPath, inst.env);
      expect(d.log()).to.match(/STARTED .*lists=1/);
      expect(await d.stop()).to.equal(0);
    } finally {
      if (d && d.child.exitCode === null && d.child.signalCode === null) await d.kill();
      inst.remove();
    }
  });
});

describe('cli: the daemon refuses to start', function () {
  let inst: Install;
  beforeEach(async () => {
    inst = new Install({ extraConfig: DAEMON_CONFIG });
    await inst.createList(LIST);
  });
  afterEach(() => inst.remove());

  it('when a list key file is mode 0644: exit 2, one line naming the file and chmod 600', async () => {
    const file = inst.keyFile(LIST);
    fs.chmodSync(file, 0o644);
    const r = await serveExpectingExit(inst.configPath, inst.env);
    expect(r.killed, 'the daemon started').to.equal(false);
    expectOneLineError(r, 2, /accessible by group or others \(mode 644\)/);
    expect(r.stderr).to.include(file);
    expect(r.stderr).to.include(`chmod 600 ${file}`);
  });

  it('when the passphrase file in keysDir is group-readable (0640)', async () => {
    const pass = inst.file('keys/passphrase', inst.passphrase + '\n');
    fs.chmodSync(pass, 0o640);
    const r = await serveExpectingExit(inst.configPath, {});
    expect(r.killed, 'the daemon started').to.equal(false);
    expectOneLineError(r, 2, /mode 640.*chmod 600/);
    expect(r.stderr).to.include(pass);
  });

  it('when a list exists but no passphrase is available: exit 2, one line', async () => {
    const r = await serveExpectingExit(inst.configPath, {});
    expect(r.killed, 'the daemon started').to.equal(false);
    expectOneLineError(r, 2, /no list-key passphrase: set REMAILER_KEY_PASSPHRASE/);
  });

  it('when the passphrase is wrong: exit 2, one line, the passphrase not shown', async () => {
    const r = await serveExpectingExit(inst.configPath, { REMAILER_KEY_PASSPHRASE: 'definitely wrong' });
    expect(r.killed, 'the daemon started').to.equal(false);
    expectOneLineError(r, 2, /cannot unlock the key of list csirt@lists\.test.*wrong passphrase/);
    expect(r.stderr).not.to.include('definitely wrong');
  });
});
