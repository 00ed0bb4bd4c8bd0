import { createAdmin, directClient } from '../../src/admin/admin.js';
import type { AdminClient } from '../../src/admin/api.js';
import { NO_EVENTS } from '../../src/admin/context.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config/load.js';
import { Store } from '../../src/store/store.js';
import type { PublicKey } from 'openpgp';
import { PASSPHRASE_ENV } from './env.js';
import { makeMember, readPublic, type TestMember } from './keys.js';
import type { Sink } from './sink.js';
import { writeConfig } from './tmp.js';

/**
 * An installation on disk for tests that run the daemon as a child process (crash, shutdown):
 * a config pointing at the sink, and the list and members created with the daemon stopped,
 * through the same admin operations the CLI uses.
 */
export function installConfig(dir: string, sink: Sink, extra = ''): { file: string; config: Config } {
  const file = writeConfig(
    dir,
    ['smtp:', '  port: 0', '  hostname: lists.test', 'delivery:', `  port: ${sink.port}`, '  retry: [1s]', extra].join('\n'),
  );
  return { file, config: loadConfig({ configPath: file }) };
}

export async function withStore<T>(config: Config, fn: (admin: AdminClient) => Promise<T>): Promise<T> {
  const store = await Store.open(config.dataDir);
  try {
    const api = createAdmin({
      config,
      store,
      clock: systemClock,
      passphrase: async () => PASSPHRASE_ENV.REMAILER_KEY_PASSPHRASE,
      events: NO_EVENTS,
      startedAt: new Date(),
    });
    return await fn(directClient(api));
  } finally {
    await store.close();
  }
}

/** A list with n members (keys generated, active at once), created with the daemon stopped. */
export async function installList(
  config: Config,
  address: string,
  n: number,
  emailOf: (i: number) => string,
): Promise<{ members: TestMember[]; listKey: PublicKey }> {
  const members: TestMember[] = [];
  const armored = await withStore(config, async (admin) => {
    await admin.call('list.create', { address, owners: [] });
    await admin.call('list.set', { address, option: 'confirm-enrollment', value: 'false' });
    for (let i = 0; i < n; i++) {
      const m = await makeMember(emailOf(i), `Member ${i}`);
      await admin.call('member.add', { list: address, email: m.email, key: { base64: Buffer.from(m.armoredPublic).toString('base64') } });
      members.push(m);
    }
    return (await admin.call('list.key', { address })).armored;
  });
  return { members, listKey: await readPublic(armored) };
}
