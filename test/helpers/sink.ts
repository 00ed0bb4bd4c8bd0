import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** What the loopback smarthost received: one entry per SMTP transaction. */
export interface SunkMessage {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
}

/** A reply the sink gives at DATA for a recipient; default 250. */
export type SinkPolicy = (rcpt: string, attempt: number) => { code: number; message: string } | null;

/**
 * A real SMTP server on loopback standing in for the smarthost. It keeps what it receives in
 * memory and can answer 4xx/5xx per recipient to exercise retries.
 */
export class Sink {
  readonly messages: SunkMessage[] = [];
  private readonly attempts = new Map<string, number>();
  private server: SMTPServer | null = null;
  private waiters: Array<() => void> = [];
  port = 0;
  policy: SinkPolicy = () => null;
  /** Time the sink takes to store a message before it records and answers it (a slow smarthost). */
  delayMs = 0;
  /** The same per first recipient; by default delayMs for everyone. */
  delayFor: (rcpt: string) => number = () => this.delayMs;

  private settle(rcpt: string): Promise<void> {
    const ms = this.delayFor(rcpt);
    return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
  }

  async start(port = 0): Promise<number> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      size: 200 * 1024 * 1024,
      onData: (stream, session: SMTPServerSession, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        const rcptTo = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const first = rcptTo[0] ?? '';
        stream.on('end', () => void this.settle(first).then(() => {
          const n = (this.attempts.get(first) ?? 0) + 1;
          this.attempts.set(first, n);
          const verdict = this.policy(first, n);
          if (verdict && verdict.code >= 400) {
            const err = Object.assign(new Error(verdict.message), { responseCode: verdict.code });
            callback(err);
            return;
          }
          const from = session.envelope.mailFrom;
          this.messages.push({ mailFrom: from ? from.address : '', rcptTo, raw: Buffer.concat(chunks) });
          callback(null, 'queued as sink');
          for (const w of this.waiters.splice(0)) w();
        }));
      },
    });
    // A client that dies mid-transaction (the crash tests kill the daemon) is not an error here.
    server.on('error', () => undefined);
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    const addr = server.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : port;
    return this.port;
  }

  /** Resolve once `n` messages are in (or reject after timeoutMs). */
  waitFor(n: number, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sink got ${this.messages.length} of ${n} messages`)), timeoutMs);
      const check = (): void => {
        if (this.messages.length >= n) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
