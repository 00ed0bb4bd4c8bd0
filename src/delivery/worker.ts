import type { SessionKey } from 'openpgp';
import type { AuditLog } from '../audit/log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../log.js';
import type { RandomSource } from '../mime/index.js';
import { Readable } from 'node:stream';
import { assembleArmoredParts, wrapForRecipient } from '../pgp/fanout.js';
import type { PublicKeyCache } from '../pgp/key-cache.js';
import type { ListKeyring } from '../pgp/keyring.js';
import type { Wrapper } from '../pgp/wrap-threads.js';
import { retryDecision } from '../queue/backoff.js';
import { keyProblem } from '../queue/list-mail.js';
import type { SentJournal } from '../queue/sent-journal.js';
import type { Queued } from '../queue/queue.js';
import type { DeliveryKey } from '../store/deliveries.js';
import { FINAL_STATES, type DeliveryRecord, type DeliveryState, type MemberRecord, type MessageKind } from '../store/records.js';
import type { Store } from '../store/store.js';
import { TimeHeap } from '../util/heap.js';
import { classifyDelivery } from './classify.js';
import { ContextCache } from './context.js';
import type { OwnerNotices } from './notices.js';
import type { Smarthost } from './transport.js';
import { verpAddress } from './verp.js';

export interface WorkerDeps {
  store: Store;
  audit: AuditLog;
  keyring: ListKeyring;
  keys: PublicKeyCache;
  smarthost: Smarthost;
  notices: OwnerNotices;
  clock: Clock;
  config: Config;
  log: Logger;
  random: RandomSource;
  /** Math.random-like source for back-off jitter. */
  jitter?: () => number;
  /** Where a smarthost's 250 is noted synchronously, before the store update (see SentJournal). */
  journal?: SentJournal;
  /** Where session keys are wrapped (the daemon's wrap threads); on this thread when absent. */
  wrapper?: Wrapper;
}

/** Kinds of list mail a pending (unconfirmed) member still receives. */
const TO_PENDING_MEMBERS: readonly MessageKind[] = ['welcome', 'request-reply', 'key-warning'];

const dkey = (k: DeliveryKey): string => `${k.messageId}\x00${k.recipient}`;

/**
 * The parts of a copy as 64 KiB views: the SMTP client's dot-stuffing makes a new buffer for each
 * chunk it gets, so a 14 MiB part handed over whole would cost 14 MiB per copy in flight.
 */
const STREAM_ABOVE = 1024 * 1024;

function* slices(parts: readonly Buffer[], size = 64 * 1024): Generator<Buffer> {
  for (const p of parts) for (let i = 0; i < p.length; i += size) yield p.subarray(i, i + size);
}

/** How stale the worker's view of a list's members may get (changes through the CLI apply at once). */
const MEMBER_TTL_MS = 2000;

/**
 * The delivery worker: claims due deliveries in time order, makes each recipient's copy (one
 * public-key operation: wrap the shared session key), hands it to the smarthost and records the
 * outcome. At most `delivery.concurrency` copies are in flight, which bounds memory.
 *
 * Exactly-once as far as the store allows: the attempt is recorded (synced) before the hand-off and
 * the outcome right after; a crash in between repeats that one copy on restart.
 */
export class DeliveryWorker {
  private readonly heap = new TimeHeap<DeliveryKey>();
  /** Due time of each scheduled key; a heap item with another time is stale (rescheduled earlier). */
  private readonly scheduled = new Map<string, number>();
  /** Keys being delivered now: never run twice at once. */
  private readonly active = new Set<string>();
  /** Keys between the last cancellation check and the recorded outcome (the copy is with the smarthost). */
  private readonly handingOver = new Set<string>();
  /** Dropped by an operator while scheduled or being prepared: never handed over, nothing recorded. */
  private readonly cancelled = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly contexts: ContextCache;
  /** Deliveries of each message this worker has not yet seen become final: when none are left, the
   * store is asked once and the message's body is dropped. */
  private readonly open = new Map<string, Set<string>>();
  /** Delivery records as this worker last wrote them: the worker is their only writer while they
   * are pending (an operator's retry or drop goes through retryNow/cancel, which forget them). */
  private readonly records = new Map<string, DeliveryRecord>();
  /** Members per list, re-read at most every MEMBER_TTL_MS and at once after a change. */
  private readonly members = new Map<string, { at: number; byEmail: Map<string, MemberRecord> }>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private stopped = false;

  constructor(private readonly d: WorkerDeps) {
    this.contexts = new ContextCache(d.store, d.keyring, d.random);
  }

