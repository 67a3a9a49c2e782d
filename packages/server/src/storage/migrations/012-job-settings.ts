// Migration 012: a shared job's settings changed at run time (the keyring rotation's automatic
// schedule toggled through the admin API), kept with the job's row so every replica, and every
// restart, follows the last change instead of only the replica the request reached.
import type { Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';

export const m012 = (_dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    await db.schema.alterTable('job_state').addColumn('settings', 'text').execute();
    await db.schema.alterTable('job_state').addColumn('settings_at', 'text').execute();
  },
});
