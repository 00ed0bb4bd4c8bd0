import { memberKeyFields } from '../store/member-key.js';
import { RefusedError } from '../errors.js';
import { findKeyMaterial } from '../mime/key-parts.js';
import { listName } from '../mime/list-message.js';
import { inspectMemberKey, type MemberKeyInfo } from '../pgp/key-check.js';
import type { Envelope, Reply } from '../pipeline/types.js';
import { ownersOf } from '../delivery/notices.js';
import { effectiveSubjectPrefix, withDefaults } from '../policy/options.js';
import type { ListRecord, MemberRecord } from '../store/records.js';
import { serviceAddress } from '../util/address.js';
import { enrollmentFor, statusAfterKey } from './enrollment.js';
import type { Outbox } from './outbox.js';
import { malformedReply, readServiceMessage, RECEIVED, TEMPFAIL, type ServiceDeps, type ServiceMessage } from './service-read.js';
import { keyRefusedMail, keyUpdatedMail, ownerNoticeMail } from './texts.js';

/**
 * Mail to `<list>-request@<domain>`: a member sends an updated public key, inside a message
 * encrypted to the list key and signed with their CURRENT enrolled key (the key itself may be
 * attached, application/pgp-keys or *.asc, or pasted as an armored block). The daemon checks it
 * with the enrollment rules and replaces the enrolled key; a new identity goes through the
 * administrator.
 *
 * Refusals are answered 250 plus an encrypted notice to the member's enrolled key and to the
 * owners, not a 5xx: a 5xx would make the sending MTA bounce to an envelope sender that may be
 * forged, and would tell a prober whether an address is a member; the notice tells the one
 * person who must know (the real key holder) that somebody tried to change their key.
 */
