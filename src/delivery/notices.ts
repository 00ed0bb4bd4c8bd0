import type { Logger } from '../log.js';
import type { ListMailer } from '../queue/list-mail.js';
import type { ListRecord, MemberRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

/** The members who receive a list's notices: owners with an enrolled key who are active. */
export function ownersOf(list: ListRecord, members: readonly MemberRecord[]): MemberRecord[] {
  return members.filter((m) => m.status === 'active' && (m.role === 'owner' || list.owners.includes(m.email)));
}

/**
 * Notices to list owners (permanent failures, skipped members, bounce thresholds). Lines are
 * collected per list for a short while and sent as one encrypted message, so an outage that fails
 * a hundred copies produces one notice, not a hundred.
 */
export class OwnerNotices {
  private readonly pending = new Map<string, string[]>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly mailer: () => ListMailer,
    private readonly log: Logger,
    private readonly delayMs = 30_000,
  ) {}

  report(list: string, line: string): void {
    const lines = this.pending.get(list) ?? [];
    if (lines.length < 500) lines.push(line);
    this.pending.set(list, lines);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.delayMs);
      this.timer.unref();
    }
  }

  /** Send what was collected now (tests, shutdown). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = [...this.pending.entries()];
    this.pending.clear();
    this.flushing = this.flushing.then(async () => {
      for (const [address, lines] of batch) {
        try {
          const list = await this.store.lists.get(address);
          if (!list) continue;
          const owners = ownersOf(list, await this.store.members.ofList(address));
          if (owners.length === 0) {
            this.log.warn('NOTICE_UNDELIVERABLE', { list: address, reason: 'no owner with an enrolled key', lines: lines.length });
            continue;
          }
          await this.mailer().send({
            list,
            kind: 'notice',
            to: owners,
            subject: `Delivery notice for ${address}`,
            label: 'TLP:AMBER',
            autoSubmitted: 'auto-generated',
            text: [`Notice from ${address} to its owners:`, '', ...lines.map((l) => `- ${l}`), ''].join('\n'),
          });
        } catch (err) {
          this.log.error('NOTICE_FAILED', { list: address, error: err instanceof Error ? err.message : String(err) });
        }
      }
    });
    return this.flushing;
  }

  stop(): Promise<void> {
    return this.flush();
  }
}
