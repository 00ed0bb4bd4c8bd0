import type {
  ComcheckRunRecord,
  EnrollmentRecord,
  ExpiryWarningRecord,
  PingRecord,
  TokenRef,
} from './comcheck-records.js';
import { getOr, jsonSub, key, valuesWithPrefix, type Root, type Sub } from './db.js';
import type { Tx } from './tx.js';

/**
 * Com-check runs and pings, enrollment welcomes, token hashes and key-expiry warnings. Keys start
 * with the list, so one list's records are one range scan and a deleted list is cleared in one go.
 */
export class ComchecksRepo {
  readonly runs: Sub<ComcheckRunRecord>;
  readonly pings: Sub<PingRecord>;
  readonly tokens: Sub<TokenRef>;
  readonly enrollments: Sub<EnrollmentRecord>;
  readonly warnings: Sub<ExpiryWarningRecord>;
  constructor(root: Root) {
    this.runs = jsonSub<ComcheckRunRecord>(root, 'ccruns');
    this.pings = jsonSub<PingRecord>(root, 'ccpings');
    this.tokens = jsonSub<TokenRef>(root, 'cctokens');
    this.enrollments = jsonSub<EnrollmentRecord>(root, 'ccenroll');
    this.warnings = jsonSub<ExpiryWarningRecord>(root, 'ccwarn');
  }

  getRun(list: string, id: string): Promise<ComcheckRunRecord | undefined> {
    return getOr(this.runs, key(list, id));
  }

  /** Oldest first (run ids sort by time). */
  runsOf(list: string): Promise<ComcheckRunRecord[]> {
    return valuesWithPrefix(this.runs, list);
  }

  putRun(tx: Tx, r: ComcheckRunRecord): Tx {
    return tx.put(this.runs, key(r.list, r.id), r);
  }

  getPing(list: string, runId: string, email: string): Promise<PingRecord | undefined> {
    return getOr(this.pings, key(list, runId, email));
  }

  pingsOf(list: string, runId: string): Promise<PingRecord[]> {
    return valuesWithPrefix(this.pings, list, runId);
  }

  /** Every ping of a list, run by run in time order. */
  allPings(list: string): Promise<PingRecord[]> {
    return valuesWithPrefix(this.pings, list);
  }

  putPing(tx: Tx, p: PingRecord): Tx {
    return tx.put(this.pings, key(p.list, p.runId, p.email), p);
  }

  /** A ping and its token go together. */
  delPing(tx: Tx, p: PingRecord): Tx {
    if (p.tokenHash) tx.del(this.tokens, p.tokenHash);
    return tx.del(this.pings, key(p.list, p.runId, p.email));
  }

  token(hash: string): Promise<TokenRef | undefined> {
    return getOr(this.tokens, hash);
  }

  putToken(tx: Tx, hash: string, ref: TokenRef): Tx {
    return tx.put(this.tokens, hash, ref);
  }

  delToken(tx: Tx, hash: string): Tx {
    return tx.del(this.tokens, hash);
  }

  enrollment(list: string, email: string): Promise<EnrollmentRecord | undefined> {
    return getOr(this.enrollments, key(list, email));
  }

  enrollmentsOf(list: string): Promise<EnrollmentRecord[]> {
    return valuesWithPrefix(this.enrollments, list);
  }

  putEnrollment(tx: Tx, e: EnrollmentRecord): Tx {
    return tx.put(this.enrollments, key(e.list, e.email), e);
  }

  /** The welcome and its token go together. */
  delEnrollment(tx: Tx, e: EnrollmentRecord): Tx {
    if (e.tokenHash) tx.del(this.tokens, e.tokenHash);
    return tx.del(this.enrollments, key(e.list, e.email));
  }

  warningSent(list: string, email: string, fingerprint: string, threshold: number): Promise<ExpiryWarningRecord | undefined> {
    return getOr(this.warnings, key(list, email, fingerprint, String(threshold)));
  }

  warningsOf(list: string, email: string): Promise<ExpiryWarningRecord[]> {
    return valuesWithPrefix(this.warnings, list, email);
  }

  putWarning(tx: Tx, w: ExpiryWarningRecord): Tx {
    return tx.put(this.warnings, key(w.list, w.email, w.fingerprint, String(w.threshold)), w);
  }

  /** Everything of a deleted list (its token hashes included). */
  async clearList(tx: Tx, list: string): Promise<void> {
    for (const p of await this.allPings(list)) this.delPing(tx, p);
    for (const r of await this.runsOf(list)) tx.del(this.runs, key(r.list, r.id));
    for (const e of await this.enrollmentsOf(list)) this.delEnrollment(tx, e);
    for (const w of await valuesWithPrefix(this.warnings, list)) {
      tx.del(this.warnings, key(w.list, w.email, w.fingerprint, String(w.threshold)));
    }
  }
}
