// Migration 008: machine identities. Login methods' per-tenant configuration (auth_configs; a
// reviewer credential sealed by the barrier), roles of AppRole, Kubernetes and JWT logins
// (auth_roles), issued AppRole secret_ids (only their SHA-256), login failures per source shared by
// replicas (auth_login_failures), and the identity a login gave a token (new columns of tokens).
import type { Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';
import { enableRowLevelSecurity } from './rls.js';

export const TENANT_TABLES_008 = ['auth_configs', 'auth_roles', 'auth_secret_ids'] as const;

export const m008 = (dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    for (const col of ['auth_method', 'auth_role', 'auth_identity', 'auth_metadata', 'max_expires_at', 'bound_cidrs']) {
      await db.schema.alterTable('tokens').addColumn(col, 'text').execute();
    }
    await db.schema
      .createTable('auth_configs')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('sealed_dek', 'text')
      .addColumn('sealed_secret', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('auth_configs_pk', ['tenant_id', 'method'])
      .execute();
    await db.schema
      .createTable('auth_roles')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role_id', 'text')
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('auth_roles_pk', ['tenant_id', 'method', 'name'])
      .execute();
    await db.schema.createIndex('auth_roles_role_id').on('auth_roles').column('role_id').unique().execute();
    await db.schema
      .createTable('auth_secret_ids')
      .addColumn('accessor', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('role_name', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
      .addColumn('uses_left', 'integer')
      .addColumn('expires_at', 'text')
      .addColumn('bound_cidrs', 'text')
      .addColumn('metadata', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('auth_secret_ids_role').on('auth_secret_ids').columns(['tenant_id', 'role_name']).execute();
    await db.schema
      .createTable('auth_login_failures')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('window_start', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .execute();
    if (dialect === 'postgres') await enableRowLevelSecurity(db, TENANT_TABLES_008);
  },
});
