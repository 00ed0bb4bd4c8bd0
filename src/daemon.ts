import crypto from 'node:crypto';
import fs from 'node:fs';
import type { SMTPServer } from 'smtp-server';
import { createAdmin } from './admin/admin.js';
import type { AdminEvents } from './admin/context.js';
import { AuditLog } from './audit/log.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/load.js';
import { ControlServer } from './control/server.js';
import { BounceHandler } from './delivery/bounces.js';
import { OwnerNotices } from './delivery/notices.js';
import { createSmarthost, type Smarthost } from './delivery/transport.js';
import { DeliveryWorker } from './delivery/worker.js';
import { defaultWrapThreads, WrapThreads } from './pgp/wrap-threads.js';
import { ConfigError, RefusedError, errorMessage } from './errors.js';
import type { Logger } from './log.js';
import type { RandomSource } from './mime/index.js';
import { PublicKeyCache } from './pgp/key-cache.js';
import { assertKeysDirPrivate } from './pgp/keyfiles.js';
import { ListKeyring } from './pgp/keyring.js';
import { requirePassphrase } from './pgp/passphrase.js';
import { scheduleRetention, type ScheduledJob } from './jobs/retention.js';
import { ComcheckJobs } from './jobs/comchecks.js';
import type { SchedulerOptions } from './jobs/scheduler.js';
import { InboundPipeline } from './pipeline/inbound.js';
import type { Envelope, InboundPort } from './pipeline/types.js';
import { ListMailer } from './queue/list-mail.js';
import { Queue } from './queue/queue.js';
import { SentJournal } from './queue/sent-journal.js';
import { closeServer, createSmtpServer, listen } from './smtp/server.js';
import { StoreLockedError } from './store/db.js';
import { Store } from './store/store.js';

export interface DaemonOptions {
  log: Logger;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  /** Replaces the nodemailer transport (tests that need no smarthost). */
  smarthost?: Smarthost;
  /** Override the fixed job schedules (tests). */
  scheduler?: SchedulerOptions;
}

const random: RandomSource = (n) => new Uint8Array(crypto.randomBytes(n));

/** Counts messages being decided, so shutdown waits for each to be stored or refused. */
export class Inflight implements InboundPort {
  private readonly active = new Set<Promise<unknown>>();
  constructor(private readonly inner: InboundPort) {}
  resolveRecipient(address: string) {
    return this.inner.resolveRecipient(address);
  }
  receive(raw: Buffer, env: Envelope) {
    const p = this.inner.receive(raw, env);
    this.active.add(p);
    void p.finally(() => this.active.delete(p)).catch(() => undefined);
    return p;
  }
  async drain(): Promise<void> {
    await Promise.allSettled([...this.active]);
  }
}

/**
 * The running daemon. Start-up order: config → store → key checks → keys → queue and delivery →
 * admin socket → SMTP → resume the queue. Shutdown runs backwards: stop accepting, let decisions
 * in progress finish, stop the worker (what is not sent stays queued on disk), close the store.
 */
export class Daemon {
  private stopping: Promise<void> | null = null;
  /** Scheduled jobs (log retention); stopped before the store closes. */
  private jobs: ScheduledJob[] = [];

  private constructor(
    readonly config: Config,
    readonly store: Store,
    readonly keyring: ListKeyring,
    readonly worker: DeliveryWorker,
    readonly notices: OwnerNotices,
    readonly smtpPort: number,
    private readonly smtp: SMTPServer,
    /** The inbound decision path, as SMTP uses it (tests call it directly). */
    readonly inbound: Inflight,
    private readonly smarthost: Smarthost,
    private readonly control: ControlServer,
    private readonly log: Logger,
    /** Com-checks, enrollment confirmation, key-expiry watch and their schedules. */
    readonly comchecks: ComcheckJobs,
  ) {}

