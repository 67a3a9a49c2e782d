// Migration 013: web console sessions in the database, so every replica behind a load balancer
// knows a session another replica started (and its sign-out), and a restart keeps people signed in.
// System rows, no tenant. The key is a SHA-256 of the cookie (the table never holds a usable
// cookie); the token and CSRF token behind it are sealed by the barrier.
import type { Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';

export const m013 = (_dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    await db.schema
      .createTable('console_sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_id', 'text', (c) => c.notNull())
      .addColumn('minted_tenant', 'text')
      .addColumn('sealed_dek', 'text', (c) => c.notNull())
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('console_sessions_last_used').on('console_sessions').column('last_used_at').execute();
  },
});
