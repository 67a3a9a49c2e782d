// Migration 009: outbound notifications. Subscriptions per tenant (channel settings, secret parts
// sealed by the barrier), the outbox (one row per event and matching subscription, written in the
// change's own transaction, sent by a leased worker), and marks for reminders sent once per threshold.
import type { Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';
import { enableRowLevelSecurity } from './rls.js';

export const m009 = (dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    await db.schema
      .createTable('notification_subscriptions')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('sealed', 'text')
      .addColumn('event_types', 'text', (c) => c.notNull())
      .addColumn('min_criticality', 'text')
      .addColumn('name_prefix', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('notification_subscriptions_pk', ['tenant_id', 'id'])
      .execute();
    await db.schema
      .createTable('notification_outbox')
      .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
        dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('subscription_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('order_key', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .execute();
    await db.schema.createIndex('notification_outbox_due').on('notification_outbox').columns(['status', 'next_attempt_at']).execute();
    await db.schema
      .createIndex('notification_outbox_order')
      .on('notification_outbox')
      .columns(['subscription_id', 'order_key', 'status', 'seq'])
      .execute();
    await db.schema
      .createIndex('notification_outbox_event')
      .on('notification_outbox')
      .columns(['tenant_id', 'event_id', 'subscription_id'])
      .unique()
      .execute();
    await db.schema
      .createTable('notification_marks')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('mark', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('notification_marks_pk', ['tenant_id', 'mark'])
      .execute();
    if (dialect === 'postgres')
      await enableRowLevelSecurity(db, ['notification_subscriptions', 'notification_outbox', 'notification_marks']);
  },
});
