import type { AuditLog } from '../audit/log.js';
import type { Clock } from '../clock.js';
import { ownersOf } from '../delivery/notices.js';
import type { Logger } from '../log.js';
import { groupFingerprint, listName } from '../mime/list-message.js';
import { effectiveSubjectPrefix, withDefaults } from '../policy/options.js';
import type { ListMailer } from '../queue/list-mail.js';
import type { ListRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { serviceAddress } from '../util/address.js';
import { dueExpiryWarning, EXPIRED } from './expiry.js';
import { expiryWarningMail, ownerNoticeMail } from './texts.js';

export interface ExpiryWatchDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  mailer: ListMailer;
  log: Logger;
}

/**
 * The daily key-expiry watch: each member whose key expires within 30 (then 7) days gets one
 * encrypted warning per threshold, and the owners one notice per list listing them; a key that has
 * expired is reported to the owners once (the member can no longer be written to: the delivery
 * worker skips expired keys, never falling back to plain text). What was sent is recorded per key
 * fingerprint, so `member update-key` starts afresh. Returns the number of warnings recorded.
 */
export async function runExpiryWatch(d: ExpiryWatchDeps, now: Date = d.clock.now()): Promise<number> {
  let total = 0;
  for (const list of await d.store.lists.all()) {
    try {
      total += await watchList(d, list, now);
    } catch (err) {
      d.log.error('EXPIRY_WATCH_FAILED', { list: list.address, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return total;
}

async function watchList(d: ExpiryWatchDeps, list: ListRecord, now: Date): Promise<number> {
  const options = withDefaults(list.options);
  const ident = { prefix: effectiveSubjectPrefix(options, list.address), listName: listName({ address: list.address, options }), listAddress: list.address };
  const members = await d.store.members.ofList(list.address);
  const ownerLines: string[] = [];
  let count = 0;
  for (const m of members) {
    const sent = (await d.store.comchecks.warningsOf(list.address, m.email)).filter((w) => w.fingerprint === m.fingerprint).map((w) => w.threshold);
    const due = dueExpiryWarning(m.keyExpires === null ? null : new Date(m.keyExpires), now, sent);
    if (!due || m.keyExpires === null) continue;
    const who = `${m.email}${m.name ? ` (${m.name}${m.team ? `, ${m.team}` : ''})` : ''}`;
    if (due.threshold === EXPIRED) {
      ownerLines.push(`${who}: key ${groupFingerprint(m.fingerprint)} expired on ${m.keyExpires.slice(0, 10)}; they receive no list mail until "remailer member update-key"`);
    } else {
      const mail = expiryWarningMail({ ...ident, requestAddress: serviceAddress(list.address, 'request'), fingerprint: m.fingerprint, expires: m.keyExpires, daysLeft: due.daysLeft });
      await d.mailer.send({ list, kind: 'key-warning', to: [m], ...mail, label: 'TLP:AMBER', autoSubmitted: 'auto-generated', replyTo: serviceAddress(list.address, 'request') });
      ownerLines.push(`${who}: key ${groupFingerprint(m.fingerprint)} expires on ${m.keyExpires.slice(0, 10)} (in ${due.daysLeft} days); the member was warned`);
    }
    await d.audit.prepare(list.address);
    await d.store.commit((tx, undo) => {
      for (const threshold of due.record) {
        d.store.comchecks.putWarning(tx, { v: 1, list: list.address, email: m.email, fingerprint: m.fingerprint, threshold, at: now.toISOString() });
      }
      d.audit.append(tx, undo, list.address, 'comcheck', { action: 'expiry-warning', member: m.email, fingerprint: m.fingerprint, count: due.threshold }, now);
    });
    d.log.info('KEY_EXPIRY_WARNING', { list: list.address, member: m.email, threshold: due.threshold, expires: m.keyExpires });
    count++;
  }
  if (ownerLines.length > 0) {
    const owners = ownersOf(list, members);
    if (owners.length === 0) d.log.warn('NOTICE_UNDELIVERABLE', { list: list.address, reason: 'no owner with an enrolled key', lines: ownerLines.length });
    else {
      const mail = ownerNoticeMail({ prefix: ident.prefix, listAddress: list.address, title: 'Member keys expiring', lines: ownerLines });
      await d.mailer.send({ list, kind: 'notice', to: owners, ...mail, label: 'TLP:AMBER', autoSubmitted: 'auto-generated', replyTo: serviceAddress(list.address, 'owner') });
    }
  }
  return count;
}
