import { schedule, type ScheduledTask, type Logger as CronLogger } from 'node-cron';
import type { Logger } from '../log.js';
import { withDefaults } from '../policy/options.js';
import type { Store } from '../store/store.js';

/** What the schedules run. Errors are logged by the scheduler; a failed run waits for its next turn. */
export interface JobHooks {
  /** A list's comcheck-schedule fired. */
  comcheckDue(list: string): Promise<void>;
  /** Turn open pings of closed windows into missed ones. */
  closeWindows(): Promise<void>;
  /** The daily key-expiry watch. */
  expiryWatch(): Promise<void>;
}

export interface SchedulerOptions {
  /** When windows are checked; default every minute. */
  windowCron?: string;
  /** When the key-expiry watch runs; default daily at 06:00 (local time of the daemon). */
  expiryCron?: string;
}

/**
 * The daemon's node-cron schedules: one per list with a comcheck-schedule, plus the window-close
 * and key-expiry jobs. `reload(list)` replaces a list's schedule while the daemon runs (the admin
 * operation `list set ... comcheck-schedule` calls it), so a change needs no restart. Expressions
 * are evaluated in the daemon's local time zone; six fields (with seconds) are accepted.
 */
export class Scheduler {
  private readonly lists = new Map<string, { expression: string; task: ScheduledTask }>();
  private readonly fixed: ScheduledTask[] = [];
  private readonly running = new Set<Promise<void>>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly cronLog: CronLogger;

  constructor(
    private readonly store: Store,
    private readonly hooks: JobHooks,
    private readonly log: Logger,
    private readonly opts: SchedulerOptions = {},
  ) {
    const text = (m: string | Error): string => (m instanceof Error ? m.message : m);
    this.cronLog = {
      info: (m) => log.debug('CRON', { message: m }),
      warn: (m) => log.warn('CRON', { message: m }),
      error: (m) => log.error('CRON', { message: text(m) }),
      debug: (m) => log.debug('CRON', { message: text(m) }),
    };
  }

  async start(): Promise<void> {
    this.fixed.push(this.task('comcheck-windows', this.opts.windowCron ?? '* * * * *', () => this.hooks.closeWindows()));
    this.fixed.push(this.task('key-expiry-watch', this.opts.expiryCron ?? '0 6 * * *', () => this.hooks.expiryWatch()));
    for (const l of await this.store.lists.all()) await this.reload(l.address);
  }

  /** Make the list's schedule what its options say now (none for a deleted list or "off"). */
  reload(list: string): Promise<void> {
    const next = this.chain.then(async () => {
      if (this.stopped) return;
      const rec = await this.store.lists.get(list);
      const expression = rec ? withDefaults(rec.options)['comcheck-schedule'] : '';
      const current = this.lists.get(list);
      if (current?.expression === expression) return;
      if (current) {
        await current.task.destroy();
        this.lists.delete(list);
      }
      if (expression === '') {
        if (current) this.log.info('COMCHECK_UNSCHEDULED', { list });
        return;
      }
      const task = this.task(`comcheck ${list}`, expression, () => this.hooks.comcheckDue(list));
      this.lists.set(list, { expression, task });
      this.log.info('COMCHECK_SCHEDULED', { list, schedule: expression, next: task.getNextRun()?.toISOString() ?? null });
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** The schedule in force for a list (null: none). */
  scheduleOf(list: string): string | null {
    return this.lists.get(list)?.expression ?? null;
  }

  private task(name: string, expression: string, fn: () => Promise<void>): ScheduledTask {
    return schedule(expression, () => this.run(name, fn), { name, noOverlap: true, logger: this.cronLog });
  }

  private run(name: string, fn: () => Promise<void>): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const p = fn()
      .catch((err: unknown) => this.log.error('JOB_FAILED', { job: name, error: err instanceof Error ? err.message : String(err) }))
      .finally(() => this.running.delete(p));
    this.running.add(p);
    return p;
  }

  /** Stop every schedule and wait for jobs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
    for (const t of [...this.fixed, ...[...this.lists.values()].map((l) => l.task)]) await t.destroy();
    this.fixed.length = 0;
    this.lists.clear();
    await Promise.allSettled([...this.running]);
  }
}
