import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../helpers/cli.js';

/**
 * `npm run demo` as a smoke test: the script runs against the built CLI (npm test builds first)
 * as a child process, must exit 0 within a minute, and must show the key moments.
 */
describe('e2e: the demo (npm run demo)', function () {
  this.timeout(90_000);

  it('runs to the end, exits 0, and shows the copies decrypting and the TLP:RED refusal', async () => {
    const t0 = Date.now();
    const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/demo.ts')], {
        cwd: ROOT,
        env: { ...process.env, REMAILER_CONFIG: '', REMAILER_KEY_PASSPHRASE: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 80_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
    });
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code, `exit code\n${r.out}\n${r.err}`).to.equal(0);
    expect(seconds, 'under a minute').to.be.lessThan(60);
    expect(r.out).to.match(/SMTP reply: 250 2\.0\.0 Ok: queued as \S+/);
    expect(r.out.match(/outer Subject: \[csirt\] TLP:AMBER \.\.\./g)).to.have.length(2);
    expect(r.out.match(/Subject: \[csirt\] TLP:AMBER Phishing wave against municipal webmail/g)).to.have.length(2);
    expect(r.out.match(/signature by list key: verified/g)).to.have.length(2);
    expect(r.out).to.include("SMTP reply: 550 5.7.1 TLP:RED is above this list's maximum TLP:AMBER+STRICT");
    expect(r.out).to.match(/\[7\/8\] The delivery log/);
    expect(r.out).to.match(/demo finished in [\d.]+ s: OK/);
    expect(r.err).to.equal('');
  });
});
