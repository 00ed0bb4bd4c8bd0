/**
 * The benchmark's smarthost: a minimal SMTP server that counts copies instead of parsing them, so
 * the machine's cores go to the daemon being measured. It speaks what an SMTP client needs (EHLO
 * with PIPELINING, MAIL, RCPT, DATA, RSET, NOOP, QUIT), finds the end of DATA by scanning for
 * CRLF.CRLF, keeps each copy's first bytes (for its Message-ID) and a few whole copies for
 * verification. Not for anything but measuring.
 */
import net from 'node:net';

export interface SunkCopy {
  messageId: string;
  at: number;
  bytes: number;
  rcpt: string;
}

const END = Buffer.from('\r\n.\r\n');
const HEAD_BYTES = 4096;

export class RawSink {
  copies: SunkCopy[] = [];
  kept: Array<{ rcpt: string; raw: Buffer }> = [];
  port = 0;
  private server: net.Server | null = null;
  private waiters: Array<() => void> = [];
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly keep: number) {}

  async start(): Promise<void> {
    const server = net.createServer((s) => this.session(s));
    this.server = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
  }

  private session(sock: net.Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => undefined);
    sock.setNoDelay(true);
    sock.write('220 bench-sink ESMTP\r\n');
    let line: Buffer = Buffer.alloc(0);
    let inData = false;
    let rcpt = '';
    let head: Buffer[] = [];
    let headBytes = 0;
    let whole: Buffer[] | null = null;
    let bytes = 0;
    // The last bytes of the previous chunk, so an end marker split across chunks is found.
    let carry: Buffer = Buffer.alloc(0);

    const finishData = (): void => {
      const h = Buffer.concat(head).toString('latin1');
      const m = /^Message-ID:\s*(<[^>]+>)/im.exec(h);
      this.copies.push({ messageId: m?.[1] ?? '?', at: performance.now(), bytes, rcpt });
      if (whole) this.kept.push({ rcpt, raw: Buffer.concat(whole) });
      for (const w of this.waiters.splice(0)) w();
    };

    const command = (cmd: string): void => {
      const verb = cmd.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') sock.write('250-bench-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 1073741824\r\n');
      else if (verb === 'HELO') sock.write('250 bench-sink\r\n');
      else if (verb === 'MAIL') {
        rcpt = '';
        sock.write('250 2.1.0 Ok\r\n');
      } else if (verb === 'RCPT') {
        rcpt = /<([^>]*)>/.exec(cmd)?.[1]?.toLowerCase() ?? '';
        sock.write('250 2.1.5 Ok\r\n');
      } else if (verb === 'DATA') {
        inData = true;
        head = [];
        headBytes = 0;
        bytes = 0;
        carry = Buffer.alloc(0);
        whole = this.kept.length < this.keep ? [] : null;
        sock.write('354 End data with <CR><LF>.<CR><LF>\r\n');
      } else if (verb === 'QUIT') {
        sock.end('221 2.0.0 Bye\r\n');
      } else sock.write('250 2.0.0 Ok\r\n');
    };

    sock.on('data', (chunk: Buffer) => {
      let buf = chunk;
      while (buf.length > 0) {
        if (inData) {
          const scan = carry.length > 0 ? Buffer.concat([carry, buf]) : buf;
          const at = scan.indexOf(END);
          const offset = carry.length;
          if (at === -1) {
            bytes += buf.length;
            if (headBytes < HEAD_BYTES) {
              head.push(buf);
              headBytes += buf.length;
            }
            whole?.push(buf);
            carry = scan.subarray(Math.max(0, scan.length - (END.length - 1)));
            return;
          }
          const dataEnd = Math.max(0, at + 2 - offset); // keep the CRLF before the dot
          const part = buf.subarray(0, dataEnd);
          bytes += part.length;
          if (headBytes < HEAD_BYTES) head.push(part);
          whole?.push(part);
          inData = false;
          finishData();
          sock.write('250 2.0.0 Ok: counted\r\n');
          buf = buf.subarray(Math.max(0, at + END.length - offset));
          carry = Buffer.alloc(0);
          continue;
        }
        const nl = buf.indexOf(0x0a);
        if (nl === -1) {
          line = Buffer.concat([line, buf]);
          return;
        }
        const cmd = Buffer.concat([line, buf.subarray(0, nl)]).toString('latin1').replace(/\r$/, '');
        line = Buffer.alloc(0);
        buf = buf.subarray(nl + 1);
        command(cmd);
      }
    });
  }

  waitFor(n: number, onProgress: () => void, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sink got ${this.copies.length} of ${n} copies in time`)), timeoutMs);
      const check = (): void => {
        onProgress();
        if (this.copies.length >= n) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const s = this.server;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
