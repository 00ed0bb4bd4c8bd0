import fs from 'node:fs';
import path from 'node:path';
import { Level } from 'level';
import type { AbstractSublevel, AbstractBatchOperation } from 'abstract-level';

/**
 * The LevelDB handle and its sublevels. Only store/ touches keys and encodings; everything else
 * goes through the typed repositories.
 */
export type Root = Level<string, unknown>;
export type Sub<V> = AbstractSublevel<Root, string | Buffer | Uint8Array, string, V>;
export type BatchOp = AbstractBatchOperation<Root, string, unknown>;

/** Composite keys: parts joined by NUL, which no address, id or fingerprint can contain. */
export const SEP = '\x00';
export function key(...parts: string[]): string {
  return parts.join(SEP);
}
/** Range bounds that select every key starting with the given parts. */
export function prefixRange(...parts: string[]): { gt: string; lt: string } {
  const p = key(...parts) + SEP;
  return { gt: p, lt: key(...parts) + '\x01' };
}

export class StoreLockedError extends Error {
  constructor(readonly dir: string) {
    super(`the store ${dir} is in use by another process (is the daemon running?)`);
    this.name = 'StoreLockedError';
  }
}

export function jsonSub<V>(root: Root, name: string): Sub<V> {
  return root.sublevel<string, V>(name, { valueEncoding: 'json' });
}
export function binarySub(root: Root, name: string): Sub<Uint8Array> {
  return root.sublevel<string, Uint8Array>(name, { valueEncoding: 'view' });
}

export async function openRoot(dataDir: string): Promise<Root> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dir = path.join(dataDir, 'db');
  const db: Root = new Level<string, unknown>(dir, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(dir);
    throw err;
  }
  return db;
}

/** Get that answers undefined for a missing key (level 10 already does; kept in one place). */
export async function getOr<V>(sub: Sub<V>, k: string): Promise<V | undefined> {
  const v = await sub.get(k);
  return v === undefined ? undefined : v;
}

export async function valuesWithPrefix<V>(sub: Sub<V>, ...parts: string[]): Promise<V[]> {
  const out: V[] = [];
  for await (const v of sub.values(prefixRange(...parts))) out.push(v);
  return out;
}
