// Migration 005: a partial index over the versions not destroyed yet, so pruning a secret with a long
// destroyed history reads only its live versions (writes stay fast however many versions were kept).
import { sql, type Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';

export const m005 = (_dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    await sql`create index secret_versions_live on secret_versions (secret_id, version) where state != 'destroyed'`.execute(db);
  },
});
