import nodemailer from 'nodemailer';
import type { Readable } from 'node:stream';
import type { Config } from '../config/load.js';
import type { DeliveryInput } from './classify.js';

/** One copy handed to the smarthost: one envelope sender (VERP), one recipient, one transaction. */
export interface Handoff {
  from: string;
  to: string;
  raw: Buffer | Uint8Array | Readable;
}

/** The smarthost's answer, in the shape classifyDelivery reads. */
export type HandoffResult = DeliveryInput;

export interface Smarthost {
  send(h: Handoff): Promise<HandoffResult>;
  close(): void;
}

interface SmtpError {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

function asResult(err: unknown): HandoffResult {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpError;
  const r: HandoffResult = {};
  if (typeof e.responseCode === 'number') r.responseCode = e.responseCode;
  if (typeof e.response === 'string') r.response = e.response;
  if (typeof e.code === 'string') r.errorCode = e.code;
  if (typeof e.message === 'string') r.message = e.message;
  else r.message = String(err);
  return r;
}

/** nodemailer's pooled SMTP transport: connections are kept open and reused across copies. */
export function createSmarthost(config: Config): Smarthost {
  const d = config.delivery;
  const transport = nodemailer.createTransport({
    pool: true,
    host: d.host,
    port: d.port,
    secure: d.secure,
    ...(d.auth ? { auth: { user: d.auth.user, pass: d.auth.pass } } : {}),
    maxConnections: d.maxConnections,
    maxMessages: 1000,
    name: config.smtp.hostname,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 120_000,
    // A local smarthost on loopback usually has no certificate for its name; STARTTLS is still
    // used when offered, and never required here (the payload is end-to-end encrypted anyway).
    tls: { rejectUnauthorized: false },
  });
  return {
    async send(h: Handoff): Promise<HandoffResult> {
      try {
        const info = await transport.sendMail({
          envelope: { from: h.from, to: [h.to] },
          raw: h.raw instanceof Uint8Array && !Buffer.isBuffer(h.raw) ? Buffer.from(h.raw.buffer, h.raw.byteOffset, h.raw.byteLength) : h.raw,
        });
        const response = typeof info.response === 'string' ? info.response : '250 OK';
        const code = Number(response.slice(0, 3));
        return { responseCode: Number.isFinite(code) ? code : 250, response };
      } catch (err) {
        return asResult(err);
      }
    },
    close() {
      transport.close();
    },
  };
}
