import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../log.js';
import { TEMPFAIL, type InboundPort, type Reply, type Target } from '../pipeline/types.js';

export interface SmtpOptions {
  host: string;
  port: number;
  hostname: string;
  maxMessageBytes: number;
  maxClients: number;
  socketTimeoutMs: number;
}

class SmtpReplyError extends Error {
  readonly responseCode: number;
  constructor(reply: Reply) {
    // Enhanced status codes are not advertised (smtp-server would prefix its own, fixed ones),
    // so each reply carries its own code in the text, as Postfix copies it into bounces.
    super(`${reply.enhanced} ${reply.text}`);
    this.responseCode = reply.code;
  }
}


/** What one SMTP transaction is about, kept on the session between RCPT and DATA. */
interface Transaction {
  target: Target;
  rcpt: string;
}
const transactions = new WeakMap<SMTPServerSession, Transaction>();

function sameTarget(a: Target, b: Target): boolean {
  return a.kind === b.kind && a.list === b.list && a.token === b.token;
}

/** Read the DATA stream, keeping at most maxBytes; beyond that only count (never buffer without bound). */
function readBounded(stream: SMTPServerDataStream, maxBytes: number): Promise<{ raw: Buffer; oversized: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let oversized = false;
    stream.on('data', (chunk: Buffer) => {
      if (oversized) return;
      kept += chunk.length;
      if (kept > maxBytes) {
        oversized = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => resolve({ raw: Buffer.concat(chunks), oversized: oversized || stream.sizeExceeded }));
    stream.on('error', reject);
  });
}

export function createSmtpServer(opts: SmtpOptions, port: InboundPort, log: Logger): SMTPServer {
  const server = new SMTPServer({
    name: opts.hostname,
    banner: 'csirt-remailer ESMTP',
    size: opts.maxMessageBytes,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    hideDSN: true,
    hideREQUIRETLS: true,
    disableReverseLookup: true,
    maxClients: opts.maxClients,
    socketTimeout: opts.socketTimeoutMs,
    closeTimeout: 5000,
    maxRecipients: 50,
    logger: false,

    // Never refuse at MAIL FROM: MTAs probing recipients (Postfix reject_unverified_recipient) use
    // MAIL FROM:<double-bounce@...>; membership is judged with the whole message at DATA.
    onMailFrom(_address, session, callback) {
      transactions.delete(session);
      callback();
    },

    onRcptTo(address, session, callback) {
      port.resolveRecipient(address.address).then(
        (target) => {
          if (!target) {
            callback(new SmtpReplyError({ code: 550, enhanced: '5.1.1', text: `<${address.address}>: no such list here` }));
            return;
          }
          const tx = transactions.get(session);
          if (tx && !sameTarget(tx.target, target)) {
            // One DATA reply can only say one thing: one list address per transaction.
            callback(new SmtpReplyError({ code: 452, enhanced: '4.5.3', text: 'Send a separate message for each list address' }));
            return;
          }
          transactions.set(session, { target, rcpt: address.address.toLowerCase() });
          callback();
        },
        (err: unknown) => {
          log.error('RCPT_FAILED', { error: err instanceof Error ? err.message : String(err) });
          callback(new SmtpReplyError(TEMPFAIL));
        },
      );
    },

    onData(stream, session, callback) {
      const tx = transactions.get(session);
      transactions.delete(session);
      readBounded(stream, opts.maxMessageBytes)
        .then(async ({ raw, oversized }) => {
          if (!tx) return { code: 503, enhanced: '5.5.1', text: 'No valid recipients' };
          if (oversized) {
            return {
              code: 552,
              enhanced: '5.3.4',
              text: `Message is larger than this list accepts (${opts.maxMessageBytes} bytes)`,
            };
          }
          const from = session.envelope.mailFrom;
          return port.receive(raw, {
            mailFrom: from && from.address ? from.address.toLowerCase() : null,
            rcptTo: tx.rcpt,
            target: tx.target,
            remoteAddress: session.remoteAddress,
          });
        })
        .then(
          (reply) => {
            if (reply.code >= 200 && reply.code < 300) callback(null, `${reply.enhanced} ${reply.text}`);
            else callback(new SmtpReplyError(reply));
          },
          (err: unknown) => {
            log.error('DATA_FAILED', { error: err instanceof Error ? err.message : String(err) });
            callback(new SmtpReplyError(TEMPFAIL));
          },
        );
    },
  });
  server.on('error', (err: Error) => log.error('SMTP_ERROR', { error: err.message }));
  return server;
}

export function listen(server: SMTPServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, host, () => {
      server.server.off('error', reject);
      const addr = server.server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

export function closeServer(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
