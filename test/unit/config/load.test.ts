import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { findConfigFile, loadConfig, parseConfig, type Config } from '../../../src/config/load.js';
import { ConfigError, EXIT_USAGE } from '../../../src/errors.js';
import { ROOT } from '../../helpers/cli.js';
import { rmrf, tmpDir } from '../../helpers/tmp.js';

const EXAMPLE = path.join(ROOT, 'config/remailer.example.yaml');
const MiB = 1024 * 1024;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config/load: where the file comes from', function () {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('rmu-');
  });
  afterEach(() => rmrf(dir));

  const write = (rel: string, text: string): string => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    return p;
  };

  it('--config wins over $REMAILER_CONFIG and config/remailer.yaml', () => {
    write('config/remailer.yaml', '');
    write('env.yaml', '');
    write('flag.yaml', '');
    expect(findConfigFile('flag.yaml', { REMAILER_CONFIG: 'env.yaml' }, dir)).to.equal(path.join(dir, 'flag.yaml'));
  });

  it('$REMAILER_CONFIG wins over config/remailer.yaml (relative to cwd)', () => {
    write('config/remailer.yaml', '');
    expect(findConfigFile(undefined, { REMAILER_CONFIG: 'env.yaml' }, dir)).to.equal(path.join(dir, 'env.yaml'));
  });

  it('an empty $REMAILER_CONFIG counts as unset', () => {
    write('config/remailer.yaml', '');
    expect(findConfigFile(undefined, { REMAILER_CONFIG: '' }, dir)).to.equal(path.join(dir, 'config/remailer.yaml'));
  });

  it('config/remailer.yaml when present, else null (built-in defaults)', () => {
    expect(findConfigFile(undefined, {}, dir)).to.equal(null);
    write('config/remailer.yaml', '');
    expect(findConfigFile(undefined, {}, dir)).to.equal(path.join(dir, 'config/remailer.yaml'));
  });

  it('loadConfig reads the file it found and records it as source', () => {
    const envFile = write('env.yaml', 'smtp:\n  port: 2600\n');
    const flagFile = write('flag.yaml', 'smtp:\n  port: 2700\n');
    write('config/remailer.yaml', 'smtp:\n  port: 2800\n');
    const viaFlag = loadConfig({ configPath: 'flag.yaml', env: { REMAILER_CONFIG: envFile }, cwd: dir });
    expect([viaFlag.smtp.port, viaFlag.source]).to.deep.equal([2700, flagFile]);
    const viaEnv = loadConfig({ env: { REMAILER_CONFIG: envFile }, cwd: dir });
    expect([viaEnv.smtp.port, viaEnv.source]).to.deep.equal([2600, envFile]);
    const viaCwd = loadConfig({ env: {}, cwd: dir });
    expect([viaCwd.smtp.port, viaCwd.source]).to.deep.equal([2800, path.join(dir, 'config/remailer.yaml')]);
    fs.rmSync(path.join(dir, 'config/remailer.yaml'));
    const none = loadConfig({ env: {}, cwd: dir });
    expect([none.smtp.port, none.source]).to.deep.equal([2525, null]);
  });

  it('a missing --config file is an error (not a silent fall-back to defaults)', () => {
    const e = configError(() => loadConfig({ configPath: 'missing.yaml', env: {}, cwd: dir }));
    expect(e.exitCode).to.equal(EXIT_USAGE);
    expect(e.message).to.equal(`config ${path.join(dir, 'missing.yaml')}: cannot read: no such file`);
  });

  it('invalid YAML and duplicate keys are one-line errors', () => {
    const bad = write('bad.yaml', 'smtp: [\n');
    expect(configError(() => loadConfig({ configPath: bad, env: {}, cwd: dir })).message).to.match(/^config .*bad\.yaml: not valid YAML: [^\n]+$/);
    const dup = write('dup.yaml', 'dataDir: a\ndataDir: b\n');
    expect(configError(() => loadConfig({ configPath: dup, env: {}, cwd: dir })).message).to.match(/dup\.yaml: not valid YAML/);
  });
});

describe('config/load: defaults', function () {
  const cwd = path.join(os.tmpdir(), 'remailer-cwd');
  let c: Config;
  before(() => {
    c = parseConfig({}, null, cwd);
  });

  it('dataDir ./data and keysDir ./keys resolved against the working directory', () => {
    expect(c.dataDir).to.equal(path.join(cwd, 'data'));
    expect(c.keysDir).to.equal(path.join(cwd, 'keys'));
  });

  it('passphrase file <keysDir>/passphrase, admin socket <dataDir>/remailer.sock', () => {
    expect(c.keys.passphraseFile).to.equal(null);
    expect(c.passphraseFile).to.equal(path.join(cwd, 'keys/passphrase'));
    expect(c.socketPath).to.equal(path.join(cwd, 'data/remailer.sock'));
  });

  it('smtp 127.0.0.1:2525, 25 MiB, hostname of this machine', () => {
    expect(c.smtp.host).to.equal('127.0.0.1');
    expect(c.smtp.port).to.equal(2525);
    expect(c.smtp.maxMessageBytes).to.equal(25 * MiB);
    expect(c.smtp.hostname).to.equal(os.hostname() || 'localhost');
  });

  it('delivery 127.0.0.1:25, no TLS, no auth, retry schedule 50s..1h in ms', () => {
    expect(c.delivery).to.deep.include({ host: '127.0.0.1', port: 25, secure: false, auth: null });
    expect(c.delivery.retry).to.deep.equal([50_000, 300_000, 600_000, 1_200_000, 2_400_000, 3_600_000]);
  });

  it('log level info, source null', () => {
    expect(c.log.level).to.equal('info');
    expect(c.source).to.equal(null);
  });
});

