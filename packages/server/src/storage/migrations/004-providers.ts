// Migration 004: per-tenant provider configurations (credentials live in Keyhaven secrets, only
// their names here), sync destinations and the per-destination, per-secret sync state.
import type { Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';
import { enableRowLevelSecurity } from './rls.js';

export const m004 = (dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    await db.schema
      .createTable('provider_configs')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('credential_secret', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('provider_configs_pk', ['tenant_id', 'id'])
      .execute();
    await db.schema
      .createTable('sync_destinations')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('secret_name', 'text')
      .addColumn('prefix', 'text')
      .addColumn('provider_id', 'text', (c) => c.notNull())
      .addColumn('template', 'text', (c) => c.notNull())
      .addColumn('initial_policy', 'text', (c) => c.notNull())
      .addColumn('never_delete_remote', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_destinations_pk', ['tenant_id', 'id'])
      .execute();
    await db.schema
      .createTable('sync_states')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('destination_id', 'text', (c) => c.notNull())
      .addColumn('secret_name', 'text', (c) => c.notNull())
      .addColumn('remote_name', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('synced_version', 'integer')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_states_pk', ['tenant_id', 'destination_id', 'secret_name'])
      .execute();
    await db.schema.createIndex('sync_states_due').on('sync_states').columns(['status', 'next_attempt_at']).execute();
    if (dialect === 'postgres') await enableRowLevelSecurity(db, ['provider_configs', 'sync_destinations', 'sync_states']);
  },
});
