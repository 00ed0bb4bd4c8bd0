import type { ServiceDeps } from '../comcheck/service-read.js';
import type { Envelope, Reply } from '../pipeline/types.js';
import type { ListRecord } from '../store/records.js';
import { runExpiryWatch } from '../comcheck/expiry-watch.js';
import { Outbox } from '../comcheck/outbox.js';
import { ComcheckReplies } from '../comcheck/replies.js';
import { KeyRequests } from '../comcheck/requests.js';
import { closeDueRuns, createRun, runIsOpen } from '../comcheck/runs.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

export interface ComcheckJobDeps extends ServiceDeps {
  scheduler?: SchedulerOptions;
}

type Handler = (raw: Buffer, env: Envelope, list: ListRecord) => Promise<Reply>;

/**
 * Com-checks, enrollment confirmation and the key-expiry watch inside the daemon: the handlers of
 * the com-check and request addresses, the outbox that sends pings and welcomes, and the schedules.
 * Every job is also callable directly, with the daemon's (injectable) clock.
 */
export class ComcheckJobs {
  readonly outbox: Outbox;
  readonly replies: ComcheckReplies;
  readonly requests: KeyRequests;
  readonly scheduler: Scheduler;

  constructor(private readonly d: ComcheckJobDeps) {
    this.outbox = new Outbox(d);
    this.replies = new ComcheckReplies(d);
    this.requests = new KeyRequests(d, this.outbox);
    this.scheduler = new Scheduler(
      d.store,
      {
        comcheckDue: (list) => this.scheduledRun(list),
        closeWindows: async () => void (await this.closeWindows()),
        expiryWatch: async () => void (await this.expiryWatch()),
      },
      d.log,
      d.scheduler,
    );
  }

  /** The pipeline's handlers for `-comcheck` and `-request` mail. */
  get services(): { comcheck: Handler; request: Handler } {
    return {
      comcheck: (raw, env, list) => this.replies.handle(raw, env, list),
      request: (raw, env, list) => this.requests.handle(raw, env, list),
    };
  }

  /** At start-up: send what waited for the daemon, catch up on windows and expiry, start the schedules. */
  async start(): Promise<void> {
    await this.outbox.flush();
    await this.closeWindows();
    await this.expiryWatch();
    await this.scheduler.start();
  }

  /**
   * A scheduled run. Skipped while the list's previous run is still open: a schedule set too
   * tight (say every minute) must not flood members with pings.
   */
  async scheduledRun(list: string): Promise<void> {
    const rec = await this.d.store.lists.get(list);
    if (!rec) return;
    const now = this.d.clock.now();
    const open = (await this.d.store.comchecks.runsOf(list)).find((r) => runIsOpen(r, now));
    if (open) {
      this.d.log.info('COMCHECK_SKIPPED', { list, reason: 'the previous run is still open', run: open.id });
      return;
    }
    const created = await createRun(this.d, rec, 'schedule');
    if (!created) {
      this.d.log.info('COMCHECK_SKIPPED', { list, reason: 'no active members' });
      return;
    }
    await this.outbox.flush(list);
  }

  closeWindows(now?: Date): Promise<number> {
    return closeDueRuns(this.d, now);
  }

  expiryWatch(now?: Date): Promise<number> {
    return runExpiryWatch(this.d, now);
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.outbox.idle();
  }
}
