/** What the pipeline has established about one inbound message, for the decision function. */
import type { TlpLabel } from './tlp-labels.js';

export type MessageTarget = 'post' | 'owner';
export type Encryption = 'pgp-mime' | 'inline' | 'none' | 'partial';
export type Decryption = 'ok' | 'not-for-list' | 'failed' | 'not-applicable';
export type SignatureSigner = 'sender' | 'other-member' | 'non-member';

export type SignatureFact =
  | { readonly status: 'valid'; readonly fingerprint: string; readonly byMember: SignatureSigner }
  | { readonly status: 'none' }
  | { readonly status: 'bad' }
  | { readonly status: 'expired-key' }
  | { readonly status: 'revoked-key' }
  | { readonly status: 'unknown-key' };

export interface MessageFacts {
  /** The list address, or `<local>-owner@`: owner mail skips the membership rule and reaches only the owners. */
  readonly target: MessageTarget;
  /** Envelope sender; null is the null reverse path `<>`. */
  readonly envelopeFrom: string | null;
  /** From: header address, lower-cased; null when missing or unparseable. */
  readonly fromAddress: string | null;
  readonly envelopeIsMember: boolean;
  readonly fromIsMember: boolean;
  /** Carries our own X-Loop / List-Id marker. */
  readonly loop: boolean;
  /** Auto-Submitted other than "no", Precedence bulk/junk/list, or multipart/report. */
  readonly autoSubmitted: boolean;
  /** MIME/OpenPGP structure error (safe text, no content), or null. */
  readonly malformed: string | null;
  /** `partial`: some parts are not encrypted. */
  readonly encryption: Encryption;
  readonly decryption: Decryption;
  /** The signature over the message, checked against enrolled keys. */
  readonly signature: SignatureFact;
  /** Every label found in the protected subject (else the outer one) and the body. */
  readonly tlpLabels: readonly TlpLabel[];
  /** This signature was already accepted on this list. */
  readonly replay: boolean;
}
