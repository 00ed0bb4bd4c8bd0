import { withDefaults, type ListOptions } from '../policy/options.js';
import type { ListRecord, MemberRecord } from '../store/records.js';
import { serviceAddress, splitAddress } from '../util/address.js';
import type { ListDetails, ListSummary, MemberView, OptionValue } from './api.js';

export function listName(rec: ListRecord): string {
  const n = rec.options.name;
  return typeof n === 'string' && n !== '' ? n : splitAddress(rec.address).local;
}

export function listSummary(rec: ListRecord, members: number): ListSummary {
  return {
    address: rec.address,
    name: listName(rec),
    fingerprint: rec.fingerprint,
    owners: rec.owners,
    members,
    createdAt: rec.createdAt,
  };
}

export function effectiveOptions(rec: ListRecord): ListOptions {
  return withDefaults(rec.options);
}

export function listDetails(rec: ListRecord, members: number): ListDetails {
  const options: Record<string, OptionValue> = { ...effectiveOptions(rec) };
  return {
    ...listSummary(rec, members),
    options,
    setOptions: Object.keys(rec.options).sort(),
    postAddress: rec.address,
    ownerAddress: serviceAddress(rec.address, 'owner'),
    requestAddress: serviceAddress(rec.address, 'request'),
    comcheckAddress: serviceAddress(rec.address, 'comcheck'),
  };
}

export function memberView(m: MemberRecord): MemberView {
  return {
    list: m.list,
    email: m.email,
    name: m.name,
    team: m.team,
    role: m.role,
    status: m.status,
    fingerprint: m.fingerprint,
    algorithm: m.keyAlgorithm,
    keyCreated: m.keyCreated,
    keyExpires: m.keyExpires,
    enrolledAt: m.enrolledAt,
    keyUpdatedAt: m.keyUpdatedAt,
    allowUidMismatch: m.allowUidMismatch,
    bounceCount: m.bounceCount,
  };
}
