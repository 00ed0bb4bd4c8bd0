import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { thunderbird } from '../fixtures/clients/index.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon.js';
import { gpgClient, gpgMember, requireGpg, type GpgMember } from '../helpers/gpg.js';
import { Sink } from '../helpers/sink.js';
import { submit } from '../helpers/smtp.js';
import { rmrf, tmpDir, writeConfig } from '../helpers/tmp.js';
import { armoredOf, checkCopyShape, copyFor, LIST, newCopies } from './support.js';

/**
 * The administrator's path, end to end: `remailer serve` as a child process, the list created and
 * its key exported with the CLI, keys made by gpg enrolled with `remailer member add --key FILE
 * --fingerprint FPR` (through the admin socket), gpg keys with an expiry and a revocation handled
 * at enrollment as the README says, and a post from gpg relayed to gpg.
 */
describe('e2e: enrolling GnuPG keys with the remailer CLI against a running daemon', function () {
  this.timeout(120_000);
  const DAY = 86_400_000;
  let dir: string;
  let config: string;
  let daemon: DaemonProcess | null = null;
  const sink = new Sink();
  const env = { REMAILER_KEY_PASSPHRASE: 'e2e cli passphrase' };
  let listFpr: string;
  let dana: GpgMember; // Ed25519, owner
  let erik: GpgMember; // RSA-3072
  let soon: GpgMember; // expires in 10 days
  let expired: GpgMember; // made 30 days ago, expired 20 days ago
  let revoked: GpgMember; // revoked by its owner
  const homes: GpgMember[] = [];

  const cli = (args: string[]): Promise<CliResult> => runCli([...args, '--config', config], { env });
  const keyFile = (m: GpgMember): string => {
    const f = path.join(dir, `${m.email}.asc`);
    fs.writeFileSync(f, m.armoredPublic);
    return f;
  };

  before(async function () {
    requireGpg(this);
    dir = tmpDir('rme-');
    await sink.start();
    config = writeConfig(dir, ['smtp:', '  port: 0', '  hostname: lists.test', 'delivery:', `  port: ${sink.port}`, '  retry: [1s]'].join('\n'));
    daemon = await startDaemonProcess(config, env);
    const now = Date.now();
    [dana, erik, soon, expired, revoked] = await Promise.all([
      gpgMember('dana@cert-d.test', 'Dana Owner'),
      gpgMember('erik@cert-e.test', 'Erik Rsa', { algo: 'rsa3072' }),
      gpgMember('soon@cert-s.test', 'Soon Expiring', { expire: '10d' }),
      gpgMember('old@cert-o.test', 'Old Expired', { expire: '10d', at: new Date(now - 30 * DAY) }),
      gpgMember('gone@cert-g.test', 'Gone Revoked'),
    ]);
    homes.push(dana, erik, soon, expired, revoked);
    await revoked.home.revoke(revoked.fingerprint);
    revoked.armoredPublic = await revoked.home.exportPublic(revoked.fingerprint);
  });

  after(async () => {
    if (daemon && daemon.child.exitCode === null) await daemon.stop();
    await sink.stop();
    for (const m of homes) m.home.close();
    if (dir) rmrf(dir);
  });

  it('creates the list with the CLI and gives its key to the members, who import it into gpg', async () => {
    const r = await cli(['list', 'create', LIST, '--name', 'CSIRT Test', '--owner', dana.email]);
    expect(r.code, r.stderr).to.equal(0);
    listFpr = /fingerprint:\s+([0-9A-F]{40})/.exec(r.stdout)?.[1] ?? '';
    expect(listFpr).to.have.length(40);
    const k = await cli(['list', 'key', LIST]);
    expect(k.code, k.stderr).to.equal(0);
    expect(k.stdout).to.match(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    for (const m of homes) await m.home.importKey(k.stdout);
    // gpg reads the list key: its fingerprint is the one the CLI printed.
    expect(await dana.home.fingerprint(LIST)).to.equal(listFpr);
    const confirm = await cli(['list', 'show', LIST, '--json']);
    const options = (JSON.parse(confirm.stdout) as { options: Record<string, unknown> }).options;
    if ('confirm-enrollment' in options && options['confirm-enrollment'] !== false) {
      // Enrollment confirmation by signed reply is its own feature; this suite enrolls directly.
      expect((await cli(['list', 'set', LIST, 'confirm-enrollment', 'false'])).code).to.equal(0);
    }
  });

  it('enrolls gpg keys (Ed25519 and RSA-3072) with `member add --key FILE --fingerprint FPR`', async () => {
    const a = await cli(['member', 'add', LIST, dana.email, '--key', keyFile(dana), '--fingerprint', dana.fingerprint, '--name', dana.name, '--team', 'CERT-D', '--role', 'owner']);
    expect(a.code, a.stderr).to.equal(0);
    expect(a.stdout).to.include(dana.fingerprint);
    expect(a.stdout).to.match(/^algorithm:\s+ed25519\/cv25519$/m);
    expect(a.stdout).to.match(/^expires:\s+never$/m);
    // The fingerprint as people read it out on the phone: groups of four, lower case.
    const spaced = (erik.fingerprint.toLowerCase().match(/.{4}/g) ?? []).join(' ');
    const b = await cli(['member', 'add', LIST, erik.email, '--key', keyFile(erik), '--fingerprint', spaced, '--name', erik.name, '--team', 'CERT-E']);
    expect(b.code, b.stderr).to.equal(0);
    expect(b.stdout).to.match(/^algorithm:\s+rsa3072$/m);
    await daemon?.waitForLog(/MEMBER_CHANGED list=csirt@lists\.test member=erik@cert-e\.test change=added/, 5000);
  });

  it('refuses a key whose fingerprint is not the one confirmed out of band (exit 1, says why)', async () => {
    const r = await cli(['member', 'add', LIST, soon.email, '--key', keyFile(soon), '--fingerprint', dana.fingerprint]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^remailer: the key's fingerprint is [0-9A-F]{40}, not the expected/);
  });

  it('refuses a key gpg made with an expiry that has passed (exit 1, with the date)', async () => {
    const r = await cli(['member', 'add', LIST, expired.email, '--key', keyFile(expired), '--fingerprint', expired.fingerprint]);
    expect(r.code, r.stdout).to.equal(1);
    expect(r.stderr).to.match(/^remailer: the key [0-9A-F]{40} expired on \d{4}-\d{2}-\d{2}/);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
  });

  it('refuses a key revoked with gpg\'s own revocation certificate (exit 1)', async () => {
    const r = await cli(['member', 'add', LIST, revoked.email, '--key', keyFile(revoked), '--fingerprint', revoked.fingerprint]);
    expect(r.code, r.stdout).to.equal(1);
    expect(r.stderr).to.match(/^remailer: the key [0-9A-F]{40} was revoked by its owner/);
  });

  it('enrolls a key expiring in 10 days, with a warning on stderr', async () => {
    const r = await cli(['member', 'add', LIST, soon.email, '--key', keyFile(soon), '--fingerprint', soon.fingerprint, '--name', soon.name]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/the key expires in (9|10) days/);
    expect(r.stdout).to.match(/^expires:\s+\d{4}-\d{2}-\d{2}/m);
    const ls = await cli(['member', 'ls', LIST, '--json']);
    const emails = (JSON.parse(ls.stdout) as Array<{ email: string }>).map((m) => m.email).sort();
    expect(emails).to.deep.equal([dana.email, erik.email, soon.email].sort());
  });

  it('relays a post from gpg to the gpg members enrolled through the CLI; the daemon logs it', async () => {
    const built = await thunderbird(
      { from: { name: dana.name, address: dana.email }, to: LIST, subject: 'TLP:AMBER Enrolled with the CLI' },
      { text: 'TLP:AMBER\nHello from Dana.\n' },
      gpgClient(dana, listFpr),
    );
    const before = sink.messages.length;
    const port = daemon?.smtpPort ?? 0;
    const r = await submit(port, dana.email, LIST, built.raw);
    expect(r.code, r.response).to.equal(250);
    const copies = await newCopies(sink, before, 2);
    for (const m of [erik, soon]) {
      const copy = copyFor(copies, m.email);
      const dec = await m.home.decrypt(armoredOf(copy.raw));
      expect(dec.decrypted, dec.stderr).to.equal(true);
      expect(dec.validSigs.map((v) => v.primary)).to.deep.equal([listFpr]);
      await checkCopyShape(copy.raw, dec.data, built, 'TLP:AMBER');
    }
    await daemon?.waitForLog(/INFO ACCEPTED list=csirt@lists\.test .*recipients=2/, 5000);
    await daemon?.waitForLog(/INFO SENT .*to=soon@cert-s\.test/, 5000);
  });
});