  /** Resume everything that was queued, sending or deferred when the daemon stopped. */
  async start(): Promise<number> {
    await this.applyJournal();
    const keys = await this.d.store.deliveries.pendingKeys();
    for (const k of keys) {
      const rec = await this.d.store.deliveries.get(k);
      if (!rec || FINAL_STATES.includes(rec.state)) continue;
      const at = rec.state === 'deferred' && rec.nextAttemptAt ? Date.parse(rec.nextAttemptAt) : 0;
      this.schedule(k, at);
    }
    this.pump();
    return keys.length;
  }

  /** Copies the previous run handed off but did not record: they went out, never send them again. */
  private async applyJournal(): Promise<void> {
    const journal = this.d.journal;
    if (!journal) return;
    for (const e of journal.read()) {
      const rec = await this.d.store.deliveries.get(e);
      if (!rec || FINAL_STATES.includes(rec.state)) continue;
      await this.finish(rec, 'sent', e.reply, null);
      this.d.log.info('SENT_RECOVERED', { id: e.messageId, to: e.recipient });
    }
    journal.open();
  }

  /** A message was just queued: keep its context in memory and start on its copies. */
  add(q: Queued, sessionKey: SessionKey, body: Uint8Array): void {
    this.reportSkipped(q);
    if (q.deliveries.every((d) => d.state !== 'queued')) return;
    for (const d of q.deliveries) if (d.state === 'queued') this.records.set(dkey(d), d);
    this.contexts.put(q.message, sessionKey, body);
    for (const d of q.deliveries) if (d.state === 'queued') this.schedule(d, 0);
    this.pump();
  }

  /**
   * Members skipped when the message was queued (their key expired or was revoked since
   * enrollment) get nothing: the daemon's log and the owners hear of it, as for a skip at delivery.
   */
  private reportSkipped(q: Queued): void {
    for (const d of q.deliveries) {
      if (d.state === 'skipped') this.reportSkip(d, q.message.kind, d.reason ?? 'skipped');
    }
  }

  /** A member got nothing: the daemon's log says so, and the owners hear of it (not of notices). */
  private reportSkip(d: DeliveryKey & { list: string }, kind: MessageKind, reason: string): void {
    this.d.log.warn('SKIPPED', { id: d.messageId, to: d.recipient, reason });
    if (kind !== 'notice') this.d.notices.report(d.list, `${d.recipient}: not sent, ${reason}`);
  }

  /** Operator retry: try these deliveries now, even those already scheduled for later. */
  retryNow(keys: readonly DeliveryKey[]): void {
    for (const k of keys) {
      this.records.delete(dkey(k));
      this.schedule(k, 0);
    }
    this.pump();
  }

  /**
   * Operator drop, called before the dropped records are written. A copy already with the
   * smarthost cannot be stopped: those keys are returned and their outcome is recorded as usual.
   * Every other key is never handed over by this worker again, and whatever it was about to record
   * for it is not written, so the operator's record stands.
   */
  cancel(keys: readonly DeliveryKey[]): DeliveryKey[] {
    const busy: DeliveryKey[] = [];
    for (const k of keys) {
      this.records.delete(dkey(k));
      if (this.handingOver.has(dkey(k))) busy.push(k);
      else {
        this.cancelled.add(dkey(k));
        // The operator's record makes it final: the message's last copy in flight may drop the body.
        this.open.get(k.messageId)?.delete(k.recipient);
      }
    }
    return busy;
  }

  get inFlight(): number {
    return this.running.size;
  }

  get backlog(): number {
    return this.heap.size;
  }

  private schedule(k: DeliveryKey, at: number): void {
    const id = dkey(k);
    let open = this.open.get(k.messageId);
    if (!open) this.open.set(k.messageId, (open = new Set()));
    open.add(k.recipient);
    const current = this.scheduled.get(id);
    if (current !== undefined && current <= at) return;
    this.scheduled.set(id, at);
    this.heap.push(at, k);
  }

  /** Start due work up to the concurrency limit; arm a timer for the next due item. */
  pump(): void {
    if (this.stopped) return;
    const now = this.d.clock.now().getTime();
    while (this.running.size < this.d.config.delivery.concurrency) {
      const at = this.heap.peekAt();
      if (at === undefined || at > now) break;
      const k = this.heap.pop();
      if (!k) break;
      const id = dkey(k);
      if (this.scheduled.get(id) !== at) continue;
      this.scheduled.delete(id);
      // Already being delivered: that run records the outcome and schedules what follows.
      if (this.active.has(id)) continue;
      this.active.add(id);
      const p: Promise<void> = this.deliver(k)
        .catch((err: unknown) => {
          this.d.log.error('DELIVERY_CRASHED', { id: k.messageId, to: k.recipient, error: err instanceof Error ? err.message : String(err) });
        })
        .finally(() => {
          this.active.delete(id);
          this.handingOver.delete(id);
          this.running.delete(p);
          this.pump();
        });
      this.running.add(p);
    }
    this.arm(now);
  }

