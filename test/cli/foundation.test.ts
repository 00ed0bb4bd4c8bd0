import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as openpgp from 'openpgp';
import { ROOT } from '../helpers/cli.js';
import { rmrf, tmpDir } from '../helpers/tmp.js';
import { cli, expectOk, expectOneLineError, Install, lines, mode, registerSecret } from './helpers.js';

/**
 * The administrator's command line (issue 2), run as the built binary against real LevelDB stores
 * in temp folders: `init`, configuration errors, and the `list` commands. Members are in
 * members.test.ts, the daemon (admin socket) in daemon.test.ts.
 */

const EXAMPLE = path.join(ROOT, 'config/remailer.example.yaml');
const LIST = 'csirt@lists.test';

describe('cli: remailer init', function () {
  let cwd: string;
  before(() => {
    cwd = tmpDir('rmi-');
  });
  after(() => rmrf(cwd));

  const configFile = (): string => path.join(cwd, 'config/remailer.yaml');
  const passFile = (): string => path.join(cwd, 'keys/passphrase');

  it('creates config/remailer.yaml (the example), data/ and keys/ and a 0600 passphrase file', async () => {
    const r = await cli(['init'], { cwd });
    expectOk(r);
    expect(fs.readFileSync(configFile(), 'utf8')).to.equal(fs.readFileSync(EXAMPLE, 'utf8'));
    expect(fs.statSync(path.join(cwd, 'data')).isDirectory()).to.equal(true);
    expect(fs.statSync(path.join(cwd, 'keys')).isDirectory()).to.equal(true);
    expect(mode(passFile()).toString(8)).to.equal('600');
    const pass = fs.readFileSync(passFile(), 'utf8').trim();
    registerSecret(pass);
    expect(pass.length).to.be.at.least(32);
    expect(r.stdout).to.include(passFile());
    expect(r.stdout).to.include('wrote config');
  });

  it('a second run keeps an edited config and the passphrase, and says so', async () => {
    fs.appendFileSync(configFile(), '# edited by the administrator\n');
    const edited = fs.readFileSync(configFile(), 'utf8');
    const pass = fs.readFileSync(passFile(), 'utf8');
    const r = await cli(['init'], { cwd });
    expectOk(r);
    expect(r.stdout).to.match(/kept existing config .*remailer\.yaml/);
    expect(r.stdout).not.to.include('wrote config');
    expect(fs.readFileSync(configFile(), 'utf8')).to.equal(edited);
    expect(fs.readFileSync(passFile(), 'utf8')).to.equal(pass);
  });

  it('--force rewrites the config from the example but never replaces the passphrase', async () => {
    const pass = fs.readFileSync(passFile(), 'utf8');
    const r = await cli(['init', '--force'], { cwd });
    expectOk(r);
    expect(r.stdout).to.include('wrote config');
    expect(fs.readFileSync(configFile(), 'utf8')).to.equal(fs.readFileSync(EXAMPLE, 'utf8'));
    expect(fs.readFileSync(passFile(), 'utf8')).to.equal(pass);
  });

  it('then `list create` in that folder works with no passphrase in the environment (it reads the file)', async () => {
    const r = await cli(['list', 'create', LIST], { cwd });
    expectOk(r);
    const fpr = /fingerprint:\s+([0-9A-F]{40})/.exec(r.stdout)?.[1];
    expect(fpr).to.be.a('string');
    const keyFile = path.join(cwd, 'keys', `${LIST}.sec.asc`);
    const locked = await openpgp.readPrivateKey({ armoredKey: fs.readFileSync(keyFile, 'utf8') });
    const pass = fs.readFileSync(passFile(), 'utf8').trim();
    const unlocked = await openpgp.decryptKey({ privateKey: locked, passphrase: pass });
    expect(unlocked.getFingerprint().toUpperCase()).to.equal(fpr);
    // The relative default dataDir (./data) resolved against this cwd.
    expect(fs.existsSync(path.join(cwd, 'data/db'))).to.equal(true);
  });

  it('with $REMAILER_KEY_PASSPHRASE set, creates no passphrase file', async () => {
    const dir = tmpDir('rmi-');
    try {
      const r = await cli(['init'], { cwd: dir, env: { REMAILER_KEY_PASSPHRASE: registerSecret('env passphrase for init') } });
      expectOk(r);
      expect(r.stdout).to.include('passphrase is already configured');
      expect(fs.existsSync(path.join(dir, 'keys/passphrase'))).to.equal(false);
    } finally {
      rmrf(dir);
    }
  });
});

