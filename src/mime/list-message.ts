import { buildInnerMessage, type InnerContent, type RandomSource, type SharedOuterHeaders } from './index.js';
import { effectiveListName, effectiveSubjectPrefix, type ListOptions } from '../policy/options.js';
import { outerSubject, subjectWithLabel, type TlpLabel } from '../policy/tlp.js';
import type { SignatureFact } from '../policy/decide.js';
import type { MemberRecord } from '../store/records.js';
import { serviceAddress } from '../util/address.js';

/**
 * What a list message looks like: the inner entity (signed once, encrypted for everyone) and the
 * outer headers every copy shares. Pure: time, ids and randomness come in.
 */

export interface ListIdentity {
  address: string;
  options: ListOptions;
}

export function listName(list: ListIdentity): string {
  return effectiveListName(list.options, list.address);
}

/** Outer headers shared by every copy; the real subject travels only inside the encryption. */
export function sharedOuterHeaders(p: {
  list: ListIdentity;
  fromName: string;
  label: TlpLabel;
  date: Date;
  messageId: string;
  inReplyTo: readonly string[];
  references: readonly string[];
  replyTo?: string;
  autoSubmitted?: 'auto-generated' | 'auto-replied';
}): SharedOuterHeaders {
  const { address } = p.list;
  const prefix = effectiveSubjectPrefix(p.list.options, address);
  return {
    from: { name: p.fromName, address },
    replyTo: [{ address: p.replyTo ?? address }],
    subject: outerSubject(p.label, prefix),
    date: p.date,
    messageId: p.messageId,
    inReplyTo: p.inReplyTo,
    references: p.references,
    list: { name: listName(p.list), address },
    listPost: [`mailto:${address}`],
    listHelp: [`mailto:${serviceAddress(address, 'owner')}?subject=help`],
    listOwner: [`mailto:${serviceAddress(address, 'owner')}`],
    xLoop: address,
    ...(p.autoSubmitted ? { autoSubmitted: p.autoSubmitted } : {}),
  };
}

function signatureLine(sig: SignatureFact, sender: MemberRecord | undefined): string {
  if (sig.status === 'valid' && sig.byMember === 'sender' && sender) {
    return `Signature: verified, made by the key ${groupFingerprint(sig.fingerprint)} enrolled for ${sender.email}`;
  }
  if (sig.status === 'none') return 'Signature: none (this list does not require one)';
  return 'Signature: not verified (this list does not require one)';
}

export function groupFingerprint(fpr: string): string {
  return fpr.replace(/(.{4})/g, '$1 ').trim();
}

export interface PostComposition {
  inner: Uint8Array;
  outer: SharedOuterHeaders;
}

/** A member's post (or mail to the owners) as the list re-sends it. */
export function composePost(p: {
  list: ListIdentity;
  target: 'post' | 'owner';
  sender: MemberRecord | undefined;
  fromAddress: string | null;
  fromName: string | null;
  subject: string | null;
  label: TlpLabel;
  labelFromDefault: boolean;
  signature: SignatureFact;
  content: InnerContent;
  inReplyTo: readonly string[];
  references: readonly string[];
  date: Date;
  messageId: string;
  random: RandomSource;
}): PostComposition {
  const name = listName(p.list);
  const who = p.fromName || p.sender?.name || p.fromAddress || 'unknown sender';
  const outer = sharedOuterHeaders({
    list: p.list,
    fromName: `${who} via ${name}`,
    label: p.label,
    date: p.date,
    messageId: p.messageId,
    inReplyTo: p.inReplyTo,
    references: p.references,
    // Owners answer the person who wrote to them, not the list.
    ...(p.target === 'owner' && p.fromAddress ? { replyTo: p.fromAddress } : {}),
  });
  const team = p.sender?.team ? ` (${p.sender.team})` : '';
  const notice = [
    `From: ${who} <${p.fromAddress ?? 'unknown'}>${team}`,
    signatureLine(p.signature, p.sender),
    `Label: ${p.label}${p.labelFromDefault ? " (the sender gave none; this list's default applies)" : ''}`,
    p.target === 'owner'
      ? `Sent to the owners of ${p.list.address}.`
      : `Distributed by ${p.list.address} to the members of ${name}.`,
  ].join('\n');
  const subject = subjectWithLabel(p.subject ?? '', p.label, effectiveSubjectPrefix(p.list.options, p.list.address));
  const inner = buildInnerMessage({
    subject,
    from: outer.from,
    to: { name, address: p.list.address },
    date: p.date,
    messageId: p.messageId,
    replyTo: outer.replyTo ?? [],
    inReplyTo: p.inReplyTo,
    references: p.references,
    outer,
    notice,
    content: p.content,
    random: p.random,
  });
  return { inner, outer };
}
