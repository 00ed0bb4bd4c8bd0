import { expect } from 'chai';
import * as openpgp from 'openpgp';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon.js';
import { PASSPHRASE_ENV } from '../helpers/env.js';
import { installConfig, installList } from '../helpers/install.js';
import type { TestMember } from '../helpers/keys.js';
import { armoredPart, pgpMimeMessage } from '../helpers/mail.js';
import { Sink } from '../helpers/sink.js';
import { submit } from '../helpers/smtp.js';
import { rmrf, tmpDir } from '../helpers/tmp.js';

const LIST = 'drain@lists.test';

describe('graceful shutdown: SIGTERM under load loses nothing', function () {
  this.timeout(120_000);
  let dir: string;
  const sink = new Sink();
  let daemon: DaemonProcess | null = null;

  afterEach(async () => {
    if (daemon) await daemon.kill().catch(() => undefined);
    await sink.stop();
    rmrf(dir);
  });

  it('exits 0 while mail is arriving and being delivered; after a restart every accepted message arrives exactly once', async () => {
    dir = tmpDir('rmterm-');
    await sink.start();
    const { file, config } = installConfig(dir, sink);
    const { members, listKey } = await installList(config, LIST, 6, (i) => `t${i}@team${i}.test`);
    const msgs = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const sender = members[i % members.length] as TestMember;
        return {
          i,
          sender,
          raw: await pgpMimeMessage(
            { from: { address: sender.email }, to: LIST, subject: `TLP:CLEAR drain ${i}`, text: `drain-message-${i}` },
            { encryptTo: [listKey], signer: sender.key },
          ),
        };
      }),
    );
    daemon = await startDaemonProcess(file, PASSPHRASE_ENV);
    const port = daemon.smtpPort;
    const accepted = new Set<number>();
    const queue = [...msgs];
    let stop = false;
    const clients = Array.from({ length: 3 }, async () => {
      for (let m = queue.shift(); m && !stop; m = queue.shift()) {
        const r = await submit(port, m.sender.email, LIST, m.raw);
        if (r.code === 250) accepted.add(m.i);
      }
    });
    await sink.waitFor(5);
    const exit = await daemon.stop('SIGTERM');
    stop = true;
    await Promise.allSettled(clients);
    expect(exit, daemon.log()).to.equal(0);
    expect(daemon.log()).to.match(/INFO STOPPED/);
    daemon = await startDaemonProcess(file, PASSPHRASE_ENV);
    await sink.waitFor(accepted.size * (members.length - 1), 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    await daemon.stop();
    daemon = null;

    const byEmail = new Map(members.map((m) => [m.email, m]));
    const counts = new Map<string, number>();
    for (const copy of sink.messages) {
      const to = copy.rcptTo[0] ?? '';
      const member = byEmail.get(to);
      if (!member) throw new Error(`unexpected recipient ${to}`);
      const message = await openpgp.readMessage({ armoredMessage: armoredPart(copy.raw) });
      const { data } = await openpgp.decrypt({ message, decryptionKeys: member.key, format: 'binary' });
      const n = /drain-message-(\d+)/.exec(Buffer.from(data).toString())?.[1] ?? '?';
      counts.set(`${n}|${to}`, (counts.get(`${n}|${to}`) ?? 0) + 1);
    }
    for (const i of accepted) {
      for (const m of members) {
        if (m === msgs[i]?.sender) continue;
        expect(counts.get(`${i}|${m.email}`), `message ${i} to ${m.email}`).to.equal(1);
      }
    }
    const dupes = [...counts.values()].filter((c) => c > 1).length;
    expect(dupes, 'a graceful stop finishes what it sent: no duplicates').to.equal(0);
  });
});
