import type { PrivateKey } from 'openpgp';
import { MimeError, parseInlineText, parseInner, parseOuter, type MimeLimits, type OuterMessage } from '../mime/index.js';
import type { EncryptedPiece, InnerContent, OutgoingAttachment } from '../mime/index.js';
import {
  decryptForList,
  verifyCleartext,
  verifyDetached,
  type SignatureReport,
  type VerificationCandidate,
} from '../pgp/decrypt.js';
import { PgpError } from '../pgp/errors.js';
import type { Decryption, Encryption } from '../policy/decide.js';

/**
 * Reading one inbound message: MIME structure, decryption with the list key, signatures checked
 * against the enrolled keys, and the texts where TLP labels may stand. Plaintext exists only in
 * the returned object, in memory, for the duration of the message's processing.
 */
export interface ReadMessage {
  outer: OuterMessage | null;
  malformed: string | null;
  encryption: Encryption;
  decryption: Decryption;
  /** Every signature found, over every encrypted piece. */
  signatures: SignatureReport[];
  /** Some encrypted piece carried no signature at all. */
  unsignedPiece: boolean;
  /** The member's subject: the protected one when present, else the outer one. */
  subject: string | null;
  protectedSubject: boolean;
  /** Where TLP labels are looked for (subject first, then decoded bodies). */
  texts: string[];
  content: InnerContent | null;
  inReplyTo: string[];
  references: string[];
}

export interface ReadOptions {
  listKey: PrivateKey;
  candidates: readonly VerificationCandidate[];
  limits: Partial<MimeLimits>;
  maxDecompressedBytes: number;
  now: Date;
}

function empty(malformed: string | null, outer: OuterMessage | null = null): ReadMessage {
  return {
    outer,
    malformed,
    encryption: 'none',
    decryption: 'not-applicable',
    signatures: [],
    unsignedPiece: false,
    subject: outer?.headers.subject ?? null,
    protectedSubject: false,
    texts: [],
    content: null,
    inReplyTo: outer?.headers.inReplyTo ?? [],
    references: outer?.headers.references ?? [],
  };
}

/** MIME and OpenPGP failures are facts about the message; anything else is our failure (451). */
function failureFact(err: unknown): { malformed: string } | { decryption: Decryption } {
  if (err instanceof MimeError) return { malformed: err.message };
  if (err instanceof PgpError) {
    switch (err.kind) {
      case 'not-for-list':
        return { decryption: 'not-for-list' };
      case 'decrypt-failed':
        return { decryption: 'failed' };
      case 'too-large':
        return { malformed: 'the decrypted content is larger than this list accepts' };
      case 'not-encrypted':
        return { malformed: 'the encrypted part holds no encrypted OpenPGP message' };
      case 'malformed':
        return { malformed: err.message };
    }
  }
  throw err;
}

function withFailure(base: ReadMessage, err: unknown): ReadMessage {
  const f = failureFact(err);
  return 'malformed' in f ? { ...base, malformed: f.malformed } : { ...base, decryption: f.decryption };
}

export async function readMessage(raw: Uint8Array, opts: ReadOptions): Promise<ReadMessage> {
  let outer: OuterMessage;
  try {
    outer = parseOuter(raw, opts.limits);
  } catch (err) {
    return withFailure(empty(null), err);
  }
  const base = empty(null, outer);
  base.outer = outer;
  try {
    switch (outer.kind) {
      case 'pgp-mime':
        return await readPgpMime(base, outer.ciphertext, opts);
      case 'inline':
        return await readInline(base, outer.pieces, 'inline', opts);
      case 'partial':
        return await readInline(base, outer.pieces, 'partial', opts);
      case 'plain':
        return readPlain(base, raw, opts);
    }
  } catch (err) {
    return withFailure({ ...base, encryption: outer.kind === 'plain' ? 'none' : outer.kind }, err);
  }
}

