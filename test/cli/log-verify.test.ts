import { expect } from 'chai';
import { hashEntry, type ChainEntry } from '../../src/audit/chain.js';
import { Store } from '../../src/store/store.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { TestEnv } from '../helpers/env.js';
import type { TestMember } from '../helpers/keys.js';
import { pgpMimeMessage } from '../helpers/mail.js';
import { submit } from '../helpers/smtp.js';

/**
 * `remailer log verify` as an administrator runs it, on a log written by a real daemon run and then
 * edited in the LevelDB with the daemon stopped, the way someone with access to the disk would.
 */

const LIST = 'csirt@lists.test';

describe('cli: log verify catches a stored log entry that was altered or removed', function () {
  let env: TestEnv;
  let original: ChainEntry[];
  let head: string;

  const verify = (...extra: string[]): Promise<CliResult> => runCli(['log', 'verify', LIST, ...extra, '--config', env.file('remailer.yaml')]);

  /** Open the store with the daemon stopped, change it, close it again. */
  async function edit(fn: (store: Store) => Promise<void>): Promise<void> {
    const store = await Store.open(env.config.dataDir);
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }
  const restore = (): Promise<void> =>
    edit(async (s) => {
      const tx = s.tx();
      for (const e of (await s.audit.all(LIST)).filter((x) => !original.some((o) => o.seq === x.seq))) s.audit.del(tx, LIST, e.seq);
      for (const e of original) s.audit.put(tx, LIST, e);
      await tx.commit();
    });

  before(async () => {
    env = await TestEnv.start();
    const { listKey, members } = await env.listWithMembers(3);
    const [alice] = members as [TestMember];
    for (let i = 0; i < 3; i++) {
      const raw = await pgpMimeMessage(
        { from: { address: alice.email }, to: LIST, subject: `TLP:GREEN note ${i}`, text: 'x' },
        { encryptTo: [listKey], signer: alice.key },
      );
      expect((await submit(env.smtpPort, alice.email, LIST, raw)).code).to.equal(250);
    }
    await env.sink.waitFor(6);
    // 3 messages, each with a "sent" entry per recipient: 9 entries once all outcomes are written.
    const deadline = Date.now() + 10_000;
    while ((await env.daemon.store.audit.all(LIST)).length < 9 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    env.admin.close();
    await env.daemon.stop();
    await edit(async (s) => {
      original = await s.audit.all(LIST);
    });
    expect(original).to.have.length(9);
  });
  after(async () => env?.stop());
  afterEach(async () => restore());

  it('an untouched log: exit 0, "ok: N entries, head SEQ:HASH"', async () => {
    const r = await verify();
    expect(r.code, r.stderr).to.equal(0);
    const last = original[original.length - 1];
    head = `${last?.seq}:${last?.hash}`;
    expect(r.stdout).to.equal(`ok: 9 entries, head ${head}\n`);
    expect(r.stderr).to.equal('');
    const pinned = await verify('--pin', head);
    expect(pinned.code).to.equal(0);
    expect(pinned.stdout).to.equal(`ok: 9 entries, head ${head}\nthe pinned head matches\n`);
  });

  it('an altered entry: exit 1 naming it', async () => {
    await edit(async (s) => {
      const e = original[4];
      if (!e) throw new Error('no entry 5');
      await s.audit.put(s.tx(), LIST, { ...e, payload: { ...(e.payload as Record<string, unknown>), state: 'failed' } }).commit();
    });
    const r = await verify();
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('entry 5 was altered (content does not match its hash)\n');
  });

  it('a removed entry: exit 1 naming it', async () => {
    await edit(async (s) => {
      await s.audit.del(s.tx(), LIST, 3).commit();
    });
    const r = await verify();
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('entry 3 was removed (found 4 next)\n');
  });

  it('an entry rehashed after editing is caught where the link breaks', async () => {
    await edit(async (s) => {
      const e = original[1];
      if (!e) throw new Error('no entry 2');
      const changed = { ...e, payload: { ...(e.payload as Record<string, unknown>), recipient: 'mallory@evil.test' } };
      await s.audit.put(s.tx(), LIST, { ...changed, hash: hashEntry(changed) }).commit();
    });
    const r = await verify();
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/^entry 2 was altered \(entry 3 does not link to entry 2/);
  });

  it('a whole rewritten chain or a cut tail passes without a pin, and is caught with --pin', async () => {
    // Rewrite entry 2 and recompute every hash after it, as an attacker with the disk would.
    await edit(async (s) => {
      const tx = s.tx();
      let prev: ChainEntry | undefined = original[0];
      for (const e of original.slice(1)) {
        const payload = e.seq === 2 ? { ...(e.payload as Record<string, unknown>), state: 'failed' } : e.payload;
        const next: ChainEntry = { ...e, payload, prev: prev?.hash ?? '' };
        next.hash = hashEntry(next);
        s.audit.put(tx, LIST, next);
        prev = next;
      }
      await tx.commit();
    });
    expect((await verify()).code, 'without a pin the rewrite verifies: that is what --pin is for').to.equal(0);
    const pinned = await verify('--pin', head);
    expect(pinned.code).to.equal(1);
    expect(pinned.stdout).to.match(/^entry 9 was altered \(entry 9 differs from the pinned head/);

    await restore();
    await edit(async (s) => {
      await s.audit.del(s.tx(), LIST, 9).commit();
    });
    expect((await verify()).code).to.equal(0);
    const cut = await verify('--pin', head);
    expect(cut.code).to.equal(1);
    expect(cut.stdout).to.match(/^entry 9 was removed \(the log ends at 8 but the pinned head is entry 9/);
  });

  it('a malformed --pin is a usage error (exit 2)', async () => {
    const r = await verify('--pin', '9:nothex');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^remailer: --pin 9:nothex is not a head digest/);
  });
});
