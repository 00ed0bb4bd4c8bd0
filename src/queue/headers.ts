import type { SharedOuterHeaders } from '../mime/index.js';
import type { StoredHeaders } from '../store/records.js';

/** SharedOuterHeaders ⇄ the JSON record kept with a queued message. */
export function storeHeaders(h: SharedOuterHeaders): StoredHeaders {
  const mailbox = (m: { name?: string; address: string }) => (m.name ? { name: m.name, address: m.address } : { address: m.address });
  return {
    from: mailbox(h.from),
    replyTo: (h.replyTo ?? []).map(mailbox),
    subject: h.subject,
    date: h.date.toISOString(),
    messageId: h.messageId,
    inReplyTo: [...(h.inReplyTo ?? [])],
    references: [...(h.references ?? [])],
    list: { ...h.list },
    listPost: [...(h.listPost ?? [])],
    listHelp: [...(h.listHelp ?? [])],
    listOwner: [...(h.listOwner ?? [])],
    xLoop: h.xLoop,
    autoSubmitted: h.autoSubmitted ?? null,
  };
}

export function sharedHeaders(s: StoredHeaders): SharedOuterHeaders {
  return {
    from: s.from,
    replyTo: s.replyTo,
    subject: s.subject,
    date: new Date(s.date),
    messageId: s.messageId,
    inReplyTo: s.inReplyTo,
    references: s.references,
    list: s.list,
    listPost: s.listPost,
    listHelp: s.listHelp,
    listOwner: s.listOwner,
    xLoop: s.xLoop,
    ...(s.autoSubmitted ? { autoSubmitted: s.autoSubmitted } : {}),
  };
}