  private arm(now: number): void {
    const next = this.heap.peekAt();
    if (next === undefined || this.running.size >= this.d.config.delivery.concurrency) return;
    if (this.timer && next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    // Timers are capped so a clock change or a far retry never leaves the worker asleep for days.
    const delay = Math.min(Math.max(0, next - now), 60_000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.pump();
    }, delay);
  }

  private async deliver(k: DeliveryKey): Promise<void> {
    const { store, clock, log } = this.d;
    const id = dkey(k);
    const rec = this.records.get(id) ?? (await store.deliveries.get(k));
    if (!rec || FINAL_STATES.includes(rec.state)) {
      this.records.delete(id);
      await this.settled(k);
      return;
    }
    const now = clock.now();
    if (rec.state === 'deferred' && rec.nextAttemptAt && Date.parse(rec.nextAttemptAt) > now.getTime()) {
      this.schedule(k, Date.parse(rec.nextAttemptAt));
      return;
    }
    const ctx = await this.contexts.get(rec.messageId);
    if (!ctx) {
      await this.finish(rec, 'failed', null, 'the queued message is missing from the store');
      return;
    }
    const member = await this.member(rec.list, rec.recipient, rec.fingerprint);
    if (!member) {
      await this.finish(rec, 'skipped', null, 'no longer a member of the list');
      return;
    }
    // A pending member receives only the mail that is about their own enrollment and key.
    if (member.status !== 'active' && !TO_PENDING_MEMBERS.includes(ctx.record.kind)) {
      await this.finish(rec, 'skipped', null, 'membership not confirmed');
      return;
    }
    const problem = await keyProblem(this.d.keys, member, now);
    if (problem) {
      await this.finish(rec, 'skipped', null, `${problem} (sent nothing; update the key with "remailer member update-key")`);
      this.reportSkip(rec, ctx.record.kind, problem);
      return;
    }

    // Count the attempt before the hand-off: a copy that crashes the daemon cannot loop forever.
    const attempt: DeliveryRecord = { ...rec, state: 'sending', attempts: rec.attempts + 1, updatedAt: now.toISOString() };
    await store.commit((tx) => {
      // Checked inside the build: builds run in commit order, so a drop is never overwritten.
      // `rec` is pending (checked above), so its index entry exists already.
      if (!this.cancelled.has(id)) store.deliveries.putStillPending(tx, attempt);
    });
    // Dropped meanwhile: nothing was written, and nothing is wrapped or handed over.
    if (this.cancelled.has(id)) return;
    this.records.set(id, attempt);

    let raw: Buffer | Readable;
    try {
      const key = await this.d.keys.get(member.fingerprint, member.publicKey);
      const pkesk = await wrapForRecipient(ctx.sessionKey, key, now, this.d.wrapper);
      const to = member.name ? { name: member.name, address: member.email } : member.email;
      // The copy as a stream of parts: the body's base64 is shared by every copy, never copied.
      const parts = ctx.outer(to, assembleArmoredParts(pkesk, ctx.body));
      // Small copies go as one buffer (one write to the socket); large ones as a stream of views.
      const size = parts.reduce((n, p) => n + p.length, 0);
      raw = size <= STREAM_ABOVE ? Buffer.concat(parts, size) : Readable.from(slices(parts), { objectMode: false });
    } catch (err) {
      // Never a plaintext fall-back: a copy that cannot be encrypted is not sent.
      await this.finish(attempt, 'skipped', null, `cannot encrypt to the member's key: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }

    if (this.cancelled.has(id)) return;
    this.handingOver.add(id);
    const result = await this.d.smarthost.send({ from: verpAddress(rec.list, rec.verp), to: rec.recipient, raw });
    const c = classifyDelivery(result);
    // No await between the 250 and this line: the duplicate window is as short as it can be.
    if (c.kind === 'sent') this.d.journal?.noteSent({ messageId: rec.messageId, recipient: rec.recipient, at: new Date().toISOString(), reply: c.reply });
    const after = this.d.clock.now();
    if (c.kind === 'sent') {
      await this.finish(attempt, 'sent', c.reply, null);
      this.d.journal?.persisted();
      log.info('SENT', { id: rec.messageId, to: rec.recipient, attempts: attempt.attempts });
    } else if (c.kind === 'permanent') {
      await this.finish(attempt, 'failed', c.reply, c.reply);
      log.warn('FAILED', { id: rec.messageId, to: rec.recipient, reply: c.reply });
      if (ctx.record.kind !== 'notice') this.d.notices.report(rec.list, `${rec.recipient}: delivery failed permanently: ${c.reply}`);
    } else {
      if (c.operatorError) log.error('SMARTHOST_SETUP', { reply: c.reply, rule: c.rule });
      const decision = retryDecision({
        firstQueuedAt: new Date(rec.createdAt),
        now: after,
        attempts: attempt.attempts,
        schedule: this.d.config.delivery.retry,
        maxQueueMs: this.d.config.delivery.maxQueueHours * 3_600_000,
        random: this.d.jitter ?? Math.random,
      });
      if (decision.kind === 'retry') {
        await this.persist(attempt, 'deferred', c.reply, null, decision.at.toISOString());
        this.schedule(k, decision.at.getTime());
        log.info('DEFERRED', { id: rec.messageId, to: rec.recipient, attempts: attempt.attempts, next: decision.at.toISOString(), reply: c.reply });
      } else {
        await this.finish(attempt, 'failed', c.reply, `${decision.reason}; last reply: ${c.reply}`);
        log.warn('EXPIRED', { id: rec.messageId, to: rec.recipient, reply: c.reply });
        if (ctx.record.kind !== 'notice') this.d.notices.report(rec.list, `${rec.recipient}: gave up: ${decision.reason}; last reply: ${c.reply}`);
      }
    }
  }

  /**
   * A member's current record. The cached view is used only when it agrees with the delivery (an
   * active member with the key the message was queued for); anything else (a member just confirmed,
   * a key just changed) is read again at once. A removal shows within MEMBER_TTL_MS at worst.
   */
  private async member(list: string, email: string, fingerprint: string): Promise<MemberRecord | undefined> {
    const now = Date.now();
    const cached = this.members.get(list);
    const hit = cached && now - cached.at <= MEMBER_TTL_MS ? cached.byEmail.get(email) : undefined;
    if (hit && hit.status === 'active' && hit.fingerprint === fingerprint) return hit;
    const all = await this.d.store.members.ofList(list);
    const fresh = { at: now, byEmail: new Map(all.map((m) => [m.email, m])) };
    this.members.set(list, fresh);
    return fresh.byEmail.get(email);
  }

  /** Members of a list changed (added, removed, key updated, confirmed): read them again. */
  membersChanged(list: string): void {
    this.members.delete(list);
  }

  private async finish(rec: DeliveryRecord, state: DeliveryState, reply: string | null, reason: string | null): Promise<void> {
    await this.persist(rec, state, reply, reason, null);
    await this.settled(rec);
  }

  /** A delivery is final: when its message has none left that this worker knows of, ask the store
   * once and drop the body if nothing is pending. */
  private async settled(k: DeliveryKey): Promise<void> {
    const open = this.open.get(k.messageId);
    open?.delete(k.recipient);
    if (open && open.size > 0) return;
    this.open.delete(k.messageId);
    if (!(await this.d.store.deliveries.hasPending(k.messageId))) {
      this.contexts.drop(k.messageId);
      await this.d.store.commit((tx) => {
        this.d.store.messages.dropBody(tx, k.messageId);
      });
    }
  }

  /** The new state and its log entry, in one synced write. */
  private async persist(
    rec: DeliveryRecord,
    state: DeliveryState,
    reply: string | null,
    reason: string | null,
    nextAttemptAt: string | null,
  ): Promise<void> {
    const now = this.d.clock.now();
    const updated: DeliveryRecord = {
      ...rec,
      state,
      updatedAt: now.toISOString(),
      nextAttemptAt,
      lastReply: reply ?? rec.lastReply,
      reason,
      sentAt: state === 'sent' ? now.toISOString() : rec.sentAt,
    };
    await this.d.audit.prepare(rec.list);
    await this.d.store.commit((tx, undo) => {
      // Dropped before the hand-off: the operator's "failed" is the record, not this.
      if (this.cancelled.has(dkey(rec))) return;
      this.d.store.deliveries.put(tx, updated);
      if (FINAL_STATES.includes(state)) this.records.delete(dkey(rec));
      else this.records.set(dkey(rec), updated);
      this.d.audit.append(
        tx,
        undo,
        rec.list,
        'delivery',
        { messageId: rec.messageId, recipient: rec.recipient, state, attempts: updated.attempts, reply, reason },
        now,
      );
    });
  }

  /** Stop claiming work and wait for copies in flight; what is not done stays queued on disk. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.running]);
    this.d.journal?.close();
    // The worker is the wrapper's only user, and nothing is in flight now.
    await this.d.wrapper?.close();
  }
}
