import { jsonSub, type Root } from './db.js';

/** The store layout version. Migrations run in order on open; each one is written with sync. */
export const STORE_SCHEMA_VERSION = 1;

interface SchemaMeta {
  version: number;
  createdAt: string;
}

export class StoreTooNewError extends Error {
  constructor(found: number) {
    super(`the store was written by a newer release (schema ${found}, this release knows ${STORE_SCHEMA_VERSION})`);
    this.name = 'StoreTooNewError';
  }
}

export async function migrate(root: Root): Promise<void> {
  const meta = jsonSub<SchemaMeta>(root, 'meta');
  const current = await meta.get('schema');
  if (current === undefined) {
    const value: SchemaMeta = { version: STORE_SCHEMA_VERSION, createdAt: new Date().toISOString() };
    await root.batch([{ type: 'put', sublevel: meta, key: 'schema', value }], { sync: true });
    return;
  }
  if (current.version > STORE_SCHEMA_VERSION) throw new StoreTooNewError(current.version);
  // Future migrations: if (current.version < 2) { ...rewrite records...; put version 2 }
}
