import crypto from 'node:crypto';
import * as openpgp from 'openpgp';
import type { PrivateKey, PublicKey } from 'openpgp';

/**
 * Builds inbound mail the way OpenPGP mail clients do (PGP/MIME per RFC 3156, protected headers as
 * Thunderbird writes them, inline PGP), with openpgp.js as the client's crypto. The end-to-end
 * tests use GnuPG and Sequoia for the same shapes.
 */

export interface Attachment {
  filename: string;
  contentType: string;
  data: Uint8Array;
}

export interface MailSpec {
  from: { name?: string; address: string };
  to: string;
  subject: string;
  text: string;
  attachments?: Attachment[];
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  /** Extra outer header lines, e.g. "Auto-Submitted: auto-replied". */
  headers?: string[];
}

const CRLF = '\r\n';

function b64lines(data: Uint8Array): string {
  return (Buffer.from(data).toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

function boundary(): string {
  return `b_${crypto.randomBytes(12).toString('hex')}`;
}

function fromHeader(f: MailSpec['from']): string {
  return f.name ? `"${f.name}" <${f.address}>` : `<${f.address}>`;
}

/** The content entity a client encrypts: text (+ attachments), optionally with protected headers. */
export function innerEntity(spec: MailSpec, protectedHeaders: boolean): string {
  const b = boundary();
  const ph = protectedHeaders
    ? [`Subject: ${spec.subject}`, `From: ${fromHeader(spec.from)}`, `To: <${spec.to}>`, `Message-ID: ${spec.messageId ?? `<${crypto.randomUUID()}@client.test>`}`]
    : [];
  const textPart = ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', qp(spec.text)].join(CRLF);
  if (!spec.attachments?.length) {
    const ct = `Content-Type: text/plain; charset=utf-8${protectedHeaders ? '; protected-headers="v1"' : ''}`;
    return [ct, ...ph, 'Content-Transfer-Encoding: quoted-printable', '', qp(spec.text)].join(CRLF);
  }
  const parts = [textPart];
  for (const a of spec.attachments) {
    parts.push(
      [
        `Content-Type: ${a.contentType}; name="${a.filename}"`,
        `Content-Disposition: attachment; filename="${a.filename}"`,
        'Content-Transfer-Encoding: base64',
        '',
        b64lines(a.data),
      ].join(CRLF),
    );
  }
  return [
    `Content-Type: multipart/mixed; boundary="${b}"${protectedHeaders ? '; protected-headers="v1"' : ''}`,
    ...ph,
    '',
    ...parts.map((p) => `--${b}${CRLF}${p}`),
    `--${b}--`,
    '',
  ].join(CRLF);
}

function qp(text: string): string {
  const bytes = Buffer.from(text.replace(/\r?\n/g, '\n'), 'utf8');
  let out = '';
  let line = '';
  for (const byte of bytes) {
    if (byte === 0x0a) {
      out += line + CRLF;
      line = '';
      continue;
    }
    const ch = (byte >= 33 && byte <= 126 && byte !== 61) || byte === 32 ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    if (line.length + ch.length > 75) {
      out += line + '=' + CRLF;
      line = '';
    }
    line += ch;
  }
  if (line.endsWith(' ')) line = line.slice(0, -1) + '=20';
  return out + line;
}

function outerHeaders(spec: MailSpec, subject: string): string[] {
  return [
    `From: ${fromHeader(spec.from)}`,
    `To: <${spec.to}>`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${spec.messageId ?? `<${crypto.randomUUID()}@client.test>`}`,
    ...(spec.inReplyTo ? [`In-Reply-To: ${spec.inReplyTo}`] : []),
    ...(spec.references?.length ? [`References: ${spec.references.join(' ')}`] : []),
    ...(spec.headers ?? []),
    'MIME-Version: 1.0',
  ];
}

export type SignMode = 'combined' | 'detached' | 'none';

export interface PgpMimeOptions {
  encryptTo: PublicKey[];
  signer?: PrivateKey;
  /** combined: RFC 3156 §6.2 (Thunderbird, GnuPG); detached: §6.1 multipart/signed inside (Enigmail, Mutt). */
  sign?: SignMode;
  /** Thunderbird style: real subject inside, "..." outside. */
  protectedHeaders?: boolean;
}

export async function encryptEntity(entity: string, o: PgpMimeOptions): Promise<string> {
  const mode = o.sign ?? 'combined';
  let payload = entity;
  if (mode === 'detached') {
    if (!o.signer) throw new Error('detached signing needs a signer');
    const sig = await openpgp.sign({
      message: await openpgp.createMessage({ binary: Buffer.from(entity, 'utf8') }),
      signingKeys: o.signer,
      detached: true,
    });
    const b = boundary();
    payload = [
      `Content-Type: multipart/signed; micalg=pgp-sha512; protocol="application/pgp-signature"; boundary="${b}"`,
      '',
      `--${b}`,
      entity,
      `--${b}`,
      'Content-Type: application/pgp-signature; name="signature.asc"',
      '',
      String(sig),
      `--${b}--`,
      '',
    ].join(CRLF);
  }
  return openpgp.encrypt({
    message: await openpgp.createMessage({ binary: Buffer.from(payload, 'utf8') }),
    encryptionKeys: o.encryptTo,
    ...(mode === 'combined' && o.signer ? { signingKeys: o.signer } : {}),
  });
}

/** A PGP/MIME message (RFC 3156) as a mail client sends it. */
export async function pgpMimeMessage(spec: MailSpec, o: PgpMimeOptions): Promise<Buffer> {
  const protectedHeaders = o.protectedHeaders ?? true;
  const armored = await encryptEntity(innerEntity(spec, protectedHeaders), o);
  const b = boundary();
  const lines = [
    ...outerHeaders(spec, protectedHeaders ? '...' : spec.subject),
    `Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="${b}"`,
    '',
    'This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)',
    `--${b}`,
    'Content-Type: application/pgp-encrypted',
    'Content-Description: PGP/MIME version identification',
    '',
    'Version: 1',
    '',
    `--${b}`,
    'Content-Type: application/octet-stream; name="encrypted.asc"',
    'Content-Disposition: inline; filename="encrypted.asc"',
    '',
    armored.replace(/\r?\n/g, CRLF),
    `--${b}--`,
    '',
  ];
  return Buffer.from(lines.join(CRLF), 'utf8');
}

/** Inline PGP: an armored message in a text/plain body (Mailvelope, Proton's PGP/Inline). */
export async function inlinePgpMessage(spec: MailSpec, o: PgpMimeOptions): Promise<Buffer> {
  const armored = await openpgp.encrypt({
    message: await openpgp.createMessage({ text: spec.text }),
    encryptionKeys: o.encryptTo,
    ...(o.signer && o.sign !== 'none' ? { signingKeys: o.signer } : {}),
  });
  const lines = [...outerHeaders(spec, spec.subject), 'Content-Type: text/plain; charset=utf-8', '', armored.replace(/\r?\n/g, CRLF), ''];
  return Buffer.from(lines.join(CRLF), 'utf8');
}

/** Plain, unencrypted mail. */
export function plainMessage(spec: MailSpec): Buffer {
  const lines = [...outerHeaders(spec, spec.subject), 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', spec.text, ''];
  return Buffer.from(lines.join(CRLF), 'utf8');
}

/** Pull the armored ciphertext out of a PGP/MIME copy the daemon sent. */
export function armoredPart(raw: Buffer | string): string {
  const s = raw.toString();
  const start = s.indexOf('-----BEGIN PGP MESSAGE-----');
  const end = s.indexOf('-----END PGP MESSAGE-----');
  if (start < 0 || end < 0) throw new Error('no armored message in the copy');
  return s.slice(start, end + '-----END PGP MESSAGE-----'.length);
}
