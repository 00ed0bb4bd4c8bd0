import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Readable } from 'node:stream';
import type { Config } from '../config/load.js';
import type { Handoff, HandoffResult, Smarthost } from './transport.js';

/**
 * Persistent SMTP connections to the smarthost, each used for one transaction at a time. This is
 * nodemailer's own SMTP client (nodemailer/lib/smtp-connection) without its mail-composing layer:
 * our copies are complete MIME already, and nodemailer's sendMail spent more time per copy on
 * plugins, Message-ID generation and stream plumbing than the copy's public-key operation costs.
 */
interface Conn {
  c: SMTPConnection;
  sent: number;
  broken: boolean;
}

interface Failure {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

function asResult(err: unknown): HandoffResult {
  const e = (typeof err === 'object' && err !== null ? err : {}) as Failure;
  const r: HandoffResult = {};
  if (typeof e.responseCode === 'number') r.responseCode = e.responseCode;
  if (typeof e.response === 'string') r.response = e.response;
  if (typeof e.code === 'string') r.errorCode = e.code;
  r.message = typeof e.message === 'string' ? e.message : String(err);
  return r;
}

/** Copies per connection before it is renewed (as Postfix's smtp client limits reuse). */
const MAX_PER_CONNECTION = 1000;

export class SmtpPool implements Smarthost {
  private readonly idle: Conn[] = [];
  private readonly waiters: Array<(c: Conn | null) => void> = [];
  private open = 0;
  private closed = false;

  constructor(
    private readonly options: SMTPConnection.Options,
    private readonly auth: { user: string; pass: string } | null,
    private readonly maxConnections: number,
  ) {}

  static fromConfig(config: Config): SmtpPool {
    const d = config.delivery;
    return new SmtpPool(
      {
        host: d.host,
        port: d.port,
        secure: d.secure,
        name: config.smtp.hostname,
        connectionTimeout: 30_000,
        greetingTimeout: 30_000,
        socketTimeout: 120_000,
        // A local smarthost on loopback usually has no certificate for its name; STARTTLS is still
        // used when offered (the payload is end-to-end encrypted anyway).
        tls: { rejectUnauthorized: false },
      },
      d.auth,
      d.maxConnections,
    );
  }

  private connect(): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const c = new SMTPConnection(this.options);
      const conn: Conn = { c, sent: 0, broken: false };
      let settled = false;
      // SMTPConnection reports a failed connect (refused, timeout, TLS) as an 'error' event, not
      // through connect's callback; later errors (the server hung up while idle) retire it.
      c.on('error', (err) => {
        conn.broken = true;
        if (!settled) {
          settled = true;
          c.close();
          reject(err);
        }
      });
      c.on('end', () => {
        conn.broken = true;
        if (!settled) {
          settled = true;
          reject(Object.assign(new Error('the smarthost closed the connection'), { code: 'ECONNECTION' }));
        }
      });
      c.connect((err) => {
        if (settled) return;
        settled = true;
        if (err) {
          c.close();
          reject(err);
          return;
        }
        if (!this.auth) {
          resolve(conn);
          return;
        }
        c.login({ user: this.auth.user, pass: this.auth.pass }, (loginErr) => {
          // An authentication failure is the operator's to fix (classify: EAUTH is temporary).
          if (loginErr) {
            c.close();
            reject(loginErr);
          } else resolve(conn);
        });
      });
    });
  }

  private async acquire(): Promise<Conn> {
    if (this.closed) throw Object.assign(new Error('the smarthost connections are closed (shutting down)'), { code: 'ECONNECTION' });
    for (;;) {
      const c = this.idle.pop();
      if (!c) break;
      if (!c.broken) return c;
      this.open--;
      c.c.close();
    }
    if (this.open < this.maxConnections) {
      this.open++;
      try {
        return await this.connect();
      } catch (err) {
        this.open--;
        this.wakeOne();
        throw err;
      }
    }
    const c = await new Promise<Conn | null>((resolve) => this.waiters.push(resolve));
    return c ?? this.acquire();
  }

  /** A waiter gets the connection directly, or a chance to open one. */
  private release(conn: Conn | null): void {
    if (conn && (conn.broken || conn.sent >= MAX_PER_CONNECTION || this.closed)) {
      if (!conn.broken) conn.c.quit();
      else conn.c.close();
      this.open--;
      conn = null;
    }
    const w = this.waiters.shift();
    if (w) w(conn);
    else if (conn) this.idle.push(conn);
  }

  private wakeOne(): void {
    this.waiters.shift()?.(null);
  }

  async send(h: Handoff): Promise<HandoffResult> {
    let conn: Conn;
    try {
      conn = await this.acquire();
    } catch (err) {
      return asResult(err);
    }
    const raw: Buffer | Readable = h.raw instanceof Uint8Array && !Buffer.isBuffer(h.raw) ? Buffer.from(h.raw.buffer, h.raw.byteOffset, h.raw.byteLength) : (h.raw as Buffer | Readable);
    try {
      const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) => {
        conn.c.send({ from: h.from, to: [h.to] }, raw, (err, i) => (err ? reject(err) : resolve(i)));
      });
      conn.sent++;
      const response = typeof info.response === 'string' ? info.response : '250 OK';
      const code = Number(response.slice(0, 3));
      this.release(conn);
      return { responseCode: Number.isFinite(code) ? code : 250, response };
    } catch (err) {
      const result = asResult(err);
      // The server answered (e.g. 550 at RCPT): the connection is fine after RSET. Otherwise it is gone.
      if (result.responseCode !== undefined && !conn.broken) {
        await new Promise<void>((resolve) => conn.c.reset((e) => {
          if (e) conn.broken = true;
          resolve();
        }));
      } else conn.broken = true;
      this.release(conn);
      return result;
    }
  }

  close(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.c.quit();
    for (const w of this.waiters.splice(0)) w(null);
  }
}
