import type { ComcheckEvent } from '../audit/events.js';
import type { Envelope, Reply } from '../pipeline/types.js';
import type { PingRecord, TokenRef } from '../store/comcheck-records.js';
import type { ListRecord, MemberRecord } from '../store/records.js';
import { judgeReply, type TokenTarget } from './match.js';
import { malformedReply, readServiceMessage, RECEIVED, TEMPFAIL, type ServiceDeps, type ServiceMessage } from './service-read.js';
import { findTokens, hashToken } from './tokens.js';

interface Resolved {
  target: TokenTarget;
  ref: TokenRef | undefined;
  ping: PingRecord | undefined;
}

/**
 * Mail to `<list>-comcheck@<domain>`: replies to com-check pings and to enrollment welcomes. Never
 * distributed. Everything is answered 250 (it is not a post, and refusing would only produce
 * bounces towards addresses that may be forged), except malformed input (554, as for posts).
 * What a reply meant is recorded in the list's log.
 */
export class ComcheckReplies {
  /** Replies are decided one at a time, so two copies of one reply cannot both count. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: ServiceDeps) {}

  async handle(raw: Buffer, env: Envelope, list: ListRecord): Promise<Reply> {
    const msg = await readServiceMessage(this.d, raw, env.mailFrom, list);
    if (!msg) return TEMPFAIL;
    if (msg.read.malformed !== null) {
      await this.ignored(list, msg, 'malformed');
      return malformedReply(msg.read.malformed);
    }
    const next = this.chain.then(() => this.apply(list, env, msg));
    this.chain = next.catch(() => undefined);
    await next;
    return RECEIVED;
  }

  private async resolve(list: string, token: string): Promise<Resolved> {
    const ref = await this.d.store.comchecks.token(hashToken(token));
    if (!ref || ref.list !== list) return { target: { kind: 'unknown' }, ref: undefined, ping: undefined };
    if (ref.kind === 'welcome') return { target: { kind: 'welcome', email: ref.email, fingerprint: ref.fingerprint }, ref, ping: undefined };
    const ping = await this.d.store.comchecks.getPing(list, ref.runId, ref.email);
    const run = await this.d.store.comchecks.getRun(list, ref.runId);
    if (!ping || !run) return { target: { kind: 'unknown' }, ref: undefined, ping: undefined };
    return {
      target: { kind: 'ping', email: ping.email, state: ping.state, closesAt: run.closesAt, requireSigned: run.requireSigned },
      ref,
      ping,
    };
  }

  private async apply(list: ListRecord, env: Envelope, msg: ServiceMessage): Promise<void> {
    const { store, audit, log } = this.d;
    // Looked up inside the queue: a reply decided just before this one is already on disk.
    const resolved = await Promise.all(findTokens(msg.read.texts).map((t) => this.resolve(list.address, t)));
    // The member as now stored: a key replaced since the message was read no longer vouches for it.
    const member = msg.member ? await store.members.get(list.address, msg.member.email) : undefined;
    const signedByMember = msg.signedByMember && member?.fingerprint === msg.member?.fingerprint;
    const j = judgeReply({
      fromAddress: msg.fromAddress,
      envelopeFrom: env.mailFrom,
      automatic: msg.automatic,
      member,
      signedByMember,
      tokens: resolved.map((r) => r.target),
      now: msg.now,
    });
    const at = msg.now.toISOString();
    const signer = msg.signature.status === 'valid' ? msg.signature.fingerprint : null;
    const events: ComcheckEvent[] = [];
    const pings: PingRecord[] = [];
    let confirmed: MemberRecord | null = null;
    if (j.ignored !== null) events.push({ action: 'reply-ignored', member: msg.fromAddress, reason: j.ignored });
    for (const [i, o] of j.tokens.entries()) {
      const r = resolved[i];
      if (!r) continue;
      const runId = r.ref?.kind === 'ping' ? r.ref.runId : null;
      if (o.kind === 'ignored') {
        events.push({ action: 'reply-ignored', member: msg.fromAddress, reason: o.reason, runId });
      } else if (o.kind === 'ping') {
        if (o.outcome !== 'duplicate' && r.ping) pings.push({ ...r.ping, state: o.outcome, repliedAt: at, verified: o.verified, signer });
        events.push({ action: 'reply', member: msg.fromAddress, runId, result: o.outcome });
      } else if (o.outcome === 'confirmed' && member) {
        confirmed = { ...member, status: 'active' };
        events.push({ action: 'enrollment-confirmed', member: member.email, fingerprint: member.fingerprint });
      } else {
        events.push({ action: 'enrollment-unconfirmed', member: msg.fromAddress, reason: o.outcome, fingerprint: signer });
      }
    }
    const enrollment = confirmed ? await store.comchecks.enrollment(list.address, confirmed.email) : undefined;
    await audit.prepare(list.address);
    await store.commit((tx, undo) => {
      for (const p of pings) store.comchecks.putPing(tx, p);
      if (confirmed) {
        store.members.put(tx, confirmed);
        if (enrollment) store.comchecks.delEnrollment(tx, enrollment);
      }
      for (const e of events) audit.append(tx, undo, list.address, 'comcheck', e, msg.now);
    });
    for (const e of events) {
      log.info(e.action === 'reply-ignored' ? 'COMCHECK_IGNORED' : e.action === 'reply' ? 'COMCHECK_REPLY' : 'ENROLLMENT', {
        list: list.address,
        from: env.mailFrom,
        member: e.member ?? undefined,
        run: e.runId ?? undefined,
        result: e.result ?? e.action,
        reason: e.reason ?? undefined,
      });
    }
  }

  private async ignored(list: ListRecord, msg: ServiceMessage, reason: string): Promise<void> {
    await this.d.audit.record(list.address, 'comcheck', { action: 'reply-ignored', member: msg.fromAddress, reason }, msg.now);
    this.d.log.info('COMCHECK_IGNORED', { list: list.address, from: msg.fromAddress, reason });
  }
}
