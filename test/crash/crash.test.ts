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

const LIST = 'crash@lists.test';
const MEMBERS = 10;
const MESSAGES = 50;

/** Which original message a copy carries: decrypt it as its recipient would and read the marker. */
async function markerOf(raw: Buffer, member: TestMember): Promise<string> {
  const message = await openpgp.readMessage({ armoredMessage: armoredPart(raw) });
  const { data } = await openpgp.decrypt({ message, decryptionKeys: member.key, format: 'binary' });
  const m = /crash-test-message-(\d+)/.exec(Buffer.from(data).toString('utf8'));
  if (!m?.[1]) throw new Error('copy without a marker');
  return m[1];
}

describe('crash: SIGKILL in the middle of fan-out loses nothing that got a 250', function () {
  this.timeout(180_000);
  let dir: string;
  const sink = new Sink();
  let daemon: DaemonProcess | null = null;

  afterEach(async () => {
    if (daemon) await daemon.kill().catch(() => undefined);
    await sink.stop();
    rmrf(dir);
  });

  it('delivers every accepted message to every member after a restart, repeating only copies the smarthost was taking', async () => {
    dir = tmpDir('rmcrash-');
    // A smarthost that takes 10 ms per copy (a local Postfix writing its queue file): copies lag
    // behind acceptances, so the kill lands while
    // accepted messages still have copies to go (the restart must finish them).
    sink.delayMs = 10;
    await sink.start();
    // Four connections (not the default 16): at 10 ms per copy the fan-out then outlasts the kill
    // window; with 16 it often finished before the kill and there was nothing left to interrupt.
    const { file, config } = installConfig(dir, sink, '  maxConnections: 4');
    const { members, listKey } = await installList(config, LIST, MEMBERS, (i) => `m${i}@team${i}.test`);
    const byEmail = new Map(members.map((m) => [m.email, m]));

    // Build all messages first, so the daemon's fan-out is what the kill interrupts.
    const messages = await Promise.all(
      Array.from({ length: MESSAGES }, async (_, i) => {
        const sender = members[i % MEMBERS] as TestMember;
        const raw = await pgpMimeMessage(
          { from: { address: sender.email }, to: LIST, subject: `TLP:GREEN crash test ${i}`, text: `crash-test-message-${i}` },
          { encryptTo: [listKey], signer: sender.key },
        );
        return { i, sender, raw };
      }),
    );

    daemon = await startDaemonProcess(file, PASSPHRASE_ENV);
    const accepted = new Set<number>();
    let killed = false;
    const firstCopy = sink.waitFor(1, 60_000);
    // Four clients at once, as a busy MTA would deliver.
    const port = daemon.smtpPort;
    const queue = [...messages];
    const clients = Array.from({ length: 4 }, async () => {
      for (let m = queue.shift(); m; m = queue.shift()) {
        if (killed) return;
        const r = await submit(port, m.sender.email, LIST, m.raw);
        if (r.code === 250) accepted.add(m.i);
      }
    });
    // Kill on a timer after fan-out has started, not on a sink event (that would always land in
    // the one window where a duplicate is possible: the smarthost said 250, we have not recorded it).
    await firstCopy;
    await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 200)));
    killed = true;
    await daemon.kill();
    await Promise.allSettled(clients);
    const atKill = sink.messages.length;
    const expectedCopies = accepted.size * (MEMBERS - 1);
    expect(accepted.size, 'some messages were accepted before the kill').to.be.greaterThan(0);

    daemon = await startDaemonProcess(file, PASSPHRASE_ENV);
    expect(daemon.log()).to.match(/resumed=\d+/);
    await sink.waitFor(expectedCopies, 120_000);
    // Let anything extra (a duplicate, a message accepted without its 250 reaching us) arrive.
    await new Promise((r) => setTimeout(r, 2000));
    await daemon.stop();
    daemon = null;

    const seen = new Map<string, number>();
    for (const copy of sink.messages) {
      const rcpt = copy.rcptTo[0] ?? '';
      const member = byEmail.get(rcpt);
      if (!member) throw new Error(`copy to unknown recipient ${rcpt}`);
      const key = `${await markerOf(copy.raw, member)}|${rcpt}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const duplicates = [...seen.values()].reduce((n, c) => n + (c - 1), 0);
    let missing = 0;
    for (const i of accepted) {
      const sender = messages[i]?.sender;
      for (const m of members) {
        if (m === sender) continue;
        if (!seen.has(`${i}|${m.email}`)) missing++;
      }
    }
    // The report the issue asks for.
    console.log(
      `      crash report: ${accepted.size} messages got 250, ${atKill} copies before the kill, ${sink.messages.length} copies in all, ` +
        `missing ${missing}, duplicates ${duplicates}`,
    );
    expect(missing, 'copies of accepted messages that never arrived').to.equal(0);
    expect(sink.messages.length, 'the kill came in the middle of fan-out: the restart had copies left to send').to.be.greaterThan(atKill);
    // A duplicate is possible only for a copy the smarthost was taking when the process died: its
    // final "." was written (the kernel still delivers it), its 250 not yet read. That is the
    // smarthost's own storing time, which no client can shorten (RFC 1047); at most one copy per
    // pooled connection (delivery.maxConnections). Copies whose 250 was read are in the sent
    // journal and never repeated.
    expect(duplicates).to.be.at.most(config.delivery.maxConnections);
  });
});
