/**
 * Signature verification against members' enrolled keys, one report per signature packet.
 *
 * Every form (inline §6.2 signatures recovered by decrypt, RFC 3156 §6.1 detached signatures,
 * cleartext blocks) goes through one path: the single signature is checked by openpgp.verify as a
 * detached signature over exactly the bytes we return to the caller, one candidate key at a time,
 * and its `verified` promise is awaited. Verifying the returned bytes (not "the message") is what
 * keeps us clear of the CVE-2025-47934 class of bugs.
 *
 * What openpgp.js does with `date`, and why we add our own key check:
 * - `date` bounds the *signature*: its creation time must not be after `date` and it must not be
 *   expired at `date`.
 * - The *key* is checked at the signature's own creation time, not at `date`. A signature made while
 *   the key was valid therefore verifies forever, even after the key expired; and for a "soft"
 *   revocation (reason superseded/retired) signatures made before the revocation still verify. Only
 *   "hard" revocations (no reason, or compromised) invalidate old signatures.
 * For a list, what matters is the key's state when the mail reaches us: we check the signing key
 * and its primary key at `now` and report 'revoked-key' / 'expired-key' ahead of the cryptographic
 * result (the sender must fix the key either way).
 */
import * as openpgp from 'openpgp';
import type { Key, PublicKey, SignaturePacket, Subkey } from 'openpgp';
import { canonicalizeEol, concatBytes, sha256, toHex } from './bytes.js';
import { strictConfig } from './config.js';
import { PgpError } from './errors.js';
import { primaryKeyProblem, subkeyProblem, type KeyProblem } from './key-state.js';

export type SignatureStatus = 'valid' | 'bad' | 'unknown-key' | 'expired-key' | 'revoked-key';

export interface VerificationCandidate {
  /** The enrolled fingerprint (upper-case hex); reported back as signerFingerprint. */
  fingerprint: string;
  key: PublicKey;
}

export interface SignatureReport {
  /** 16 upper-case hex digits, from the signature (zeros for a wildcard issuer). */
  issuerKeyId: string;
  /** From the signature's issuer-fingerprint subpacket, if it has one. */
  issuerFingerprint: string | null;
  status: SignatureStatus;
  /** The candidate whose key made the signature; absent for 'unknown-key'. */
  signerFingerprint?: string;
  /** The signature's creation time as claimed by the signer. */
  created: Date | null;
  /**
   * The replay key: sha256 over the signature's hashed area and the digest of the signed data.
   * Deliberately not a hash of the packet bytes, which anyone can change without breaking the
   * signature (unhashed subpackets, header encoding, ECDSA s → n−s), so a replay would get a new key.
   */
  digest: string;
  /** Why the status is not 'valid', for logs. Never contains signed content. */
  detail?: string;
}

/** More signatures than this on one message is refused: each costs a public-key operation. */
export const MAX_SIGNATURES = 8;
/** Senders' clocks run fast; a signature this far in our future is still accepted. */
export const SIGNATURE_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** How to build the signed literal for openpgp.verify, and the canonical bytes for the digest. */
export type SignedContent = { kind: 'binary'; bytes: Uint8Array } | { kind: 'text'; text: string };

export interface VerifyInput {
  candidates: readonly VerificationCandidate[];
  now: Date;
}

/** Inline signatures as returned by decryptForList (binary packets), over the decrypted data. */
export async function verifyInlineSignatures(
  input: VerifyInput & { data: Uint8Array; signaturePackets: Uint8Array },
): Promise<SignatureReport[]> {
  if (input.signaturePackets.length === 0) return [];
  const packets = await readSignaturePackets(() => openpgp.readSignature({ binarySignature: input.signaturePackets, config: strictConfig() }));
  return verifySignaturePackets(packets, { kind: 'binary', bytes: input.data }, input);
}

/** RFC 3156 §6.1: the `multipart/signed` first part (CRLF, as received) and its detached signature. */
export async function verifyDetached(
  input: VerifyInput & { signedBytes: Uint8Array; armoredSignature: string },
): Promise<SignatureReport[]> {
  const packets = await readSignaturePackets(() => openpgp.readSignature({ armoredSignature: input.armoredSignature, config: strictConfig() }));
  return verifySignaturePackets(packets, { kind: 'binary', bytes: input.signedBytes }, input);
}

/** An inline "BEGIN PGP SIGNED MESSAGE" block. `text` is the signed text, dash-unescaped, LF line ends. */
export async function verifyCleartext(
  input: VerifyInput & { armored: string },
): Promise<{ text: string; signatures: SignatureReport[] }> {
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: input.armored, config: strictConfig() });
  } catch (err) {
    throw new PgpError('malformed', 'the cleartext-signed block cannot be read', { cause: err });
  }
  const text = message.getText();
  const packets = await readSignaturePackets(async () => {
    // The block's signature packets, re-read on their own so each can be checked separately.
    const armored = message.armor(strictConfig());
    const sigArmor = armored.slice(armored.indexOf('-----BEGIN PGP SIGNATURE-----'));
    return openpgp.readSignature({ armoredSignature: sigArmor, config: strictConfig() });
  });
  return { text, signatures: await verifySignaturePackets(packets, { kind: 'text', text }, input) };
}

