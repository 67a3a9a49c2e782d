// Migration 003: rotation registrations and schedules (rotation_configs, with the scheduler's lease)
// and rotation history (rotation_runs, one row per attempt, also the durable state of a running rotation).
import { sql, type Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';
import { enableRowLevelSecurity } from './rls.js';

export const m003 = (dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    await db.schema
      .createTable('rotation_configs')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('secret_id', 'text', (c) => c.notNull().references('secrets.id').onDelete('cascade'))
      .addColumn('secret_name', 'text', (c) => c.notNull())
      .addColumn('secret_type', 'text', (c) => c.notNull())
      .addColumn('provider_name', 'text')
      .addColumn('rotator_kind', 'text', (c) => c.notNull())
      .addColumn('rotator_config', 'text', (c) => c.notNull())
      .addColumn('admin_credential_secret', 'text')
      .addColumn('generator_kind', 'text', (c) => c.notNull())
      .addColumn('generator_options', 'text', (c) => c.notNull())
      .addColumn('interval_days', 'integer')
      .addColumn('cron', 'text')
      .addColumn('timezone', 'text', (c) => c.notNull())
      .addColumn('rotation_window', 'text')
      .addColumn('auto_rotation', 'integer', (c) => c.notNull())
      .addColumn('criticality', 'text', (c) => c.notNull())
      .addColumn('rotate_before_expiry_days', 'integer')
      .addColumn('description', 'text')
      .addColumn('next_rotation_at', 'text')
      .addColumn('last_rotated_at', 'text')
      .addColumn('last_status', 'text')
      .addColumn('failure_count', 'integer', (c) => c.notNull())
      .addColumn('next_retry_at', 'text')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('rotation_configs_pk', ['tenant_id', 'secret_id'])
      .execute();
    await db.schema.createIndex('rotation_configs_due').on('rotation_configs').columns(['auto_rotation', 'next_rotation_at']).execute();
    await db.schema.createIndex('rotation_configs_name').on('rotation_configs').columns(['tenant_id', 'secret_name']).execute();
    await db.schema
      .createTable('rotation_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('secret_id', 'text', (c) => c.notNull())
      .addColumn('secret_name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('rotator_kind', 'text', (c) => c.notNull())
      .addColumn('previous_version', 'integer')
      .addColumn('new_version', 'integer')
      .addColumn('revoke_versions', 'text')
      .addColumn('supplied', 'integer', (c) => c.notNull())
      .addColumn('value_hmac', 'text')
      .addColumn('reason', 'text')
      .addColumn('actor_id', 'text')
      .addColumn('actor_name', 'text')
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('duration_ms', 'integer')
      .addColumn('next_retry_at', 'text')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'text')
      .execute();
    await db.schema.createIndex('rotation_runs_secret').on('rotation_runs').columns(['tenant_id', 'secret_name', 'started_at']).execute();
    await db.schema.createIndex('rotation_runs_open').on('rotation_runs').columns(['status', 'lease_until']).execute();
    // At most one rotation of a secret runs at a time, whichever server or request started it.
    await db.schema
      .createIndex('rotation_runs_one_open')
      .on('rotation_runs')
      .columns(['tenant_id', 'secret_id'])
      .unique()
      .where(sql.ref('status'), '=', 'in_progress')
      .execute();
    if (dialect === 'postgres') await enableRowLevelSecurity(db, ['rotation_configs', 'rotation_runs']);
  },
});