async function readPgpMime(base: ReadMessage, ciphertext: Uint8Array, opts: ReadOptions): Promise<ReadMessage> {
  const r: ReadMessage = { ...base, encryption: 'pgp-mime' };
  const dec = await decryptForList({
    message: ciphertext,
    listKey: opts.listKey,
    maxDecompressedBytes: opts.maxDecompressedBytes,
    candidates: opts.candidates,
    now: opts.now,
  });
  r.decryption = 'ok';
  const inner = parseInner(dec.data, opts.limits);
  let signatures = dec.signatures;
  if (signatures.length === 0 && inner.signed) {
    signatures = await verifyDetached({
      signedBytes: inner.signed.signedBytes,
      armoredSignature: inner.signed.signatureArmored,
      candidates: opts.candidates,
      now: opts.now,
    });
  }
  r.signatures = signatures;
  r.unsignedPiece = signatures.length === 0;
  const ph = inner.protectedHeaders;
  if (ph.subject !== null) {
    r.subject = ph.subject;
    r.protectedSubject = true;
  }
  if (ph.inReplyTo.length > 0) r.inReplyTo = ph.inReplyTo;
  if (ph.references.length > 0) r.references = ph.references;
  // Legacy display copies of headers are read too: a label anywhere can only restrict (fail-closed).
  r.texts = [...(r.subject !== null ? [r.subject] : []), ...inner.texts, ...inner.legacyDisplay];
  r.content = { kind: 'entity', contentHeaders: inner.entity.contentHeaders, body: inner.entity.body };
  return r;
}

async function readInline(
  base: ReadMessage,
  pieces: readonly EncryptedPiece[],
  encryption: 'inline' | 'partial',
  opts: ReadOptions,
): Promise<ReadMessage> {
  const r: ReadMessage = { ...base, encryption };
  const texts: string[] = r.subject !== null ? [r.subject] : [];
  const attachments: OutgoingAttachment[] = [];
  let body = '';
  const signatures: SignatureReport[] = [];
  let unsigned = false;
  for (const piece of pieces) {
    const message = piece.type === 'text' ? new TextEncoder().encode(piece.armored) : piece.data;
    const dec = await decryptForList({
      message,
      listKey: opts.listKey,
      maxDecompressedBytes: opts.maxDecompressedBytes,
      candidates: opts.candidates,
      now: opts.now,
    });
    r.decryption = 'ok';
    let pieceSigs = dec.signatures;
    if (piece.type === 'text') {
      const t = parseInlineText(dec.data, piece.charset, opts.limits);
      texts.push(...t.texts);
      if (pieceSigs.length === 0 && t.cleartextSigned !== null) {
        const v = await verifyCleartext({ armored: t.cleartextSigned, candidates: opts.candidates, now: opts.now });
        pieceSigs = v.signatures;
        // Text outside the signed block would travel as if the sender had signed it.
        if (t.unsignedText !== '') unsigned = true;
      }
      body += (body ? '\n\n' : '') + t.text;
    } else {
      attachments.push({ filename: piece.filename, contentType: piece.contentType, data: dec.data });
    }
    if (pieceSigs.length === 0) unsigned = true;
    signatures.push(...pieceSigs);
  }
  r.signatures = signatures;
  r.unsignedPiece = unsigned;
  r.texts = texts;
  r.content = { kind: 'pieces', text: body, attachments };
  return r;
}

/** Plain mail (only when receive-encrypted-only is off): its own structure is the content. */
function readPlain(base: ReadMessage, raw: Uint8Array, opts: ReadOptions): ReadMessage {
  const inner = parseInner(raw, opts.limits);
  return {
    ...base,
    encryption: 'none',
    decryption: 'not-applicable',
    texts: [...(base.subject !== null ? [base.subject] : []), ...inner.texts, ...inner.legacyDisplay],
    content: { kind: 'entity', contentHeaders: inner.entity.contentHeaders, body: inner.entity.body },
  };
}
