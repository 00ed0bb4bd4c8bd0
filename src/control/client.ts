import fs from 'node:fs';
import net from 'node:net';
import type { AdminClient, Args, Op, Result } from '../admin/api.js';
import { EXIT_REFUSED, UserError } from '../errors.js';
import type { ControlResponse } from './protocol.js';

/** Connect to a running daemon's admin socket; null when no daemon answers there. */
export async function connectControl(socketPath: string, timeoutMs = 2000): Promise<ControlClient | null> {
  if (!fs.existsSync(socketPath)) return null;
  const sock = await new Promise<net.Socket | null>((resolve) => {
    const s = net.createConnection(socketPath);
    const timer = setTimeout(() => {
      s.destroy();
      resolve(null);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
  return sock ? new ControlClient(sock) : null;
}

export class ControlClient implements AdminClient {
  readonly mode = 'daemon' as const;
  private nextId = 1;
  private buf = '';
  private readonly waiting = new Map<number, (r: ControlResponse) => void>();
  private closedError: Error | null = null;

  constructor(private readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => this.onData(chunk));
    const fail = (): void => {
      this.closedError = new UserError('the daemon closed the admin connection', EXIT_REFUSED);
      for (const [id, cb] of this.waiting) {
        cb({ id, ok: false, error: { message: this.closedError.message, exitCode: EXIT_REFUSED } });
      }
      this.waiting.clear();
    };
    sock.on('close', fail);
    sock.on('error', fail);
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      const res = JSON.parse(line) as ControlResponse;
      const cb = this.waiting.get(res.id);
      if (cb) {
        this.waiting.delete(res.id);
        cb(res);
      }
    }
  }

  async call<K extends Op>(op: K, args: Args<K>): Promise<Result<K>> {
    if (this.closedError) throw this.closedError;
    const id = this.nextId++;
    const res = await new Promise<ControlResponse>((resolve) => {
      this.waiting.set(id, resolve);
      this.sock.write(JSON.stringify({ id, op, args }) + '\n');
    });
    if (!res.ok) throw new UserError(res.error.message, res.error.exitCode);
    // The daemon runs the same typed operation; its JSON result has the operation's result type.
    return res.result as Result<K>;
  }

  close(): void {
    this.sock.end();
  }
}
