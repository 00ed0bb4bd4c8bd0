import type { AuditLog } from '../audit/log.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Reply } from '../pipeline/types.js';
import { withDefaults } from '../policy/options.js';
import type { DeliveryRecord, ListRecord, MemberRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { parseBounce, type BounceRecipient } from './bounce.js';
import type { OwnerNotices } from './notices.js';

/**
 * Mail to a VERP address `<local>-bounces+<token>@<domain>`. The token (from the envelope, never
 * the body) names one delivery. A hard bounce marks that delivery bounced and counts against the
 * member; soft bounces and auto-replies are only logged. Bounces are always answered 250: an MTA
 * drops a refused DSN, and refusing one would create a bounce of a bounce. Nothing here is ever
 * distributed to the list.
 */
export class BounceHandler {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    private readonly notices: OwnerNotices,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async handle(raw: Uint8Array, token: string, list: ListRecord): Promise<Reply> {
    const ok: Reply = { code: 250, enhanced: '2.0.0', text: 'Bounce received' };
    const delivery = await this.store.deliveries.byVerp(token);
    if (!delivery || delivery.list !== list.address) {
      this.log.info('BOUNCE_UNMATCHED', { list: list.address, token });
      return ok;
    }
    const report = parseBounce(raw);
    const now = this.clock.now();
    const first: BounceRecipient | undefined = report.recipients[0];
    await this.audit.prepare(list.address);
    if (report.kind !== 'hard') {
      await this.audit.record(
        list.address,
        'bounce',
        {
          messageId: delivery.messageId,
          recipient: delivery.recipient,
          kind: report.kind,
          status: first?.status ?? null,
          diagnostic: first?.diagnostic ?? null,
        },
        now,
      );
      this.log.info('BOUNCE_IGNORED', { list: list.address, id: delivery.messageId, to: delivery.recipient, kind: report.kind });
      return ok;
    }
    if (delivery.state === 'bounced') {
      // The same bounce twice (or two reports about one copy) counts once.
      this.log.info('BOUNCE_REPEATED', { list: list.address, id: delivery.messageId, to: delivery.recipient });
      return ok;
    }
    const member = await this.store.members.get(list.address, delivery.recipient);
    const reason = first?.diagnostic ?? first?.status ?? 'bounced';
    const updated: DeliveryRecord = {
      ...delivery,
      state: 'bounced',
      updatedAt: now.toISOString(),
      nextAttemptAt: null,
      reason: `bounced: ${reason}`,
    };
    const counted: MemberRecord | undefined = member ? { ...member, bounceCount: member.bounceCount + 1 } : undefined;
    await this.store.commit((tx, undo) => {
      this.store.deliveries.put(tx, updated);
      if (counted) this.store.members.put(tx, counted);
      this.audit.append(
        tx,
        undo,
        list.address,
        'bounce',
        { messageId: delivery.messageId, recipient: delivery.recipient, kind: 'hard', status: first?.status ?? null, diagnostic: first?.diagnostic ?? null },
        now,
      );
      this.audit.append(
        tx,
        undo,
        list.address,
        'delivery',
        { messageId: delivery.messageId, recipient: delivery.recipient, state: 'bounced', attempts: delivery.attempts, reply: delivery.lastReply, reason: updated.reason },
        now,
      );
    });
    this.log.warn('BOUNCED', { list: list.address, id: delivery.messageId, to: delivery.recipient, status: first?.status ?? null });
    const threshold = withDefaults(list.options)['bounce-threshold'];
    if (counted && counted.bounceCount === threshold) {
      this.notices.report(
        list.address,
        `${counted.email} has now bounced ${counted.bounceCount} times (bounce-threshold ${threshold}); last: ${reason}. Check the address with the member.`,
      );
    } else {
      this.notices.report(list.address, `${delivery.recipient}: a copy bounced: ${reason}`);
    }
    return ok;
  }
}
