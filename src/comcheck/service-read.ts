import type { AuditLog } from '../audit/log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../log.js';
import { listIdentifier } from '../mime/index.js';
import type { PublicKeyCache } from '../pgp/key-cache.js';
import type { ListKeyring } from '../pgp/keyring.js';
import { membership, signatureFact } from '../pipeline/facts.js';
import { readMessage, type ReadMessage } from '../pipeline/read.js';
import type { Reply } from '../pipeline/types.js';
import type { SignatureFact } from '../policy/decide.js';
import type { ListMailer } from '../queue/list-mail.js';
import type { ListRecord, MemberRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

/** What the com-check and request addresses need from the daemon. */
export interface ServiceDeps {
  store: Store;
  keyring: ListKeyring;
  keys: PublicKeyCache;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  config: Config;
  mailer: ListMailer;
}

/** Mail to a service address is not a post: it is answered 250 whatever it says (no backscatter)… */
export const RECEIVED: Reply = { code: 250, enhanced: '2.0.0', text: 'Ok: received' };
export { TEMPFAIL } from '../pipeline/types.js';

/** …except input that is broken on its face, refused like a post would be. */
export function malformedReply(detail: string): Reply {
  const flat = detail.replace(/[^\x20-\x7e]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  const d = flat.length > 120 ? `${flat.slice(0, 117)}...` : flat || 'unknown error';
  return { code: 554, enhanced: '5.6.0', text: `The message structure is invalid (${d}); send it again as standard PGP/MIME` };
}

export interface ServiceMessage {
  read: ReadMessage;
  members: MemberRecord[];
  now: Date;
  fromAddress: string | null;
  /** The member (active or pending) the From address names. */
  member: MemberRecord | undefined;
  signature: SignatureFact;
  /** A valid signature by that member's enrolled key, and no broken one beside it. */
  signedByMember: boolean;
  automatic: boolean;
}

const BULK = new Set(['bulk', 'junk', 'list']);

/**
 * Decrypt with the list key and check signatures against every member's key, pending members
 * included (a welcome is answered before the member is active). Null when the list key is not
 * loaded (the caller answers 451).
 */
export async function readServiceMessage(d: ServiceDeps, raw: Buffer, envelopeFrom: string | null, list: ListRecord): Promise<ServiceMessage | null> {
  const listKey = d.keyring.get(list.address);
  if (!listKey) {
    d.log.error('LIST_KEY_MISSING', { list: list.address });
    return null;
  }
  const now = d.clock.now();
  const members = await d.store.members.ofList(list.address);
  const candidates = await Promise.all(members.map(async (m) => ({ fingerprint: m.fingerprint, key: await d.keys.get(m.fingerprint, m.publicKey) })));
  const maxDecoded = d.config.smtp.maxMessageBytes * 4;
  const read = await readMessage(raw, { listKey, candidates, limits: { maxDecodedBytes: maxDecoded }, maxDecompressedBytes: maxDecoded, now });
  const h = read.outer?.headers;
  const fromAddress = h?.from?.address.toLowerCase() ?? null;
  const member = fromAddress === null ? undefined : members.find((m) => m.email === fromAddress);
  const everyone = membership(members.map((m) => ({ ...m, status: 'active' as const })));
  const signature = signatureFact(read, member, everyone);
  const loop = !!h && (h.xLoop.includes(list.address) || h.listId === listIdentifier(list.address));
  const automatic =
    envelopeFrom === null ||
    loop ||
    !!read.outer?.isReport ||
    (!!h && ((h.autoSubmitted !== null && h.autoSubmitted !== 'no') || (h.precedence !== null && BULK.has(h.precedence))));
  return {
    read,
    members,
    now,
    fromAddress,
    member,
    signature,
    signedByMember: signature.status === 'valid' && signature.byMember === 'sender',
    automatic,
  };
}
