import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import type { Clock } from '../../src/clock.js';
import { connectControl } from '../../src/control/client.js';
import { Daemon } from '../../src/daemon.js';
import { createLogger } from '../../src/log.js';
import { thunderbird } from '../fixtures/clients/index.js';
import { PASSPHRASE_ENV, TestEnv } from '../helpers/env.js';
import { gpgClient, gpgMember, requireGpg, type GpgMember } from '../helpers/gpg.js';
import { submit } from '../helpers/smtp.js';
import { armoredOf, copyFor, LIST, newCopies } from './support.js';

/**
 * Keys that stop being usable after enrollment: one gpg made with a 10-day expiry (time moves on
 * with an injected clock), one its owner revoked with gpg later (the revoked key reaches the store
 * as a key refresh would bring it). Such a member gets nothing (never plain text), the daemon's
 * log and the hash-chained log say why, and the owners get an encrypted notice.
 */
describe('e2e: member keys that expire or are revoked after enrollment', function () {
  this.timeout(120_000);
  const DAY = 86_400_000;
  let env: TestEnv;
  // Real time plus an offset the test moves forward: signatures made by gpg "now" are never in the
  // daemon's future, and days pass at once.
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  const logLines: string[] = [];
  let listFpr: string;
  let olga: GpgMember; // owner
  let pete: GpgMember; // the sender
  let tess: GpgMember; // key expires in 10 days
  let rita: GpgMember; // key revoked after enrollment
  let all: GpgMember[];

  before(async function () {
    requireGpg(this);
    env = await TestEnv.start();
    // The same installation, restarted with a clock the test can move.
    env.admin.close();
    await env.daemon.stop();
    env.daemon = await Daemon.start(env.config, {
      log: createLogger('debug', (l) => logLines.push(l)),
      clock,
      env: { ...process.env, ...PASSPHRASE_ENV },
    });
    const admin = await connectControl(env.config.socketPath);
    if (!admin) throw new Error('control socket did not answer');
    env.admin = admin;

    await env.createList(LIST, 'CSIRT Test');
    const key = await env.admin.call('list.key', { address: LIST });
    listFpr = key.fingerprint;
    [olga, pete, tess, rita] = await Promise.all([
      gpgMember('olga@cert-o.test', 'Olga Owner'),
      gpgMember('pete@cert-p.test', 'Pete Poster'),
      gpgMember('tess@cert-t.test', 'Tess Tenday', { expire: '10d' }),
      gpgMember('rita@cert-r.test', 'Rita Revoker'),
    ]);
    all = [olga, pete, tess, rita];
    for (const m of all) {
      await m.home.importKey(key.armored);
      const r = await env.admin.call('member.add', {
        list: LIST,
        email: m.email,
        key: { base64: Buffer.from(m.armoredPublic).toString('base64') },
        fingerprint: m.fingerprint,
        name: m.name,
        team: 'Team',
        role: m === olga ? 'owner' : 'member',
      });
      if (m === tess) expect(r.warnings.join(' ')).to.match(/expires in (9|10) days/);
      else expect(r.warnings).to.deep.equal([]);
    }
  });

  after(async () => {
    await env?.stop();
    for (const m of all ?? []) m.home.close();
  });

  async function post(subject: string): Promise<string> {
    const built = await thunderbird({ from: { name: pete.name, address: pete.email }, to: LIST, subject }, { text: 'TLP:AMBER\nbody\n' }, gpgClient(pete, listFpr));
    const r = await submit(env.smtpPort, pete.email, LIST, built.raw);
    expect(r.code, r.response).to.equal(250);
    return /queued as (\S+)/.exec(r.response)?.[1] ?? '';
  }

  /** The owners' notice: flushed now instead of after its batching delay, decrypted by the owner's gpg. */
  async function ownerNotice(): Promise<string> {
    const before = env.sink.messages.length;
    await env.daemon.notices.flush();
    const [notice] = await newCopies(env.sink, before, 1);
    if (!notice) throw new Error('no notice');
    expect(notice.rcptTo).to.deep.equal([olga.email]);
    const dec = await olga.home.decrypt(armoredOf(notice.raw));
    expect(dec.decrypted).to.equal(true);
    expect(dec.validSigs.map((v) => v.primary)).to.deep.equal([listFpr]);
    const inner = await simpleParser(dec.data);
    return String(inner.text);
  }

  async function deliveryEntries(id: string): Promise<Array<{ recipient: string; state: string; reason: string | null }>> {
    const entries = await env.daemon.store.audit.all(LIST);
    return entries
      .filter((e) => e.type === 'delivery' && (e.payload as { messageId: string }).messageId === id)
      .map((e) => e.payload as { recipient: string; state: string; reason: string | null });
  }

  it('while every key is valid, every other member gets a copy', async () => {
    const before = env.sink.messages.length;
    await post('TLP:AMBER all keys valid');
    const copies = await newCopies(env.sink, before, 3);
    for (const m of [olga, tess, rita]) {
      const dec = await m.home.decrypt(armoredOf(copyFor(copies, m.email).raw));
      expect(dec.decrypted, m.email).to.equal(true);
    }
  });

  it('eleven days later the 10-day key has expired: that member gets nothing, the logs say so, the owners are told', async () => {
    offsetMs += 11 * DAY;
    const before = env.sink.messages.length;
    const mark = logLines.length;
    const id = await post('TLP:AMBER after the expiry');
    const copies = await newCopies(env.sink, before, 2);
    expect(copies.map((c) => c.rcptTo[0]).sort()).to.deep.equal([olga.email, rita.email].sort());
    const entries = await deliveryEntries(id);
    const skipped = entries.find((e) => e.recipient === tess.email);
    expect(skipped, JSON.stringify(entries)).to.deep.include({ state: 'skipped' });
    expect(skipped?.reason).to.match(/expired/);
    const lines = logLines.slice(mark).join('\n');
    expect(lines, lines).to.match(/SKIPPED .*to=tess@cert-t\.test.*expired/);
    const notice = await ownerNotice();
    expect(notice).to.include(tess.email);
    expect(notice).to.match(/expired/);
  });

  it('a key revoked after enrollment (the revocation reaches the store as a key refresh would): nothing is sent to it', async () => {
    await rita.home.revoke(rita.fingerprint);
    const revoked = await rita.home.exportPublic(rita.fingerprint);
    const rec = await env.daemon.store.members.get(LIST, rita.email);
    if (!rec) throw new Error('rita is not a member');
    await env.daemon.store.members.put(env.daemon.store.tx(), { ...rec, publicKey: revoked }).commit();
    const before = env.sink.messages.length;
    const mark = logLines.length;
    const id = await post('TLP:AMBER after the revocation');
    const copies = await newCopies(env.sink, before, 1);
    expect(copies[0]?.rcptTo).to.deep.equal([olga.email]);
    const entries = await deliveryEntries(id);
    expect(entries.find((e) => e.recipient === rita.email)?.reason).to.match(/revoked/);
    expect(logLines.slice(mark).join('\n')).to.match(/SKIPPED .*to=rita@cert-r\.test.*revoked/);
    const notice = await ownerNotice();
    expect(notice).to.include(rita.email);
    expect(notice).to.match(/revoked/);
  });
});
