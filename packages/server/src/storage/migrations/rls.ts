// Row-level security for tenant-owned tables on PostgreSQL (see docs/adr/0002-row-level-security.md).
import { sql } from 'kysely';
import type { SchemaDb } from './dialect.js';

/** Every tenant-owned table: rows are visible only to the session tenant (`keyhaven.tenant`), or to
 *  system work that explicitly sets it to '*'. Unset means no rows: forgetting the filter fails closed. */
export const enableRowLevelSecurity = async (db: SchemaDb, tables: readonly string[]) => {
  for (const t of tables) {
    await sql.raw(`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`).execute(db);
    await sql.raw(`ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`).execute(db);
    await sql
      .raw(
        `CREATE POLICY ${t}_tenant_isolation ON ${t} USING (tenant_id = current_setting('keyhaven.tenant', true) OR current_setting('keyhaven.tenant', true) = '*') WITH CHECK (tenant_id = current_setting('keyhaven.tenant', true) OR current_setting('keyhaven.tenant', true) = '*')`,
      )
      .execute(db);
  }
};
