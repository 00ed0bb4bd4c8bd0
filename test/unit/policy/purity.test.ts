import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The design keeps policy/ pure: it may import only itself and node-cron's validate.
describe('policy/: imports', () => {
  const dir = fileURLToPath(new URL('../../../src/policy/', import.meta.url));
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    it(`${file} imports only policy/ modules and node-cron`, () => {
      const source = readFileSync(dir + file, 'utf8');
      const specifiers = [...source.matchAll(/\b(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1] ?? '');
      for (const s of specifiers) expect(s, file).to.match(/^(\.\/[a-z-]+\.js|node-cron)$/);
      if (source.includes("'node-cron'")) expect(source).to.match(/import \{ validate as validateCron \} from 'node-cron';/);
    });
  }
});
