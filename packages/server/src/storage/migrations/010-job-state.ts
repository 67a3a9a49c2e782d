// Migration 010: server-wide scheduled jobs shared by every replica (keyring rotation first): when the
// job last ran, and a lease so only one replica runs it at a time (jobs/leases.ts). System rows, no tenant.
import type { Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';

export const m010 = (_dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    await db.schema
      .createTable('job_state')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_run_at', 'text')
      .addColumn('last_run_by', 'text')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'text')
      .execute();
  },
});
