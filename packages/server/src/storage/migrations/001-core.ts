// Migration 001: tenants, tokens and grants, secrets with versions, tags and fingerprints, keyring.
import type { Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';
import { enableRowLevelSecurity } from './rls.js';
import { TENANT_TABLES } from '../schema.js';

export const m001 = (dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('deleted_at', 'text')
      .execute();
    await db.schema
      .createTable('tokens')
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
      .addColumn('ttl_seconds', 'integer')
      .execute();
    await db.schema
      .createTable('token_grants')
      .addColumn('token_id', 'text', (c) => c.notNull().references('tokens.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('token_grants_pk', ['token_id', 'tenant_id'])
      .execute();
    await db.schema
      .createTable('secrets')
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
      .addUniqueConstraint('secrets_tenant_name', ['tenant_id', 'name'])
      .execute();
    await db.schema
      .createTable('secret_tags')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('secret_id', 'text', (c) => c.notNull().references('secrets.id').onDelete('cascade'))
      .addColumn('tag', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('secret_tags_pk', ['secret_id', 'tag'])
      .execute();
    await db.schema.createIndex('secret_tags_tag').on('secret_tags').columns(['tenant_id', 'tag']).execute();
    await db.schema
      .createTable('secret_versions')
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
      .addPrimaryKeyConstraint('secret_versions_pk', ['secret_id', 'version'])
      .execute();
    await db.schema.createIndex('secret_versions_kek').on('secret_versions').columns(['kek_id']).execute();
    await db.schema
      .createTable('secret_fingerprints')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('secret_id', 'text', (c) => c.notNull().references('secrets.id').onDelete('cascade'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('field', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('secret_fingerprints_pk', ['secret_id', 'version', 'field'])
      .execute();
    await db.schema.createIndex('secret_fingerprints_fp').on('secret_fingerprints').columns(['fingerprint']).execute();
    await db.schema
      .createTable('keyring')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    if (dialect === 'postgres') await enableRowLevelSecurity(db, TENANT_TABLES);
  },
});
