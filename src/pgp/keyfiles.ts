import fs from 'node:fs';
import path from 'node:path';
import { assertPrivateFileMode } from './list-key.js';

/** Where each list's secret key lives under keysDir. */
export function listKeyPath(keysDir: string, address: string): string {
  return path.join(keysDir, `${address}.sec.asc`);
}

/** A deleted list's key is kept (renamed, still 0600) so an accidental delete can be undone by hand. */
export function retiredKeyPath(keysDir: string, address: string, at: Date): string {
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  return path.join(keysDir, `${address}.sec.asc.deleted-${stamp}`);
}

/**
 * Every file under keysDir except its README holds secret material (keys, the passphrase):
 * refuse to run if any is readable by group or others.
 */
export async function assertKeysDirPrivate(keysDir: string): Promise<void> {
  if (!fs.existsSync(keysDir)) return;
  for (const entry of fs.readdirSync(keysDir, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name === 'README.md') continue;
    await assertPrivateFileMode(path.join(keysDir, entry.name));
  }
}
