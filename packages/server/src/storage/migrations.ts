// Schema migrations, written once for both dialects with Kysely's schema builder; PostgreSQL also
// gets row-level security on every tenant-owned table (see docs/adr/0002-row-level-security.md).
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { TENANT_TABLES } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

const m001 = (dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('deleted_at', 'text').execute();
    await db.schema.createTable('tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('is_root', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('last_used_at', 'text')
      .addColumn('created_by', 'text')
      .addColumn('ttl_seconds', 'integer').execute();
    await db.schema.createTable('token_grants')
      .addColumn('token_id', 'text', (c) => c.notNull().references('tokens.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('token_grants_pk', ['token_id', 'tenant_id']).execute();
    await db.schema.createTable('secrets')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('service', 'text')
      .addColumn('environment', 'text')
      .addColumn('criticality', 'text', (c) => c.notNull())
      .addColumn('owner', 'text')
      .addColumn('expires_at', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('max_versions', 'integer', (c) => c.notNull())
      .addColumn('current_version', 'integer')
      .addColumn('pending_version', 'integer')
      .addColumn('previous_version', 'integer')
      .addColumn('latest_version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('deleted_at', 'text')
      .addColumn('row_version', 'integer', (c) => c.notNull())
      .addUniqueConstraint('secrets_tenant_name', ['tenant_id', 'name']).execute();
    await db.schema.createTable('secret_tags')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('secret_id', 'text', (c) => c.notNull().references('secrets.id').onDelete('cascade'))
      .addColumn('tag', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('secret_tags_pk', ['secret_id', 'tag']).execute();
    await db.schema.createIndex('secret_tags_tag').on('secret_tags').columns(['tenant_id', 'tag']).execute();
    await db.schema.createTable('secret_versions')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('secret_id', 'text', (c) => c.notNull().references('secrets.id').onDelete('cascade'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('wrapped_dek', 'text')
      .addColumn('ciphertext', 'text')
      .addColumn('kek_id', 'text')
      .addColumn('value_kind', 'text', (c) => c.notNull())
      .addColumn('size_bytes', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('destroyed_at', 'text')
      .addPrimaryKeyConstraint('secret_versions_pk', ['secret_id', 'version']).execute();
    await db.schema.createIndex('secret_versions_kek').on('secret_versions').columns(['kek_id']).execute();
    await db.schema.createTable('secret_fingerprints')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('secret_id', 'text', (c) => c.notNull().references('secrets.id').onDelete('cascade'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('field', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('secret_fingerprints_pk', ['secret_id', 'version', 'field']).execute();
    await db.schema.createIndex('secret_fingerprints_fp').on('secret_fingerprints').columns(['fingerprint']).execute();
    await db.schema.createTable('keyring')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull()).execute();
    if (dialect === 'postgres') await enableRowLevelSecurity(db, TENANT_TABLES);
  },
});

/** Every tenant-owned table: rows are visible only to the session tenant (`keyhaven.tenant`), or to
 *  system work that explicitly sets it to '*'. Unset means no rows: forgetting the filter fails closed. */
export const enableRowLevelSecurity = async (db: Kysely<any>, tables: readonly string[]) => {
  for (const t of tables) {
    await sql.raw(`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`).execute(db);
    await sql.raw(`ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`).execute(db);
    await sql.raw(
      `CREATE POLICY ${t}_tenant_isolation ON ${t} USING (tenant_id = current_setting('keyhaven.tenant', true) OR current_setting('keyhaven.tenant', true) = '*') WITH CHECK (tenant_id = current_setting('keyhaven.tenant', true) OR current_setting('keyhaven.tenant', true) = '*')`,
    ).execute(db);
  }
};

const m002 = (dialect: Dialect): Migration => ({
  async up(db: Kysely<any>) {
    const big = dialect === 'postgres' ? 'bigint' : 'integer';
    await db.schema.createTable('audit_events')
      .addColumn('seq', big, (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('time', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('actor_name', 'text')
      .addColumn('actor_kind', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('resource', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('error_code', 'text')
      .addColumn('source_ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('request_id', 'text')
      .addColumn('version', 'integer')
      .addColumn('value_hmac', 'text')
      .addColumn('details', 'text')
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull()).execute();
    await db.schema.createIndex('audit_events_tenant_time').on('audit_events').columns(['tenant_id', 'time']).execute();
    await db.schema.createIndex('audit_events_resource').on('audit_events').columns(['tenant_id', 'resource', 'time']).execute();
    await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor_id', 'time']).execute();
    await db.schema.createTable('audit_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('seq', big, (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull()).execute();
    await db.schema.createTable('audit_checkpoints')
      .addColumn('seq', big, (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addColumn('pruned', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull()).execute();
    await db.schema.createTable('policies')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('rules', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('policies_pk', ['tenant_id', 'name']).execute();
    await db.schema.createTable('roles')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('policies', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('roles_pk', ['tenant_id', 'name']).execute();
    if (dialect === 'postgres') await enableRowLevelSecurity(db, ['audit_events', 'policies', 'roles']);
  },
});

/** Later migrations register here; each receives the dialect so RLS is added to new tenant tables. */
export const migrationList = (dialect: Dialect): Record<string, Migration> => ({
  '001_core': m001(dialect),
  '002_audit_and_policies': m002(dialect),
});

export const migrateToLatest = async (db: Kysely<any>, dialect: Dialect): Promise<void> => {
  const provider: MigrationProvider = { getMigrations: async () => migrationList(dialect) };
  const migrator = new Migrator({ db, provider, migrationTableName: 'keyhaven_migrations', migrationLockTableName: 'keyhaven_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${(error as Error).message}`);
  }
};
