import type { AuditLog } from '../audit/log.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { listName } from '../mime/list-message.js';
import { effectiveSubjectPrefix, withDefaults } from '../policy/options.js';
import type { ListMailer } from '../queue/list-mail.js';
import type { Queued } from '../queue/queue.js';
import type { ComcheckRunRecord, EnrollmentRecord, PingRecord } from '../store/comcheck-records.js';
import type { ListRecord, MemberRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { serviceAddress } from '../util/address.js';
import { pingMail, welcomeMail, type Mail } from './texts.js';
import { hashToken, newToken } from './tokens.js';

export interface OutboxDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  mailer: ListMailer;
  log: Logger;
}

const HOUR_MS = 3_600_000;

/**
 * Sends what the store says is due: pings of runs not yet sent, and welcomes to pending members.
 * Runs and enrollments are recorded first (by an admin operation, even with the daemon stopped);
 * this sends them. Each token is made here, just before its message is queued, and only its hash
 * is written: no token ever rests on disk outside the encrypted message.
 *
 * A crash between queueing a message and recording it sends that one again with a fresh token
 * (the first token then counts as unknown): a duplicate ping, never a lost one.
 */
/** How a list names itself in the mail it writes. */
function mailIdentity(list: ListRecord): { prefix: string; listName: string; listAddress: string; comcheckAddress: string } {
  const options = withDefaults(list.options);
  return {
    prefix: effectiveSubjectPrefix(options, list.address),
    listName: listName({ address: list.address, options }),
    listAddress: list.address,
    comcheckAddress: serviceAddress(list.address, 'comcheck'),
  };
}

export class Outbox {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly d: OutboxDeps) {}

  /** Send everything due for one list, or all lists. Calls are serialised, so nothing goes twice. */
  flush(list?: string): Promise<void> {
    const next = this.chain.then(async () => {
      const lists = list ? [await this.d.store.lists.get(list)] : await this.d.store.lists.all();
      for (const l of lists) {
        if (!l) continue;
        try {
          await this.flushList(l);
        } catch (err) {
          this.d.log.error('OUTBOX_FAILED', { list: l.address, error: err instanceof Error ? err.message : String(err) });
        }
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Resolves when nothing is being sent. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async flushList(list: ListRecord): Promise<void> {
    const members = new Map((await this.d.store.members.ofList(list.address)).map((m) => [m.email, m]));
    for (const run of await this.d.store.comchecks.runsOf(list.address)) {
      if (run.closedAt !== null) continue;
      const unsent = (await this.d.store.comchecks.pingsOf(list.address, run.id)).filter((p) => p.queuedAs === null);
      if (unsent.length > 0) await this.sendRun(list, run, unsent, members);
    }
    for (const e of await this.d.store.comchecks.enrollmentsOf(list.address)) {
      if (e.queuedAs === null) await this.sendWelcome(list, e, members.get(e.email));
    }
  }

  private async sendRun(list: ListRecord, run: ComcheckRunRecord, unsent: PingRecord[], members: Map<string, MemberRecord>): Promise<void> {
    const { store } = this.d;
    let current = run;
    if (current.sentAt === null) {
      // The window starts when the pings go out, not when the run was asked for with the daemon stopped.
      const now = this.d.clock.now();
      current = { ...run, sentAt: now.toISOString(), closesAt: new Date(now.getTime() + run.windowHours * HOUR_MS).toISOString() };
      await store.commit((tx) => {
        store.comchecks.putRun(tx, current);
      });
    }
    let sent = 0;
    for (const ping of unsent) {
      const member = members.get(ping.email);
      if (!member || member.status !== 'active') {
        // Removed, or back to pending, since the run started: not part of this run after all.
        const smaller: ComcheckRunRecord = { ...current, pinged: current.pinged - 1 };
        await store.commit((tx) => {
          store.comchecks.putRun(tx, smaller);
          store.comchecks.delPing(tx, ping);
        });
        current = smaller;
        continue;
      }
      await this.sendPing(list, current, ping, member);
      sent++;
    }
    const now = this.d.clock.now();
    await this.d.audit.record(list.address, 'comcheck', { action: 'ping-sent', runId: run.id, count: sent }, now);
    this.d.log.info('COMCHECK_SENT', { list: list.address, run: run.id, pings: sent, closes: current.closesAt });
  }

  /** A ping or a welcome: answered by replying to the com-check address, like any list mail otherwise. */
  private sendTokenMail(list: ListRecord, kind: 'comcheck' | 'welcome', member: MemberRecord, mail: Mail): Promise<Queued | null> {
    return this.d.mailer.send({
      list,
      kind,
      to: [member],
      subject: mail.subject,
      outerSubject: mail.outerSubject,
      text: mail.text,
      label: 'TLP:AMBER',
      autoSubmitted: 'auto-generated',
      replyTo: serviceAddress(list.address, 'comcheck'),
    });
  }

  private async sendPing(list: ListRecord, run: ComcheckRunRecord, ping: PingRecord, member: MemberRecord): Promise<void> {
    const { store } = this.d;
    const token = newToken('ping');
    const hash = hashToken(token);
    await store.commit((tx) => {
      if (ping.tokenHash) store.comchecks.delToken(tx, ping.tokenHash);
      store.comchecks.putToken(tx, hash, { v: 1, kind: 'ping', list: list.address, runId: run.id, email: ping.email });
      store.comchecks.putPing(tx, { ...ping, tokenHash: hash });
    });
    const mail = pingMail({
      ...mailIdentity(list),
      windowHours: run.windowHours,
      closesAt: run.closesAt ?? '',
      requireSigned: run.requireSigned,
      token,
    });
    const queued = await this.sendTokenMail(list, 'comcheck', member, mail);
    const now = this.d.clock.now();
    await store.commit((tx) => {
      store.comchecks.putPing(tx, { ...ping, tokenHash: hash, queuedAs: queued?.message.id ?? null, sentAt: now.toISOString() });
    });
  }

  private async sendWelcome(list: ListRecord, e: EnrollmentRecord, member: MemberRecord | undefined): Promise<void> {
    const { store } = this.d;
    if (!member || member.status !== 'pending' || member.fingerprint !== e.fingerprint) {
      // Confirmed, removed or re-keyed meanwhile: this welcome has nobody to go to.
      await store.commit((tx) => {
        store.comchecks.delEnrollment(tx, e);
      });
      return;
    }
    const token = newToken('welcome');
    const hash = hashToken(token);
    await store.commit((tx) => {
      if (e.tokenHash) store.comchecks.delToken(tx, e.tokenHash);
      store.comchecks.putToken(tx, hash, { v: 1, kind: 'welcome', list: list.address, email: e.email, fingerprint: e.fingerprint });
      store.comchecks.putEnrollment(tx, { ...e, tokenHash: hash });
    });
    const mail = welcomeMail({ ...mailIdentity(list), fingerprint: e.fingerprint, token });
    const queued = await this.sendTokenMail(list, 'welcome', member, mail);
    const now = this.d.clock.now();
    await this.d.audit.prepare(list.address);
    await store.commit((tx, undo) => {
      store.comchecks.putEnrollment(tx, { ...e, tokenHash: hash, queuedAs: queued?.message.id ?? null, sentAt: now.toISOString() });
      this.d.audit.append(tx, undo, list.address, 'comcheck', { action: 'welcome-sent', member: e.email, fingerprint: e.fingerprint }, now);
    });
    this.d.log.info('WELCOME_SENT', { list: list.address, member: e.email });
  }
}
