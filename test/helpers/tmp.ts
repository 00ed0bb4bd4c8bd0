import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temporary folder per test; short paths so Unix socket paths stay under the limit. */
export function tmpDir(prefix = 'rm-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmrf(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Write a config file for a test installation rooted at dir; returns its path. */
export function writeConfig(dir: string, extra: string = ''): string {
  const file = path.join(dir, 'remailer.yaml');
  fs.writeFileSync(
    file,
    [`dataDir: ${path.join(dir, 'data')}`, `keysDir: ${path.join(dir, 'keys')}`, extra].filter(Boolean).join('\n') + '\n',
  );
  return file;
}
