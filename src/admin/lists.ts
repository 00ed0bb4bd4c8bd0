import fs from 'node:fs';
import { RefusedError, errorMessage } from '../errors.js';
import { generateListKey, writeSecretKeyFile } from '../pgp/list-key.js';
import { listKeyPath, retiredKeyPath } from '../pgp/keyfiles.js';
import { parseListOption } from '../policy/options.js';
import type { ListRecord } from '../store/records.js';
import { serviceAddress, splitAddress } from '../util/address.js';
import type { AdminApi } from './api.js';
import type { AdminContext } from './context.js';
import { label, listAddress, memberAddress } from './input.js';
import { listDetails, listSummary } from './views.js';

type ListOps = Pick<AdminApi, 'list.create' | 'list.ls' | 'list.show' | 'list.set' | 'list.key' | 'list.delete'>;

export async function requireList(ctx: AdminContext, input: string): Promise<ListRecord> {
  const address = listAddress(input);
  const rec = await ctx.store.lists.get(address);
  if (!rec) throw new RefusedError(`no list ${address} (see "remailer list ls")`);
  return rec;
}

export function listOps(ctx: AdminContext): ListOps {
  return {
    async 'list.create'({ address: input, name, owners }) {
      const address = listAddress(input);
      if (await ctx.store.lists.get(address)) throw new RefusedError(`list ${address} already exists`);
      const displayName = label(name, 'the list name', 100);
      const ownerAddrs = [...new Set(owners.map(memberAddress))];
      const passphrase = await ctx.passphrase();
      const keyPath = listKeyPath(ctx.config.keysDir, address);
      if (fs.existsSync(keyPath)) {
        throw new RefusedError(`a key file for ${address} already exists at ${keyPath}; move it away first`);
      }
      const key = await generateListKey({
        name: displayName || splitAddress(address).local,
        address,
        passphrase,
        aliases: [serviceAddress(address, 'comcheck'), serviceAddress(address, 'request')],
      });
      fs.mkdirSync(ctx.config.keysDir, { recursive: true, mode: 0o700 });
      await writeSecretKeyFile(keyPath, key.armoredSecret);
      const rec: ListRecord = {
        v: 1,
        address,
        owners: ownerAddrs,
        fingerprint: key.fingerprint,
        publicKey: key.armoredPublic,
        createdAt: ctx.clock.now().toISOString(),
        options: displayName ? { name: displayName } : {},
      };
      try {
        await ctx.store.lists.put(ctx.store.tx(), rec).commit();
      } catch (err) {
        fs.rmSync(keyPath, { force: true });
        throw err;
      }
      await ctx.events.listCreated(address);
      return listSummary(rec, 0);
    },

    async 'list.ls'() {
      const lists = await ctx.store.lists.all();
      return Promise.all(lists.map(async (l) => listSummary(l, await ctx.store.members.count(l.address))));
    },

    async 'list.show'({ address }) {
      const rec = await requireList(ctx, address);
      return listDetails(rec, await ctx.store.members.count(rec.address));
    },

    async 'list.set'({ address, option, value }) {
      const rec = await requireList(ctx, address);
      let parsed;
      try {
        parsed = parseListOption(option, value);
      } catch (err) {
        throw new RefusedError(errorMessage(err));
      }
      const updated: ListRecord = { ...rec, options: { ...rec.options, [parsed.key]: parsed.value } };
      await ctx.store.lists.put(ctx.store.tx(), updated).commit();
      await ctx.events.listChanged(rec.address, parsed.key);
      return { address: rec.address, option: parsed.key, value: parsed.value };
    },

    async 'list.key'({ address }) {
      const rec = await requireList(ctx, address);
      return { address: rec.address, fingerprint: rec.fingerprint, armored: rec.publicKey };
    },

    async 'list.delete'({ address }) {
      const rec = await requireList(ctx, address);
      const members = await ctx.store.members.ofList(rec.address);
      const tx = ctx.store.tx();
      for (const m of members) ctx.store.members.del(tx, rec.address, m.email);
      ctx.store.lists.del(tx, rec.address);
      await ctx.store.comchecks.clearList(tx, rec.address);
      await tx.commit();
      const keyPath = listKeyPath(ctx.config.keysDir, rec.address);
      if (fs.existsSync(keyPath)) fs.renameSync(keyPath, retiredKeyPath(ctx.config.keysDir, rec.address, ctx.clock.now()));
      await ctx.events.listDeleted(rec.address);
      return { address: rec.address, members: members.length };
    },
  };
}