  static async start(config: Config, opts: DaemonOptions): Promise<Daemon> {
    const { log } = opts;
    const clock = opts.clock ?? systemClock;
    const env = opts.env ?? process.env;
    const startedAt = clock.now();

    try {
      await assertKeysDirPrivate(config.keysDir);
    } catch (err) {
      throw new ConfigError(errorMessage(err));
    }

    let store: Store;
    try {
      store = await Store.open(config.dataDir);
    } catch (err) {
      if (err instanceof StoreLockedError) throw new RefusedError(`${err.message}; only one daemon can use a data folder`);
      throw err;
    }

    const cleanup: Array<() => Promise<void> | void> = [() => store.close()];
    try {
      const passphrase = () => requirePassphrase(config, env);
      const keyring = new ListKeyring(config.keysDir, passphrase);
      const lists = await store.lists.all();
      for (const l of lists) await keyring.load(l.address);

      const audit = new AuditLog(store);
      const queue = new Queue(store, audit, clock);
      const keys = new PublicKeyCache();
      const smarthost = opts.smarthost ?? createSmarthost(config);
      cleanup.unshift(() => smarthost.close());
      let mailer: ListMailer | null = null;
      const notices = new OwnerNotices(store, () => {
        if (!mailer) throw new Error('mailer not ready');
        return mailer;
      }, log);
      const journal = new SentJournal(SentJournal.pathIn(config.dataDir));
      const wrapper = new WrapThreads(config.delivery.wrapThreads ?? defaultWrapThreads(), (reason) => {
        log.warn('WRAP_THREADS_FAILED', { reason, effect: 'session keys are wrapped on the main thread from now on' });
      });
      const worker = new DeliveryWorker({ store, audit, keyring, keys, smarthost, notices, clock, config, log, random, journal, wrapper });
      cleanup.unshift(() => worker.stop());
      const onQueued = worker.add.bind(worker);
      mailer = new ListMailer(queue, keyring, keys, clock, config.smtp.hostname, random, onQueued);

      const bounces = new BounceHandler(store, audit, notices, clock, log);
      const comchecks = new ComcheckJobs({ store, keyring, keys, audit, clock, log, config, mailer, scheduler: opts.scheduler });
      cleanup.unshift(() => comchecks.stop());
      const pipeline = new InboundPipeline({
        store,
        keyring,
        keys,
        queue,
        audit,
        clock,
        log,
        config,
        random,
        onQueued,
        services: {
          ...comchecks.services,
          bounce: (raw, env, list) => bounces.handle(raw, env.target.token ?? '', list),
        },
      });
      const inflight = new Inflight(pipeline);

      const events: AdminEvents = {
        listCreated: async (address) => {
          await keyring.load(address);
          log.info('LIST_CREATED', { list: address });
        },
        listChanged: async (address, option) => {
          log.info('LIST_CHANGED', { list: address, option });
          if (option === 'comcheck-schedule') await comchecks.scheduler.reload(address);
        },
        listDeleted: async (address) => {
          keyring.drop(address);
          await comchecks.scheduler.reload(address);
          log.info('LIST_DELETED', { list: address });
        },
        memberChanged: async (list, email, change) => {
          worker.membersChanged(list);
          log.info('MEMBER_CHANGED', { list, member: email, change });
        },
        queueRetry: async (keys) => {
          worker.retryNow(keys);
          log.info('QUEUE_RETRY', { deliveries: keys.length });
        },
        queueDrop: async (keys) => {
          const busy = worker.cancel(keys);
          log.info('QUEUE_DROP', { deliveries: keys.length - busy.length, inFlight: busy.length });
          return busy;
        },
        outbox: (list) => comchecks.outbox.flush(list),
      };
      const api = createAdmin({ config, store, clock, passphrase, events, startedAt, audit });
      fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      const control = new ControlServer(config.socketPath, api, log);
      await control.listen();
      cleanup.unshift(() => control.close());

      const smtp = createSmtpServer(
        {
          host: config.smtp.host,
          port: config.smtp.port,
          hostname: config.smtp.hostname,
          maxMessageBytes: config.smtp.maxMessageBytes,
          maxClients: config.smtp.maxClients,
          socketTimeoutMs: config.smtp.socketTimeout,
        },
        inflight,
        log,
      );
      const smtpPort = await listen(smtp, config.smtp.host, config.smtp.port);
      const resumed = await worker.start();
      // Parse and check members' keys in the background, so the first messages after a start do
      // not pay for it (a hundred keys take a few hundred milliseconds).
      void (async () => {
        const t = Date.now();
        let n = 0;
        for (const l of lists) {
          const ms = await store.members.ofList(l.address);
          n += ms.length;
          await keys.warm(ms.map((m) => ({ fingerprint: m.fingerprint, armored: m.publicKey })), clock.now());
        }
        log.debug('KEYS_WARMED', { keys: n, ms: Date.now() - t });
      })().catch(() => undefined);
      const retention = scheduleRetention({ store, audit, clock, log });
      cleanup.unshift(() => retention.stop());
      await comchecks.start();

      log.info('STARTED', {
        pid: process.pid,
        lists: lists.length,
        smtp: `${config.smtp.host}:${smtpPort}`,
        smarthost: `${config.delivery.host}:${config.delivery.port}`,
        resumed,
        socket: config.socketPath,
      });
      const daemon = new Daemon(config, store, keyring, worker, notices, smtpPort, smtp, inflight, smarthost, control, log, comchecks);
      daemon.jobs = [retention];
      return daemon;
    } catch (err) {
      for (const fn of cleanup) await fn();
      throw err;
    }
  }

  /** Stop accepting, finish or re-queue in-flight work, close the store. Safe to call twice. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        await closeServer(this.smtp);
        await this.inbound.drain();
        await this.comchecks.stop();
        for (const job of this.jobs) await job.stop();
        await this.notices.flush();
        await this.worker.stop();
        this.smarthost.close();
        await this.control.close();
        await this.store.close();
        this.log.info('STOPPED', {});
      })();
    }
    return this.stopping;
  }
}
