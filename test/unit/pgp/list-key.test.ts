import { expect } from 'chai';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import * as openpgp from 'openpgp';
import { RefusedError } from '../../../src/errors.js';
import {
  assertPrivateFileMode,
  generateListKey,
  loadListKey,
  writeSecretKeyFile,
  type GeneratedListKey,
} from '../../../src/pgp/list-key.js';
import { gpgHome, keyText, NOW, rejectsWith, runTool } from './helpers.js';

const PASSPHRASE = 'correct horse battery staple 7f3a';

describe('pgp/list-key', function () {
  // One key for the whole file: the passphrase S2K makes each generation and unlock cost ~0.1 s.
  let generated: GeneratedListKey;
  let dir: string;

  before(async () => {
    generated = await generateListKey({ name: 'CSIRT Example List', address: 'csirt@lists.example.org', passphrase: PASSPHRASE, now: NOW });
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'remailer-listkey-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('generateListKey', () => {
    it('makes a v4 Ed25519 (legacy) + Cv25519 key with the list user ID and no expiry', async () => {
      const key = await openpgp.readKey({ armoredKey: generated.armoredPublic });
      expect(generated.fingerprint).to.match(/^[0-9A-F]{40}$/).and.equal(key.getFingerprint().toUpperCase());
      expect(key.keyPacket.version).to.equal(4);
      expect(key.getAlgorithmInfo()).to.deep.equal({ algorithm: 'eddsaLegacy', curve: 'ed25519Legacy' });
      expect(key.subkeys.map((s) => s.getAlgorithmInfo())).to.deep.equal([{ algorithm: 'ecdh', curve: 'curve25519Legacy' }]);
      expect(key.getUserIDs()).to.deep.equal(['CSIRT Example List <csirt@lists.example.org>']);
      expect(await key.getExpirationTime()).to.equal(Infinity);
      expect(key.getCreationTime().toISOString()).to.equal(NOW.toISOString());
    });

    it('encrypts the secret key with the passphrase', async () => {
      const locked = await openpgp.readPrivateKey({ armoredKey: generated.armoredSecret });
      expect(locked.getKeys().every((k) => !k.isDecrypted())).to.equal(true);
      const unlocked = await openpgp.decryptKey({ privateKey: locked, passphrase: PASSPHRASE });
      expect(unlocked.isDecrypted()).to.equal(true);
    });

    it('refuses bad names, addresses and an empty passphrase', async () => {
      const base = { name: 'L', address: 'l@example.org', passphrase: 'x' };
      expect((await rejectsWith(generateListKey({ ...base, name: 'Evil <x@y>' }))).message).to.match(/list name/);
      expect((await rejectsWith(generateListKey({ ...base, address: 'not-an-address' }))).message).to.match(/not an e-mail address/);
      expect((await rejectsWith(generateListKey({ ...base, passphrase: '' }))).message).to.match(/passphrase must not be empty/);
    });

    it('is imported by GnuPG 2.2, public and secret (with the passphrase)', async () => {
      const home = await gpgHome();
      try {
        const pub = await home.gpg(['--status-fd', '1', '--import'], generated.armoredPublic);
        expect(pub.code, pub.stderr).to.equal(0);
        expect(pub.stdout.toString()).to.include(`IMPORT_OK 1 ${generated.fingerprint}`);
        const sec = await runTool('gpg', ['--homedir', home.dir, '--batch', '--pinentry-mode', 'loopback', '--passphrase', PASSPHRASE, '--status-fd', '1', '--import'], generated.armoredSecret);
        expect(sec.code, sec.stderr).to.equal(0);
        expect(sec.stdout.toString()).to.match(/IMPORT_OK \d+ /);
        const list = await home.gpg(['--with-colons', '--list-secret-keys', generated.fingerprint]);
        expect(list.stdout.toString()).to.match(/^sec:[^:]*:255:22:/m).and.match(/^ssb:[^:]*:255:18:/m);
      } finally {
        await home.close();
      }
    });

    it('is read by Sequoia', async () => {
      const file = join(dir, 'list.sec.asc');
      await writeFile(file, generated.armoredSecret);
      const res = await runTool('sq', ['inspect', file]);
      expect(res.code, res.stderr).to.equal(0);
      expect(res.stdout.toString()).to.include('Transferable Secret Key').and.include(generated.fingerprint).and.include('Secret key: Encrypted');
    });
  });

  describe('writeSecretKeyFile', () => {
    it('creates the file 0600 even under a permissive umask, and leaves no temp file', async () => {
      const path = join(dir, 'list.key');
      const old = process.umask(0o000);
      try {
        await writeSecretKeyFile(path, generated.armoredSecret);
      } finally {
        process.umask(old);
      }
      expect((await stat(path)).mode & 0o777).to.equal(0o600);
      expect(await readFile(path, 'utf8')).to.equal(generated.armoredSecret);
      expect(await readdir(dir)).to.deep.equal(['list.key']);
    });

    it('never replaces an existing key unless asked', async () => {
      const path = join(dir, 'list.key');
      await writeFile(path, 'old', { mode: 0o600 });
      const err = await rejectsWith(writeSecretKeyFile(path, generated.armoredSecret));
      expect(err).to.be.instanceOf(RefusedError);
      expect(err.message).to.match(/already exists; refusing to overwrite/);
      expect(await readFile(path, 'utf8')).to.equal('old');
      expect(await readdir(dir)).to.deep.equal(['list.key']);
      await writeSecretKeyFile(path, generated.armoredSecret, { overwrite: true });
      expect(await readFile(path, 'utf8')).to.equal(generated.armoredSecret);
    });

    it('refuses an unprotected secret key or something that is not a secret key', async () => {
      const path = join(dir, 'list.key');
      expect((await rejectsWith(writeSecretKeyFile(path, keyText('alice.sec.asc')))).message).to.match(/not protected by a passphrase/);
      expect((await rejectsWith(writeSecretKeyFile(path, generated.armoredPublic))).message).to.match(/not an armored OpenPGP private key/);
      expect(await readdir(dir)).to.deep.equal([]);
    });
  });

  describe('assertPrivateFileMode', () => {
    it('accepts 0600 and refuses any group/other bit, naming the file and the fix', async () => {
      const path = join(dir, 'k');
      await writeFile(path, 'x');
      await chmod(path, 0o600);
      await assertPrivateFileMode(path);
      for (const mode of [0o644, 0o640, 0o604, 0o601]) {
        await chmod(path, mode);
        const err = await rejectsWith(assertPrivateFileMode(path));
        expect(err.message).to.equal(
          `${path} holds a secret key but is accessible by group or others (mode ${mode.toString(8)}); run: chmod 600 ${path}`,
        );
      }
    });

    it('refuses a directory', async () => {
      const sub = join(dir, 'd');
      await mkdir(sub, { mode: 0o700 });
      expect((await rejectsWith(assertPrivateFileMode(sub))).message).to.match(/not a regular file/);
    });
  });

  describe('loadListKey', () => {
    it('unlocks the key written by writeSecretKeyFile', async () => {
      const path = join(dir, 'list.key');
      await writeSecretKeyFile(path, generated.armoredSecret);
      const key = await loadListKey(path, PASSPHRASE);
      expect(key.isDecrypted()).to.equal(true);
      expect(key.getFingerprint().toUpperCase()).to.equal(generated.fingerprint);
    });

    it('refuses a world-readable file before reading it', async () => {
      const path = join(dir, 'list.key');
      await writeFile(path, generated.armoredSecret, { mode: 0o644 });
      await chmod(path, 0o644);
      expect((await rejectsWith(loadListKey(path, PASSPHRASE))).message).to.match(/chmod 600/);
    });

    it('refuses unprotected and non-key files', async () => {
      const path = join(dir, 'list.key');
      await writeFile(path, keyText('alice.sec.asc'), { mode: 0o600 });
      expect((await rejectsWith(loadListKey(path, ''))).message).to.match(/not protected by a passphrase/);
      await writeFile(path, 'garbage', { mode: 0o600 });
      expect((await rejectsWith(loadListKey(path, PASSPHRASE))).message).to.match(/does not hold an armored OpenPGP private key/);
    });

    it('reports a wrong passphrase clearly and never repeats the passphrase', async () => {
      const path = join(dir, 'list.key');
      await writeSecretKeyFile(path, generated.armoredSecret);
      const wrong = `${PASSPHRASE}-but-wrong`;
      const err = await rejectsWith(loadListKey(path, wrong));
      expect(err).to.be.instanceOf(RefusedError);
      expect(err.message).to.equal(`cannot unlock the list key in ${path}: wrong passphrase`);
      const everything = `${String(err)} ${err.stack ?? ''} ${inspect(err, { depth: 5 })}`;
      expect(everything).not.to.include(wrong);
      expect(everything).not.to.include(PASSPHRASE);
    });
  });
});
