import path from 'node:path';
import type { PublicKey } from 'openpgp';
import type { AdminClient, EnrollResult } from '../../src/admin/api.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config/load.js';
import { connectControl, type ControlClient } from '../../src/control/client.js';
import { Daemon, type DaemonOptions } from '../../src/daemon.js';
import { createLogger, silentLogger, type Logger } from '../../src/log.js';
import type { MemberRole } from '../../src/store/records.js';
import { makeMember, readPublic, type TestMember } from './keys.js';
import { Sink } from './sink.js';
import { rmrf, tmpDir, writeConfig } from './tmp.js';

export const PASSPHRASE_ENV = { REMAILER_KEY_PASSPHRASE: 'test passphrase' };

/**
 * A whole installation for one test: temp folders, config, a loopback sink as smarthost, the
 * daemon in-process on a free port, and an admin client through its control socket.
 */
export class TestEnv {
  daemon!: Daemon;
  admin!: ControlClient;
  config!: Config;
  readonly sink = new Sink();
  clock: Clock | undefined;
  scheduler: DaemonOptions['scheduler'];
  private constructor(readonly dir: string) {}

  static async start(
    opts: {
      extraConfig?: string;
      log?: boolean;
      smtp?: { maxMessageBytes?: number };
      /** The daemon's clock (a ManualClock where windows and expiry matter). */
      clock?: Clock;
      scheduler?: DaemonOptions['scheduler'];
      /** delivery.retry, default [1s] */
      retry?: string;
    } = {},
  ): Promise<TestEnv> {
    const env = new TestEnv(tmpDir());
    env.clock = opts.clock;
    env.scheduler = opts.scheduler;
    await env.sink.start();
    const file = writeConfig(
      env.dir,
      [
        'smtp:',
        '  port: 0',
        '  hostname: lists.test',
        ...(opts.smtp?.maxMessageBytes ? [`  maxMessageBytes: ${opts.smtp.maxMessageBytes}`] : []),
        'delivery:',
        `  port: ${env.sink.port}`,
        `  retry: ${opts.retry ?? '[1s]'}`,
        opts.extraConfig ?? '',
      ].join('\n'),
    );
    env.config = loadConfig({ configPath: file });
    await env.boot(opts.log ? createLogger('debug') : silentLogger);
    return env;
  }

  async boot(log: Logger = silentLogger): Promise<void> {
    this.admin?.close();
    this.daemon = await Daemon.start(this.config, {
      log,
      env: { ...process.env, ...PASSPHRASE_ENV },
      ...(this.clock ? { clock: this.clock } : {}),
      ...(this.scheduler ? { scheduler: this.scheduler } : {}),
    });
    const c = await connectControl(this.config.socketPath);
    if (!c) throw new Error('control socket did not answer');
    this.admin = c;
  }

  get smtpPort(): number {
    return this.daemon.smtpPort;
  }

  get client(): AdminClient {
    return this.admin;
  }

  async createList(address = 'csirt@lists.test', name = 'CSIRT Test'): Promise<PublicKey> {
    await this.admin.call('list.create', { address, name, owners: [] });
    // Members enrolled in these tests are active at once; enrollment confirmation has its own tests.
    await this.admin.call('list.set', { address, option: 'confirm-enrollment', value: 'false' });
    const k = await this.admin.call('list.key', { address });
    return readPublic(k.armored);
  }

  async enroll(list: string, m: TestMember, role: MemberRole = 'member', team = 'Team ' + m.name): Promise<EnrollResult> {
    return this.admin.call('member.add', {
      list,
      email: m.email,
      key: { base64: Buffer.from(m.armoredPublic).toString('base64') },
      name: m.name,
      team,
      role,
    });
  }

  /** A list with n members, all enrolled and (since confirmation is its own test) active. */
  async listWithMembers(n: number, address = 'csirt@lists.test'): Promise<{ listKey: PublicKey; members: TestMember[] }> {
    const listKey = await this.createList(address);
    const members: TestMember[] = [];
    for (let i = 0; i < n; i++) {
      const m = await makeMember(`member${i}@team${i}.test`, `Member ${i}`);
      await this.enroll(address, m, i === 0 ? 'owner' : 'representative');
      members.push(m);
    }
    return { listKey, members };
  }

  async stop(): Promise<void> {
    this.admin?.close();
    await this.daemon?.stop();
    await this.sink.stop();
    rmrf(this.dir);
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }
}
