import crypto from 'node:crypto';

/**
 * Queue ids sort by time (so `queue ls` and log queries read in order) and carry 60 random
 * bits so two messages in the same millisecond never collide: `20261125T201500123Z-k3j9x0a1b2c3`.
 */
export function newQueueId(now: Date): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${t}-${randomToken(12)}`;
}

/**
 * The list's Message-ID for a queued message: made from its queue id, so a copy in a member's
 * mailbox, the log and `queue ls` name the same message. It reveals only the time of acceptance,
 * which the Date header shows anyway.
 */
export function listMessageId(queueId: string, hostname: string): string {
  return `<${queueId}@${hostname.toLowerCase()}>`;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Lower-case letters and digits: safe in VERP local parts, ids and URLs. */
export function randomToken(length: number): string {
  const bytes = crypto.randomBytes(length);
  let out = '';
  // 256 is not a multiple of 36; rejection sampling keeps every character equally likely.
  let i = 0;
  while (out.length < length) {
    if (i >= bytes.length) {
      crypto.randomFillSync(bytes);
      i = 0;
    }
    const b = bytes[i++] ?? 0;
    if (b < 252) out += ALPHABET[b % 36];
  }
  return out;
}