describe('cli: configuration errors exit 2 with one line naming the key', function () {
  let dir: string;
  before(() => {
    dir = tmpDir('rmcfg-');
  });
  after(() => rmrf(dir));

  const write = (name: string, text: string): string => {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    return p;
  };
  const good = (): string => write('good.yaml', `dataDir: ${path.join(dir, 'data')}\nkeysDir: ${path.join(dir, 'keys')}\n`);

  const cases: Array<[what: string, yaml: string, pattern: RegExp]> = [
    ['an unknown key', 'smtp:\n  prot: 1\n', /unknown key smtp\.prot/],
    ['an unknown top-level key', 'dataDri: ./x\n', /unknown key dataDri/],
    ['a wrong type', 'smtp:\n  port: "x"\n', /smtp\.port: expected number/],
    ['an out-of-range port', 'delivery:\n  port: 70000\n', /delivery\.port/],
    ['a bad duration', 'delivery:\n  retry: [soon]\n', /delivery\.retry\.0: "soon" is not a duration/],
    ['invalid YAML', 'smtp: [\n', /not valid YAML/],
    ['a list instead of a mapping', '- a\n- b\n', /must hold a mapping/],
  ];
  for (const [what, yaml, pattern] of cases) {
    it(`${what}`, async () => {
      const file = write(`bad-${what.replace(/\W+/g, '-')}.yaml`, yaml);
      const r = await cli(['list', 'ls', '--config', file], { cwd: dir });
      expectOneLineError(r, 2, pattern);
      expect(r.stderr).to.include(file);
    });
  }

  it('a --config file that does not exist', async () => {
    const r = await cli(['list', 'ls', '--config', path.join(dir, 'nope.yaml')], { cwd: dir });
    expectOneLineError(r, 2, /nope\.yaml: cannot read: no such file/);
  });

  it('a --config path that cannot be read (a directory)', async () => {
    const r = await cli(['list', 'ls', '--config', dir], { cwd: dir });
    expectOneLineError(r, 2, /cannot read/);
  });

  it('a --config file without read permission (skipped as root)', async function () {
    if (process.getuid?.() === 0) this.skip();
    const file = write('locked.yaml', 'smtp:\n  port: 1\n');
    fs.chmodSync(file, 0o000);
    const r = await cli(['list', 'ls', '--config', file], { cwd: dir });
    expectOneLineError(r, 2, /locked\.yaml: cannot read: permission denied/);
  });

  it('`serve` with an invalid config stops before starting, exit 2', async () => {
    const file = write('serve-bad.yaml', 'smtp:\n  prot: 2525\n');
    const r = await cli(['serve', '--config', file], { cwd: dir });
    expectOneLineError(r, 2, /unknown key smtp\.prot/);
  });

  it('$REMAILER_CONFIG is honoured', async () => {
    const bad = write('env-bad.yaml', 'log:\n  level: loud\n');
    const r = await cli(['list', 'ls'], { cwd: dir, env: { REMAILER_CONFIG: bad } });
    expectOneLineError(r, 2, /env-bad\.yaml: log\.level/);
  });

  it('--config wins over $REMAILER_CONFIG', async () => {
    const bad = write('env-bad2.yaml', 'smtp:\n  prot: 1\n');
    const r = await cli(['list', 'ls', '--json', '--config', good()], { cwd: dir, env: { REMAILER_CONFIG: bad } });
    expectOk(r);
    expect(JSON.parse(r.stdout)).to.deep.equal([]);
    expect(fs.existsSync(path.join(dir, 'data/db')), 'the good config\'s dataDir was used').to.equal(true);
  });

  it('config/remailer.yaml in the working directory is read when nothing else is given, and $REMAILER_CONFIG wins over it', async () => {
    const cwd = path.join(dir, 'site');
    write('site/config/remailer.yaml', 'smtp:\n  port: "x"\n');
    const r1 = await cli(['list', 'ls'], { cwd });
    expectOneLineError(r1, 2, /site\/config\/remailer\.yaml: smtp\.port/);
    const r2 = await cli(['list', 'ls', '--json'], { cwd, env: { REMAILER_CONFIG: good() } });
    expectOk(r2);
  });

  it('a usage error (unknown flag) is one line, exit 2', async () => {
    const r = await cli(['list', 'ls', '--bogus', '--config', good()], { cwd: dir });
    expectOneLineError(r, 2, /Unknown argument: bogus/);
  });

  it('an unexpected failure (dataDir is a file) is still one line without a stack trace', async () => {
    const notDir = write('not-a-dir', 'x');
    const cfg = write('notdir.yaml', `dataDir: ${notDir}\nkeysDir: ${path.join(dir, 'keys')}\n`);
    const r = await cli(['list', 'ls', '--config', cfg], { cwd: dir, env: { REMAILER_DEBUG: '' } });
    expect(r.code).to.be.oneOf([1, 2]);
    expect(lines(r.stderr)).to.have.length(1);
    expect(r.stderr).to.include(notDir);
  });
});

