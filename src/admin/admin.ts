import { AuditLog } from '../audit/log.js';
import type { AdminApi, AdminClient, Args, Op, Result } from './api.js';
import type { AdminContext } from './context.js';
import { listOps } from './lists.js';
import { logOps } from './log.js';
import { memberOps } from './members.js';
import { queueOps } from './queue.js';

export const VERSION = '0.1.0';

export function createAdmin(ctx: AdminContext): AdminApi {
  // Direct mode holds the store alone, so its own AuditLog cannot fork a chain.
  const audit = ctx.audit ?? new AuditLog(ctx.store);
  return {
    ...listOps(ctx),
    ...memberOps(ctx),
    ...logOps(ctx, audit),
    ...queueOps(ctx, audit),
    async 'daemon.status'() {
      return { pid: process.pid, startedAt: ctx.startedAt.toISOString(), version: VERSION };
    },
  };
}

/** Run one operation by name: the single dispatch point shared by the CLI (direct) and the admin socket. */
export function dispatch<K extends Op>(api: AdminApi, op: K, args: Args<K>): Promise<Result<K>> {
  const fn = api[op] as (a: Args<K>) => Promise<Result<K>>;
  return fn(args);
}

export function directClient(api: AdminApi): AdminClient {
  return { mode: 'direct', call: (op, args) => dispatch(api, op, args) };
}
