/**
 * The contract between the SMTP edge and the pipeline: the pipeline decides, smtp/ speaks SMTP.
 */

/** Which of a list's addresses a recipient is. */
export type TargetKind = 'post' | 'owner' | 'request' | 'comcheck' | 'bounce';

export interface Target {
  kind: TargetKind;
  list: string;
  /** The VERP token of a bounce address. */
  token?: string;
}

export interface Envelope {
  /** null for the null reverse path <>. */
  mailFrom: string | null;
  rcptTo: string;
  target: Target;
  remoteAddress: string;
}

/** An SMTP reply as the pipeline decided it; smtp/ writes it verbatim. */
export interface Reply {
  code: number;
  enhanced: string;
  text: string;
}

export interface InboundPort {
  /** null: no such address here (550 5.1.1 at RCPT). */
  resolveRecipient(address: string): Promise<Target | null>;
  /** Decide about one complete message; resolves only after an accepted message is durable. */
  receive(raw: Buffer, envelope: Envelope): Promise<Reply>;
}

/** Our own temporary failure (a store error, a key not loaded): the sender's MTA tries again. */
export const TEMPFAIL: Reply = { code: 451, enhanced: '4.3.0', text: 'Temporary local problem, please try again later' };

export function replyLine(r: Reply): string {
  return `${r.code} ${r.enhanced} ${r.text}`;
}
