import fs from 'node:fs';
import net from 'node:net';
import { dispatch } from '../admin/admin.js';
import { isOp, type AdminApi, type Args, type Op } from '../admin/api.js';
import { EXIT_REFUSED, EXIT_USAGE, UserError } from '../errors.js';
import type { Logger } from '../log.js';
import { MAX_LINE_BYTES, type ControlRequest, type ControlResponse } from './protocol.js';

function parseRequest(line: string): ControlRequest | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  if (typeof r['id'] !== 'number' || typeof r['op'] !== 'string') return null;
  return { id: r['id'], op: r['op'], args: r['args'] ?? {} };
}

async function handle(api: AdminApi, req: ControlRequest, log: Logger): Promise<ControlResponse> {
  if (!isOp(req.op)) return { id: req.id, ok: false, error: { message: `unknown operation ${req.op}`, exitCode: EXIT_USAGE } };
  if (typeof req.args !== 'object' || req.args === null) {
    return { id: req.id, ok: false, error: { message: 'arguments must be an object', exitCode: EXIT_USAGE } };
  }
  try {
    // Arguments are checked field by field by the operation itself, as they are for the CLI.
    const result = await dispatch(api, req.op, req.args as Args<Op>);
    return { id: req.id, ok: true, result };
  } catch (err) {
    if (err instanceof UserError) return { id: req.id, ok: false, error: { message: err.message, exitCode: err.exitCode } };
    log.error('CONTROL_FAILED', { op: req.op, error: err instanceof Error ? err.message : String(err) });
    return { id: req.id, ok: false, error: { message: `internal error in the daemon (${req.op}); see its log`, exitCode: EXIT_REFUSED } };
  }
}

/** The daemon's side of the admin socket. */
export class ControlServer {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly socketPath: string,
    private readonly api: AdminApi,
    private readonly log: Logger,
  ) {}

  async listen(): Promise<void> {
    // A socket file left by a crashed daemon: we hold the store lock, so nobody else is serving it.
    fs.rmSync(this.socketPath, { force: true });
    const server = net.createServer((sock) => this.connection(sock));
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    fs.chmodSync(this.socketPath, 0o600);
    this.server = server;
  }

  private connection(sock: net.Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_LINE_BYTES) {
        sock.destroy();
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const req = parseRequest(line);
        if (!req) {
          sock.end(JSON.stringify({ id: 0, ok: false, error: { message: 'malformed request', exitCode: EXIT_USAGE } }) + '\n');
          return;
        }
        void handle(this.api, req, this.log).then((res) => {
          if (!sock.destroyed) sock.write(JSON.stringify(res) + '\n');
        });
      }
    });
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    // An idle CLI connection must not hold the daemon's shutdown open.
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const sock of this.sockets) sock.destroy();
    await closed;
    fs.rmSync(this.socketPath, { force: true });
  }
}