export class KeyRequests {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly d: ServiceDeps,
    private readonly outbox: Outbox,
  ) {}

  async handle(raw: Buffer, env: Envelope, list: ListRecord): Promise<Reply> {
    const msg = await readServiceMessage(this.d, raw, env.mailFrom, list);
    if (!msg) return TEMPFAIL;
    if (msg.read.malformed !== null) {
      await this.log(list, msg, null, 'ignored', 'malformed');
      return malformedReply(msg.read.malformed);
    }
    const next = this.chain.then(() => this.decide(list, env, msg));
    this.chain = next.catch(() => undefined);
    await next;
    return RECEIVED;
  }

  private async decide(list: ListRecord, env: Envelope, msg: ServiceMessage): Promise<void> {
    if (msg.automatic) return this.log(list, msg, null, 'ignored', 'automatic');
    if (msg.fromAddress === null || env.mailFrom === null || env.mailFrom.toLowerCase() !== msg.fromAddress) {
      return this.log(list, msg, null, 'ignored', 'envelope-mismatch');
    }
    // Re-read: a request decided just before may have changed the key.
    const member = await this.d.store.members.get(list.address, msg.fromAddress);
    if (!member) return this.log(list, msg, null, 'ignored', 'not-a-member');
    const problem = signatureProblem(msg, member);
    if (problem) return this.refuse(list, msg, member, problem);
    let info: MemberKeyInfo;
    try {
      info = await this.newKey(msg, member);
    } catch (err) {
      if (err instanceof RefusedError) return this.refuse(list, msg, member, err.message);
      throw err;
    }
    return this.update(list, msg, member, info);
  }

  private async newKey(msg: ServiceMessage, member: MemberRecord): Promise<MemberKeyInfo> {
    if (!msg.read.content) throw new RefusedError('the message holds no content');
    const found = findKeyMaterial(msg.read.content, { maxDecodedBytes: this.d.config.smtp.maxMessageBytes * 4 });
    const input =
      found.armored.length > 0
        ? new TextEncoder().encode(found.armored.join('\n'))
        : found.binary.length > 0
          ? Buffer.concat(found.binary.map((b) => Buffer.from(b)))
          : null;
    if (!input) throw new RefusedError('no OpenPGP public key was found in it (attach the key, or paste it as an armored block)');
    const info = await inspectMemberKey(input, { email: member.email, allowUidMismatch: member.allowUidMismatch, now: msg.now });
    const clash = msg.members.find((m) => m.fingerprint === info.fingerprint && m.email !== member.email);
    if (clash) throw new RefusedError('that key is already enrolled for another member of the list');
    return info;
  }

  private async update(list: ListRecord, msg: ServiceMessage, member: MemberRecord, info: MemberKeyInfo): Promise<void> {
    const { store, audit } = this.d;
    const options = withDefaults(list.options);
    const status = statusAfterKey(member.status, member.fingerprint, info.fingerprint, options['confirm-enrollment']);
    const updated: MemberRecord = {
      ...member,
      status,
      ...memberKeyFields(info, msg.now),
    };
    const welcome = status === 'pending' && member.fingerprint !== info.fingerprint ? enrollmentFor(updated, msg.now) : null;
    const old = welcome ? await store.comchecks.enrollment(list.address, member.email) : undefined;
    await audit.prepare(list.address);
    await store.commit((tx, undo) => {
      store.members.put(tx, updated);
      if (old) store.comchecks.delEnrollment(tx, old);
      if (welcome) store.comchecks.putEnrollment(tx, welcome);
      audit.append(tx, undo, list.address, 'comcheck', { action: 'key-request', member: member.email, result: 'updated', fingerprint: info.fingerprint }, msg.now);
    });
    this.d.log.info('KEY_UPDATED', { list: list.address, member: member.email, fingerprint: info.fingerprint, by: 'request', status });
    const ident = this.identity(list);
    const mail = keyUpdatedMail({
      ...ident,
      oldFingerprint: member.fingerprint,
      fingerprint: info.fingerprint,
      expires: updated.keyExpires,
      pending: status === 'pending',
    });
    await this.d.mailer.send({ list, kind: 'request-reply', to: [updated], ...mail, label: 'TLP:AMBER', autoSubmitted: 'auto-replied', replyTo: ownerAddress(list) });
    await this.tellOwners(list, `${member.email} replaced their key by mail: ${member.fingerprint} -> ${info.fingerprint}${status === 'pending' ? ' (pending until they confirm the new key)' : ''}`);
    if (welcome) await this.outbox.flush(list.address);
  }

  private async refuse(list: ListRecord, msg: ServiceMessage, member: MemberRecord, reason: string): Promise<void> {
    await this.log(list, msg, member.email, 'refused', reason);
    const mail = keyRefusedMail({ ...this.identity(list), requestAddress: serviceAddress(list.address, 'request'), reason });
    // To the enrolled key: only the real key holder can read that somebody tried.
    await this.d.mailer.send({ list, kind: 'request-reply', to: [member], ...mail, label: 'TLP:AMBER', autoSubmitted: 'auto-replied', replyTo: ownerAddress(list) });
    await this.tellOwners(list, `a key update for ${member.email} was refused: ${reason}`);
  }

  private identity(list: ListRecord): { prefix: string; listName: string; listAddress: string } {
    const options = withDefaults(list.options);
    return { prefix: effectiveSubjectPrefix(options, list.address), listName: listName({ address: list.address, options }), listAddress: list.address };
  }

  private async tellOwners(list: ListRecord, line: string): Promise<void> {
    const owners = ownersOf(list, await this.d.store.members.ofList(list.address));
    if (owners.length === 0) return;
    const mail = ownerNoticeMail({ prefix: this.identity(list).prefix, listAddress: list.address, title: 'Key update by mail', lines: [line] });
    await this.d.mailer.send({ list, kind: 'notice', to: owners, ...mail, label: 'TLP:AMBER', autoSubmitted: 'auto-generated', replyTo: ownerAddress(list) });
  }

  private async log(list: ListRecord, msg: ServiceMessage, member: string | null, result: string, reason: string): Promise<void> {
    await this.d.audit.record(list.address, 'comcheck', { action: 'key-request', member: member ?? msg.fromAddress, result, reason }, msg.now);
    this.d.log.info(result === 'refused' ? 'KEY_REQUEST_REFUSED' : 'KEY_REQUEST_IGNORED', { list: list.address, from: msg.fromAddress, reason });
  }
}

/** Answers to these personal messages reach the owners, never the whole list. */
function ownerAddress(list: ListRecord): string {
  return serviceAddress(list.address, 'owner');
}

/** Why the request does not prove that the member's current key holder sent it (null: it does). */
export function signatureProblem(msg: Pick<ServiceMessage, 'read' | 'signature'>, member: Pick<MemberRecord, 'fingerprint'>): string | null {
  const r = msg.read;
  if (r.encryption === 'none') return 'it was not encrypted to the list key (and signed with your enrolled key)';
  if (r.decryption !== 'ok') return 'it could not be decrypted with the list key';
  const s = msg.signature;
  switch (s.status) {
    case 'valid':
      return s.fingerprint === member.fingerprint ? null : 'it was signed by another key, not by your enrolled key';
    case 'unknown-key':
      return 'it was signed by another key, not by your enrolled key';
    case 'none':
      return 'it was not signed with your enrolled key';
    case 'bad':
      return 'its signature did not verify';
    case 'expired-key':
      return 'it was signed with an expired key, which can no longer vouch for a new one; ask the list owners';
    case 'revoked-key':
      return 'it was signed with a revoked key; ask the list owners';
  }
}

