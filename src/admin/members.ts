import { enrollmentFor, statusAfterKey } from '../comcheck/enrollment.js';
import { RefusedError } from '../errors.js';
import { withDefaults } from '../policy/options.js';
import { inspectMemberKey, type MemberKeyInfo } from '../pgp/key-check.js';
import { memberKeyFields } from '../store/member-key.js';
import { MEMBER_ROLES, type MemberRecord, type MemberRole } from '../store/records.js';
import type { AdminApi, EnrollResult, KeyInput } from './api.js';
import type { AdminContext } from './context.js';
import { label, memberAddress } from './input.js';
import { requireList } from './lists.js';
import { memberView } from './views.js';

type MemberOps = Pick<AdminApi, 'member.add' | 'member.ls' | 'member.show' | 'member.update-key' | 'member.rm'>;

const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

function keyBytes(key: KeyInput): Uint8Array {
  const bytes = Buffer.from(key.base64, 'base64');
  if (bytes.length === 0) throw new RefusedError('the key file is empty');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

function role(input: string | undefined): MemberRole {
  if (input === undefined) return 'member';
  const r = MEMBER_ROLES.find((x) => x === input);
  if (!r) throw new RefusedError(`role must be one of ${MEMBER_ROLES.join(', ')}`);
  return r;
}

function warningsFor(info: MemberKeyInfo, now: Date): string[] {
  if (info.expires === null) return [];
  const days = (info.expires.getTime() - now.getTime()) / DAY_MS;
  if (days > EXPIRY_WARNING_DAYS) return [];
  return [`the key expires in ${Math.max(0, Math.floor(days))} days (${info.expires.toISOString()}): ask the member for an extended key`];
}

/** Refuse a key another member of the same list already uses: signatures must name exactly one sender. */
async function assertKeyNotShared(ctx: AdminContext, list: string, email: string, fingerprint: string): Promise<void> {
  const others = await ctx.store.members.ofList(list);
  const clash = others.find((m) => m.fingerprint === fingerprint && m.email !== email);
  if (clash) throw new RefusedError(`key ${fingerprint} is already enrolled for ${clash.email} on this list`);
}

function enrolled(rec: MemberRecord, info: MemberKeyInfo, now: Date): EnrollResult {
  return { ...memberView(rec), warnings: warningsFor(info, now) };
}

export function memberOps(ctx: AdminContext): MemberOps {
  async function requireMember(listInput: string, emailInput: string): Promise<MemberRecord> {
    const list = await requireList(ctx, listInput);
    const email = memberAddress(emailInput);
    const m = await ctx.store.members.get(list.address, email);
    if (!m) throw new RefusedError(`${email} is not a member of ${list.address}`);
    return m;
  }

  return {
    async 'member.add'(a) {
      const list = await requireList(ctx, a.list);
      const email = memberAddress(a.email);
      if (await ctx.store.members.get(list.address, email)) {
        throw new RefusedError(`${email} is already a member of ${list.address} (use "member update-key" to change the key)`);
      }
      const name = label(a.name, 'the name');
      const team = label(a.team, 'the team');
      const r = role(a.role);
      const now = ctx.clock.now();
      const info = await inspectMemberKey(keyBytes(a.key), {
        email,
        expectedFingerprint: a.fingerprint,
        allowUidMismatch: a.allowUidMismatch === true,
        now,
      });
      await assertKeyNotShared(ctx, list.address, email, info.fingerprint);
      const rec: MemberRecord = {
        v: 1,
        list: list.address,
        email,
        name,
        team,
        role: r,
        status: statusAfterKey(null, null, info.fingerprint, withDefaults(list.options)['confirm-enrollment']),
        ...memberKeyFields(info, now),
        enrolledAt: now.toISOString(),
        bounceCount: 0,
      };
      const tx = ctx.store.members.put(ctx.store.tx(), rec);
      // A pending member gets a welcome to confirm with (sent by the daemon: see comcheck/outbox.ts).
      if (rec.status === 'pending') ctx.store.comchecks.putEnrollment(tx, enrollmentFor(rec, now));
      await tx.commit();
      await ctx.events.memberChanged(list.address, email, 'added');
      if (rec.status === 'pending') await ctx.events.outbox?.(list.address);
      return enrolled(rec, info, now);
    },

    async 'member.ls'({ list }) {
      const rec = await requireList(ctx, list);
      return (await ctx.store.members.ofList(rec.address)).map(memberView);
    },

    async 'member.show'({ list, email }) {
      return memberView(await requireMember(list, email));
    },

    async 'member.update-key'(a) {
      const m = await requireMember(a.list, a.email);
      const now = ctx.clock.now();
      const info = await inspectMemberKey(keyBytes(a.key), {
        email: m.email,
        expectedFingerprint: a.fingerprint,
        allowUidMismatch: a.allowUidMismatch === true,
        now,
      });
      await assertKeyNotShared(ctx, m.list, m.email, info.fingerprint);
      const list = await requireList(ctx, m.list);
      const status = statusAfterKey(m.status, m.fingerprint, info.fingerprint, withDefaults(list.options)['confirm-enrollment']);
      const rec: MemberRecord = {
        ...m,
        status,
        ...memberKeyFields(info, now),
      };
      const tx = ctx.store.members.put(ctx.store.tx(), rec);
      // A new key needs its own confirmation: the old welcome (and its token) is void.
      const welcome = status === 'pending' && info.fingerprint !== m.fingerprint;
      const old = await ctx.store.comchecks.enrollment(m.list, m.email);
      if (old && (welcome || status === 'active')) ctx.store.comchecks.delEnrollment(tx, old);
      if (welcome) ctx.store.comchecks.putEnrollment(tx, enrollmentFor(rec, now));
      await tx.commit();
      await ctx.events.memberChanged(m.list, m.email, 'key-updated');
      if (welcome) await ctx.events.outbox?.(m.list);
      return enrolled(rec, info, now);
    },

    async 'member.rm'({ list, email }) {
      const m = await requireMember(list, email);
      const tx = ctx.store.members.del(ctx.store.tx(), m.list, m.email);
      const enrollment = await ctx.store.comchecks.enrollment(m.list, m.email);
      if (enrollment) ctx.store.comchecks.delEnrollment(tx, enrollment);
      await tx.commit();
      await ctx.events.memberChanged(m.list, m.email, 'removed');
      return { list: m.list, email: m.email };
    },
  };
}
