// Migration 006: the live-versions index also carries the tenant, so pruning (which filters by tenant
// as every query does) reads the index alone instead of fetching each live version's row.
import { sql, type Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';

export const m006 = (_dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    await sql`drop index secret_versions_live`.execute(db);
    await sql`create index secret_versions_live on secret_versions (tenant_id, secret_id, version) where state != 'destroyed'`.execute(db);
  },
});
