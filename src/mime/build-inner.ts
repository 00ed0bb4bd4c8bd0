import { guard, MimeError } from './errors.js';
import { asBuffer, toCrlf } from './bytes.js';
import type { MailboxInput } from './header-encode.js';
import { addressListField, checkField, cleanIdList, foldTokens, formatDate, messageIdField, paramField, unstructuredField } from './header-encode.js';
import type { SharedOuterHeaders } from './build-outer.js';
import { MAX_IN_REPLY_TO, MAX_REFERENCES, renderSharedOuterFields } from './build-outer.js';
import type { RandomSource } from './random.js';
import { newBoundary } from './random.js';
import { base64Lines, quotedPrintable } from './body-encode.js';
import { stripControls } from './validate.js';

export interface OutgoingAttachment {
  filename: string;
  contentType: string;
  data: Uint8Array;
}

/** What the member wrote: the original entity (PGP/MIME, from parseInner; plain, from parseOuter) or decrypted inline-PGP pieces. */
export type InnerContent =
  | { kind: 'entity'; contentHeaders: string; body: Uint8Array }
  | { kind: 'pieces'; text: string; attachments: readonly OutgoingAttachment[] };

export interface InnerMessageParams {
  /** The subject readers see (protected), e.g. the member's subject with the list tag. */
  subject: string;
  /** The list address with the sender's name: `"Alice Example via csirt-nl" <csirt-nl@lists.example>`. */
  from: MailboxInput;
  /** The list address. */
  to: MailboxInput;
  date: Date;
  messageId: string;
  replyTo?: readonly MailboxInput[];
  inReplyTo?: readonly string[];
  references?: readonly string[];
  /** The shared outer headers of the copies; recorded as HP-Outer fields. Pass the object given to prepareOuter. */
  outer: SharedOuterHeaders;
  /** Short notice naming the original sender and the signature status; sent as UTF-8 quoted-printable. */
  notice: string;
  content: InnerContent;
  random: RandomSource;
}

const CRLF = '\r\n';

/**
 * The plaintext entity the list signs once and encrypts to every member: multipart/mixed carrying
 * protected headers (Memory Hole v1 marker for Thunderbird, hp="cipher" for RFC 9788 readers), a
 * notice part, then the original content byte-for-byte (line ends made CRLF, the canonical form
 * the list signature covers).
 */
export function buildInnerMessage(p: InnerMessageParams): Uint8Array {
  return guard('inner message', () => {
    const content = contentEntity(p.content, p.random);
    const notice = Buffer.from(
      'Content-Type: text/plain; charset=utf-8' + CRLF + 'Content-Transfer-Encoding: quoted-printable' + CRLF + CRLF + quotedPrintable(p.notice),
      'latin1',
    );
    const boundary = freshBoundary(p.random, [content, notice]);
    const head: string[] = [
      paramField('Content-Type', 'multipart/mixed', [['boundary', boundary], ['protected-headers', 'v1'], ['hp', 'cipher']]),
      unstructuredField('Subject', p.subject),
      addressListField('From', [p.from]),
      addressListField('To', [p.to]),
      foldTokens('Date', [formatDate(p.date)]),
      messageIdField('Message-ID', p.messageId),
    ];
    if (p.replyTo !== undefined && p.replyTo.length > 0) head.push(addressListField('Reply-To', p.replyTo));
    const irt = cleanIdList(p.inReplyTo ?? [], MAX_IN_REPLY_TO);
    if (irt.length > 0) head.push(foldTokens('In-Reply-To', irt));
    const refs = cleanIdList(p.references ?? [], MAX_REFERENCES);
    if (refs.length > 0) head.push(foldTokens('References', refs));
    // RFC 9788 §2.2: one HP-Outer per non-structural outer field, rendered by the very function
    // prepareOuter uses. The per-member To is left out: one signed payload serves every member.
    for (const f of renderSharedOuterFields(p.outer)) head.push(checkField(`HP-Outer: ${f.field}`));
    head.push('MIME-Version: 1.0');

    return Buffer.concat([
      Buffer.from(head.join(CRLF) + CRLF + CRLF + `--${boundary}` + CRLF, 'latin1'),
      notice,
      Buffer.from(`${CRLF}--${boundary}${CRLF}`, 'latin1'),
      content,
      Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'latin1'),
    ]);
  });
}

/** A boundary that occurs in none of the parts. 128 random bits make a clash impossible in practice; checking costs one scan. */
function freshBoundary(random: RandomSource, parts: readonly Buffer[]): string {
  for (let i = 0; i < 4; i++) {
    const b = newBoundary(random);
    if (parts.every((part) => part.indexOf(`--${b}`, 0, 'latin1') === -1)) return b;
  }
  throw new MimeError('unsafe-value', 'could not find a MIME boundary absent from the content');
}

function contentEntity(c: InnerContent, random: RandomSource): Buffer {
  if (c.kind === 'entity') {
    const headers = checkContentHeaders(c.contentHeaders);
    return Buffer.concat([Buffer.from(headers + CRLF, 'latin1'), toCrlf(asBuffer(c.body))]);
  }
  const text = Buffer.from(
    'Content-Type: text/plain; charset=utf-8' + CRLF + 'Content-Transfer-Encoding: quoted-printable' + CRLF + CRLF + quotedPrintable(c.text),
    'latin1',
  );
  if (c.attachments.length === 0) return text;
  const parts = [text, ...c.attachments.map(attachmentPart)];
  const boundary = freshBoundary(random, parts);
  const chunks: Buffer[] = [Buffer.from(paramField('Content-Type', 'multipart/mixed', [['boundary', boundary]]) + CRLF + CRLF, 'latin1')];
  for (const part of parts) chunks.push(Buffer.from(`--${boundary}${CRLF}`, 'latin1'), part, Buffer.from(CRLF, 'latin1'));
  chunks.push(Buffer.from(`--${boundary}--`, 'latin1'));
  return Buffer.concat(chunks);
}

function attachmentPart(a: OutgoingAttachment): Buffer {
  const filename = stripControls(a.filename).split(/[/\\]/).pop()?.slice(0, 200) || 'attachment';
  const type = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(a.contentType.toLowerCase()) ? a.contentType.toLowerCase() : 'application/octet-stream';
  const head = [
    paramField('Content-Type', type, [['name', filename]]),
    paramField('Content-Disposition', 'attachment', [['filename', filename]]),
    'Content-Transfer-Encoding: base64',
  ];
  return Buffer.from(head.join(CRLF) + CRLF + CRLF + base64Lines(a.data), 'latin1');
}

/**
 * contentHeaders is a string handed in by the caller; it normally comes from parseInner, but it
 * is re-checked here because it is written into the message verbatim: only Content-* fields,
 * each one a safe, 7-bit, properly folded field.
 */
function checkContentHeaders(h: string): string {
  if (h === '') return '';
  if (!h.endsWith(CRLF)) throw new MimeError('unsafe-value', 'content headers must end with CRLF');
  const fields: string[] = [];
  for (const line of h.slice(0, -2).split(CRLF)) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += CRLF + line;
    else fields.push(line);
  }
  for (const f of fields) {
    if (!/^content-[a-z0-9-]*[ \t]*:/i.test(f)) throw new MimeError('unsafe-value', 'content headers may only hold Content-* fields');
    checkField(f);
  }
  return h;
}
