/**
 * When to warn about a member's key expiring: 30 and 7 days before, once each, and once more when
 * it has expired (then only the owners can be told: nothing is ever sent unencrypted). Pure.
 */
export const EXPIRY_THRESHOLDS: readonly number[] = [30, 7];
/** The threshold recorded for "the key has expired". */
export const EXPIRED = 0;
const DAY_MS = 86_400_000;

export interface ExpiryWarningDue {
  threshold: number;
  /** Thresholds to record as done with it: a 7-day warning makes a later 30-day one pointless. */
  record: number[];
  daysLeft: number;
}

export function dueExpiryWarning(expires: Date | null, now: Date, sent: readonly number[]): ExpiryWarningDue | null {
  if (expires === null) return null;
  const msLeft = expires.getTime() - now.getTime();
  if (msLeft <= 0) {
    if (sent.includes(EXPIRED)) return null;
    return { threshold: EXPIRED, record: [EXPIRED, ...EXPIRY_THRESHOLDS.filter((t) => !sent.includes(t))], daysLeft: 0 };
  }
  const daysLeft = msLeft / DAY_MS;
  const crossed = EXPIRY_THRESHOLDS.filter((t) => daysLeft <= t);
  if (crossed.length === 0) return null;
  const threshold = Math.min(...crossed);
  if (sent.includes(threshold)) return null;
  return { threshold, record: crossed.filter((t) => !sent.includes(t)), daysLeft: Math.ceil(daysLeft) };
}