async function readSignaturePackets(read: () => Promise<openpgp.Signature>): Promise<SignaturePacket[]> {
  let signature: openpgp.Signature;
  try {
    signature = await read();
  } catch (err) {
    throw new PgpError('malformed', 'the signature cannot be read', { cause: err });
  }
  return [...signature.packets];
}

/** The shared path; exported for decryptForList, which already holds parsed packets. */
export async function verifySignaturePackets(
  packets: readonly SignaturePacket[],
  content: SignedContent,
  input: VerifyInput,
): Promise<SignatureReport[]> {
  // Only document signatures sign data; others (certifications, standalone) are not signatures over it.
  const documentSigs = packets.filter(
    (p) => p.signatureType === openpgp.enums.signature.binary || p.signatureType === openpgp.enums.signature.text,
  );
  if (documentSigs.length > MAX_SIGNATURES) {
    throw new PgpError('malformed', `the message carries ${documentSigs.length} signatures; at most ${MAX_SIGNATURES} are accepted`);
  }
  const reports: SignatureReport[] = [];
  // Sequential on purpose: a flood of signatures must not fan out into parallel work.
  for (const sig of documentSigs) reports.push(await verifyOne(sig, content, input));
  return reports;
}

async function verifyOne(sig: SignaturePacket, content: SignedContent, input: VerifyInput): Promise<SignatureReport> {
  const issuerKeyId = sig.issuerKeyID.toHex().toUpperCase();
  const issuerFingerprint = sig.issuerFingerprint ? toHex(sig.issuerFingerprint) : null;
  const base = { issuerKeyId, issuerFingerprint, created: sig.created, digest: replayDigest(sig, content) };
  const matches = matchingKeys(sig, issuerKeyId, issuerFingerprint, input.candidates);
  if (matches.length === 0) return { ...base, status: 'unknown-key', detail: 'no candidate key has this issuer' };

  let first: SignatureReport | undefined;
  for (const { candidate, component } of matches) {
    const report = { ...base, signerFingerprint: candidate.fingerprint, ...(await judge(sig, content, candidate.key, component, input.now)) };
    if (report.status === 'valid') return report;
    first ??= report;
  }
  return first as SignatureReport;
}

function matchingKeys(
  sig: SignaturePacket,
  issuerKeyId: string,
  issuerFingerprint: string | null,
  candidates: readonly VerificationCandidate[],
): { candidate: VerificationCandidate; component: Key | Subkey }[] {
  const wildcard = /^0+$/.test(issuerKeyId);
  const out: { candidate: VerificationCandidate; component: Key | Subkey }[] = [];
  for (const candidate of candidates) {
    for (const component of candidate.key.getKeys()) {
      const hit = issuerFingerprint
        ? component.getFingerprint().toUpperCase() === issuerFingerprint
        : !wildcard && component.getKeyID().equals(sig.issuerKeyID);
      if (hit) out.push({ candidate, component });
    }
  }
  return out;
}

async function judge(
  sig: SignaturePacket,
  content: SignedContent,
  key: PublicKey,
  component: Key | Subkey,
  now: Date,
): Promise<{ status: SignatureStatus; detail?: string }> {
  const problem: KeyProblem | null =
    (await primaryKeyProblem(key, now)) ?? ('mainKey' in component ? await subkeyProblem(component, now) : null);
  let cryptoError: string | null = null;
  try {
    await verifyWithKey(sig, content, key, new Date(now.getTime() + SIGNATURE_CLOCK_SKEW_MS));
  } catch (err) {
    cryptoError = err instanceof Error ? err.message : String(err);
  }
  if (problem?.kind === 'revoked') return { status: 'revoked-key', detail: `signing key ${problem.detail}` };
  if (problem?.kind === 'expired') return { status: 'expired-key', detail: `signing key ${problem.detail}` };
  if (problem) return { status: 'bad', detail: `signing key ${problem.detail}` };
  if (cryptoError !== null) return { status: 'bad', detail: cryptoError };
  return { status: 'valid' };
}

async function verifyWithKey(sig: SignaturePacket, content: SignedContent, key: PublicKey, date: Date): Promise<void> {
  const message =
    content.kind === 'binary'
      ? await openpgp.createMessage({ binary: content.bytes, format: 'binary' })
      : await openpgp.createMessage({ text: content.text });
  const list = new openpgp.PacketList<SignaturePacket>();
  list.push(sig);
  const result = await openpgp.verify({
    message,
    signature: new openpgp.Signature(list),
    verificationKeys: key,
    date,
    format: 'binary',
    config: strictConfig(),
  });
  if (result.signatures.length !== 1) throw new Error(`expected one verification result, got ${result.signatures.length}`);
  for (const entry of result.signatures) await entry.verified;
}

function replayDigest(sig: SignaturePacket, content: SignedContent): string {
  if (!sig.signatureData) throw new PgpError('malformed', 'a signature has no hashed area');
  const signed =
    content.kind === 'text'
      ? canonicalizeEol(new TextEncoder().encode(content.text))
      : sig.signatureType === openpgp.enums.signature.text
        ? canonicalizeEol(content.bytes)
        : content.bytes;
  const domain = new TextEncoder().encode('csirt-remailer signature replay key v1\0');
  return toHex(sha256(concatBytes([domain, sig.signatureData, sha256(signed)]))).toLowerCase();
}