interface ListJson {
  address: string;
  name: string;
  fingerprint: string;
  owners: string[];
  members: number;
  createdAt: string;
}
interface ListDetailsJson extends ListJson {
  options: Record<string, string | number | boolean>;
  setOptions: string[];
}

describe('cli: remailer list', function () {
  let inst: Install;
  let fpr: string;
  before(() => {
    inst = new Install();
  });
  after(() => inst.remove());

  it('create prints the fingerprint (40 hex) and exits 0', async () => {
    const r = await inst.run(['list', 'create', LIST, '--name', 'CSIRT Test', '--owner', 'a@team-a.test', '--owner', 'B@Team-B.test']);
    expectOk(r);
    expect(r.stdout).to.include(`created list ${LIST}`);
    const m = /fingerprint:\s+([0-9A-F]{40})$/m.exec(r.stdout);
    expect(m, r.stdout).to.not.equal(null);
    fpr = m?.[1] ?? '';
  });

  it('the secret key file is mode 0600 and holds a passphrase-ENCRYPTED v4 private key', async () => {
    const file = inst.keyFile(LIST);
    expect(mode(file).toString(8)).to.equal('600');
    const armored = fs.readFileSync(file, 'utf8');
    expect(armored).to.match(/^-----BEGIN PGP PRIVATE KEY BLOCK-----/);
    const key = await openpgp.readPrivateKey({ armoredKey: armored });
    expect(key.getFingerprint().toUpperCase()).to.equal(fpr);
    expect(key.keyPacket.version).to.equal(4);
    expect(key.getKeys().map((k) => k.isDecrypted())).to.deep.equal([false, false]);
    await openpgp.decryptKey({ privateKey: key, passphrase: 'not the passphrase' }).then(
      () => expect.fail('a wrong passphrase unlocked the key'),
      () => undefined,
    );
    const unlocked = await openpgp.decryptKey({ privateKey: key, passphrase: inst.passphrase });
    expect(unlocked.isDecrypted()).to.equal(true);
  });

  it('create without any passphrase configured: exit 2 and a line telling how to configure one; nothing created', async () => {
    const bare = new Install({ passphrase: null });
    try {
      const r = await bare.run(['list', 'create', LIST]);
      expectOneLineError(r, 2, /REMAILER_KEY_PASSPHRASE/);
      expect(r.stderr).to.include('keys.passphraseFile');
      expect(r.stderr).to.include('remailer init');
      expect(fs.existsSync(bare.keyFile(LIST))).to.equal(false);
      expect(await bare.json<ListJson[]>(['list', 'ls'])).to.deep.equal([]);
    } finally {
      bare.remove();
    }
  });

  it('a duplicate create is refused (exit 1) and keeps the key', async () => {
    const before = fs.readFileSync(inst.keyFile(LIST), 'utf8');
    const r = await inst.run(['list', 'create', LIST]);
    expectOneLineError(r, 1, /already exists/);
    expect(fs.readFileSync(inst.keyFile(LIST), 'utf8')).to.equal(before);
  });

  for (const bad of ['not an address', 'nodomain', 'csirt+x@lists.test', 'csirt-owner@lists.test']) {
    it(`a bad list address is refused (exit 1): ${JSON.stringify(bad)}`, async () => {
      const r = await inst.run(['list', 'create', bad]);
      expectOneLineError(r, 1, /list address/);
    });
  }

  it('ls prints a table with the list', async () => {
    const r = await inst.run(['list', 'ls']);
    expectOk(r);
    const [header, row, ...rest] = lines(r.stdout);
    expect(header).to.match(/^ADDRESS\s+NAME\s+MEMBERS\s+FINGERPRINT\s+CREATED$/);
    expect(row).to.include(LIST).and.include(fpr).and.include('CSIRT Test');
    expect(rest).to.deep.equal([]);
  });

  it('ls --json has the stable fields', async () => {
    const ls = await inst.json<ListJson[]>(['list', 'ls']);
    expect(ls).to.have.length(1);
    const l = ls[0];
    if (!l) throw new Error('no list');
    expect(Object.keys(l).sort()).to.deep.equal(['address', 'createdAt', 'fingerprint', 'members', 'name', 'owners']);
    expect(l).to.deep.include({ address: LIST, name: 'CSIRT Test', fingerprint: fpr, members: 0 });
    expect(l.owners).to.deep.equal(['a@team-a.test', 'b@team-b.test']);
    expect(Math.abs(Date.parse(l.createdAt) - Date.now())).to.be.below(5 * 60_000);
  });

  it('show --json: every option with its default, setOptions, member count', async () => {
    const d = await inst.json<ListDetailsJson>(['list', 'show', LIST]);
    expect(d).to.include({ address: LIST, fingerprint: fpr, members: 0, name: 'CSIRT Test' });
    expect(d.options).to.include({ name: 'CSIRT Test', 'subject-prefix': '', 'max-tlp': 'TLP:AMBER+STRICT', 'require-tlp': true });
    expect(d.setOptions).to.deep.equal(['name']);
  });

  it('show prints settings, fingerprint and member count, marking defaults', async () => {
    const r = await inst.run(['list', 'show', LIST]);
    expectOk(r);
    expect(r.stdout).to.match(/^fingerprint:\s+[0-9A-F]{40}$/m);
    expect(r.stdout).to.match(/^members:\s+0$/m);
    expect(r.stdout).to.match(/^\s+max-tlp\s+TLP:AMBER\+STRICT\s+\(default\)$/m);
    expect(r.stdout).to.match(/^\s+name\s+CSIRT Test$/m);
  });

  it('set max-tlp red stores TLP:RED; set require-tlp no stores false', async () => {
    const r = await inst.run(['list', 'set', LIST, 'max-tlp', 'red']);
    expectOk(r);
    expect(r.stdout.trim()).to.equal(`${LIST}: max-tlp = TLP:RED`);
    expectOk(await inst.run(['list', 'set', LIST, 'require-tlp', 'no']));
    const d = await inst.json<ListDetailsJson>(['list', 'show', LIST]);
    expect(d.options['max-tlp']).to.equal('TLP:RED');
    expect(d.options['require-tlp']).to.equal(false);
    expect(d.setOptions).to.deep.equal(['max-tlp', 'name', 'require-tlp']);
  });

  it('set with an unknown option name is refused (exit 1) naming the valid ones', async () => {
    const r = await inst.run(['list', 'set', LIST, 'max-tpl', 'red']);
    expectOneLineError(r, 1, /unknown list option "max-tpl": valid options are .*max-tlp/);
  });

  it('set with an invalid value is refused (exit 1) and changes nothing', async () => {
    const r1 = await inst.run(['list', 'set', LIST, 'max-tlp', 'purple']);
    expectOneLineError(r1, 1, /max-tlp: invalid TLP label "purple"/);
    const r2 = await inst.run(['list', 'set', LIST, 'require-tlp', 'maybe']);
    expectOneLineError(r2, 1, /require-tlp: expected a boolean/);
    const d = await inst.json<ListDetailsJson>(['list', 'show', LIST]);
    expect(d.options['max-tlp']).to.equal('TLP:RED');
    expect(d.options['require-tlp']).to.equal(false);
  });

  it('show / set on an unknown list: exit 1', async () => {
    expectOneLineError(await inst.run(['list', 'show', 'nope@lists.test']), 1, /no list nope@lists\.test/);
    expectOneLineError(await inst.run(['list', 'set', 'nope@lists.test', 'max-tlp', 'red']), 1, /no list nope@lists\.test/);
  });

  it('key prints an armored public key that GnuPG imports (Ed25519 primary, Cv25519 subkey, user ID Name <address>)', async () => {
    const r = await inst.run(['list', 'key', LIST]);
    expectOk(r);
    expect(r.stdout).to.match(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect(r.stdout).not.to.include('PRIVATE');
    const home = tmpDir('rmg-');
    try {
      const imp = spawnSync('gpg', ['--homedir', home, '--batch', '--import'], { input: r.stdout, encoding: 'utf8' });
      expect(imp.status, imp.stderr).to.equal(0);
      expect(imp.stderr).to.match(/imported: 1/);
      const colons = execFileSync('gpg', ['--homedir', home, '--batch', '--with-colons', '--list-keys'], { encoding: 'utf8' });
      const rows = colons.split('\n').map((l) => l.split(':'));
      expect(rows.find((f) => f[0] === 'fpr')?.[9]).to.equal(fpr);
      expect(rows.find((f) => f[0] === 'pub')?.[3], 'EdDSA primary').to.equal('22');
      expect(rows.find((f) => f[0] === 'sub')?.[3], 'ECDH subkey').to.equal('18');
      expect(rows.find((f) => f[0] === 'uid')?.[9]).to.equal(`CSIRT Test <${LIST}>`);
    } finally {
      rmrf(home);
    }
  });

  it('delete without --yes: exit 2, the list stays', async () => {
    const r = await inst.run(['list', 'delete', LIST]);
    expectOneLineError(r, 2, /--yes/);
    expect((await inst.json<ListJson[]>(['list', 'ls'])).map((l) => l.address)).to.deep.equal([LIST]);
  });

  it('delete --yes: exit 0, the list is gone, its key is kept renamed (0600)', async () => {
    const r = await inst.run(['list', 'delete', LIST, '--yes']);
    expectOk(r);
    expect(r.stdout).to.include(`deleted list ${LIST}`);
    expect(await inst.json<ListJson[]>(['list', 'ls'])).to.deep.equal([]);
    expectOneLineError(await inst.run(['list', 'show', LIST]), 1, /no list/);
    expect(fs.existsSync(inst.keyFile(LIST))).to.equal(false);
    const retired = fs.readdirSync(inst.keysDir).filter((f) => f.startsWith(`${LIST}.sec.asc.deleted-`));
    expect(retired).to.have.length(1);
    expect(mode(path.join(inst.keysDir, retired[0] ?? '')).toString(8)).to.equal('600');
  });

  it('the address can be used again after delete', async () => {
    const again = await inst.createList(LIST);
    expect(again).to.not.equal(fpr);
  });
});