describe('config/load: values and validation', function () {
  const cwd = '/srv/remailer';

  it('relative paths resolve against the working directory, absolute ones stay', () => {
    const c = parseConfig(
      { dataDir: 'var/data', keysDir: '/etc/remailer/keys', keys: { passphraseFile: 'secret/pp' }, control: { socketPath: 'run/r.sock' } },
      '/etc/remailer/remailer.yaml',
      cwd,
    );
    expect(c.dataDir).to.equal('/srv/remailer/var/data');
    expect(c.keysDir).to.equal('/etc/remailer/keys');
    expect(c.passphraseFile).to.equal('/srv/remailer/secret/pp');
    expect(c.socketPath).to.equal('/srv/remailer/run/r.sock');
  });

  it('retry schedule: 30s, 5m, 2h, 1d and bare seconds', () => {
    const c = parseConfig({ delivery: { retry: ['30s', '5m', '2h', '1d', 90] } }, null, cwd);
    expect(c.delivery.retry).to.deep.equal([30_000, 300_000, 7_200_000, 86_400_000, 90_000]);
  });

  it('durations elsewhere (smtp.socketTimeout)', () => {
    expect(parseConfig({ smtp: { socketTimeout: '2m' } }, null, cwd).smtp.socketTimeout).to.equal(120_000);
  });

  it('a section given partly keeps the defaults of its other keys', () => {
    const c = parseConfig({ smtp: { port: 2600 }, delivery: { host: 'relay.example.org', auth: { user: 'u', pass: 'p' } } }, null, cwd);
    expect(c.smtp).to.deep.include({ host: '127.0.0.1', port: 2600, maxMessageBytes: 25 * MiB });
    expect(c.delivery).to.deep.include({ host: 'relay.example.org', port: 25, auth: { user: 'u', pass: 'p' } });
  });

  it('the example file (every key commented, so its sections are null) gives exactly the defaults', () => {
    const fromExample = loadConfig({ configPath: EXAMPLE, env: {}, cwd });
    const defaults = parseConfig({}, null, cwd);
    expect({ ...fromExample, source: null }).to.deep.equal(defaults);
    expect(fromExample.source).to.equal(EXAMPLE);
  });

  it('an empty file and a file of comments are the defaults', () => {
    const dir = tmpDir('rmu-');
    try {
      for (const text of ['', '# only a comment\n# dataDir: /elsewhere\n']) {
        fs.writeFileSync(path.join(dir, 'c.yaml'), text);
        const c = loadConfig({ configPath: 'c.yaml', env: {}, cwd: dir });
        expect({ ...c, source: null }).to.deep.equal(parseConfig({}, null, dir));
      }
    } finally {
      rmrf(dir);
    }
  });

  const bad: Array<[what: string, doc: unknown, message: RegExp]> = [
    ['unknown nested key', { smtp: { prot: 1 } }, /^config x\.yaml: unknown key smtp\.prot$/],
    ['unknown top-level key', { dataDri: 'x' }, /^config x\.yaml: unknown key dataDri$/],
    ['wrong type', { smtp: { port: 'x' } }, /^config x\.yaml: smtp\.port: expected number, received string$/],
    ['port out of range', { delivery: { port: 70000 } }, /^config x\.yaml: delivery\.port: /],
    ['not an integer', { smtp: { maxMessageBytes: 1.5 } }, /smtp\.maxMessageBytes/],
    ['bad duration', { delivery: { retry: ['soon'] } }, /delivery\.retry\.0: "soon" is not a duration/],
    ['empty retry schedule', { delivery: { retry: [] } }, /delivery\.retry/],
    ['bad log level', { log: { level: 'loud' } }, /log\.level/],
    ['bad hostname', { smtp: { hostname: 'a b' } }, /smtp\.hostname: must be a host name/],
    ['auth without user', { delivery: { auth: { pass: 'p' } } }, /delivery\.auth\.user/],
    ['a list at the top', ['a'], /must hold a mapping/],
    ['a scalar at the top', 'text', /must hold a mapping/],
  ];
  for (const [what, doc, message] of bad) {
    it(`refuses ${what} with one line naming the key (exit 2)`, () => {
      const e = configError(() => parseConfig(doc, 'x.yaml', cwd));
      expect(e.exitCode).to.equal(EXIT_USAGE);
      expect(e.message).to.match(message);
      expect(e.message).not.to.include('\n');
    });
  }
});
