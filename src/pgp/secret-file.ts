/**
 * Files that hold secret key material: created 0600 and durably, never silently replaced, and
 * refused when anyone but the owner can read them (the ssh rule: a readable key is a leaked key).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as openpgp from 'openpgp';
import { RefusedError } from '../errors.js';
import { strictConfig } from './config.js';

export interface WriteSecretOptions {
  /** Replace an existing file. Off by default: overwriting a list key loses the list. */
  overwrite?: boolean;
}

/**
 * Writes `armored` to `path` with mode 0600: temp file in the same directory (0600 from the start,
 * so the secret is never briefly world-readable), fsync, then link/rename into place and fsync the
 * directory so the name survives a crash. Refuses to write a secret key that is not passphrase-protected.
 */
export async function writeSecretKeyFile(path: string, armored: string, options: WriteSecretOptions = {}): Promise<void> {
  await assertProtectedSecretKey(armored);
  await writePrivateFile(path, armored, options);
}

/** Any secret (a key, the passphrase): 0600 from the first byte, synced, never silently replaced. */
export async function writePrivateFile(path: string, armored: string, options: WriteSecretOptions = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    try {
      await fh.chmod(0o600);
      await fh.writeFile(armored, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.overwrite) {
      await rename(tmp, path);
    } else {
      // link() fails with EEXIST instead of replacing: an existing key is never clobbered.
      await link(tmp, path).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new RefusedError(`${path} already exists; refusing to overwrite a secret file (move it away first)`);
        }
        throw err;
      });
      await unlink(tmp);
    }
    await syncDirectory(dir);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Throws when group or others have any permission on `path` (or it is not a regular file). */
export async function assertPrivateFileMode(path: string): Promise<void> {
  const st = await stat(path);
  if (!st.isFile()) throw new RefusedError(`${path} is not a regular file`);
  const loose = st.mode & 0o077;
  if (loose !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
    throw new RefusedError(`${path} holds a secret key but is accessible by group or others (mode ${mode}); run: chmod 600 ${path}`);
  }
}

async function assertProtectedSecretKey(armored: string): Promise<void> {
  let key: openpgp.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: armored, config: strictConfig() });
  } catch {
    throw new RefusedError('refusing to write: the data is not an armored OpenPGP private key');
  }
  if (key.getKeys().some((k) => k.isDecrypted())) {
    throw new RefusedError('refusing to write a secret key that is not protected by a passphrase');
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const dh = await open(dir, constants.O_RDONLY);
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
