// Migration 007: audit checkpoints say what made them: `prune` (retention) or `seal` (an operator
// acknowledged a break in the chain; `note` holds the reason and what verify had found, ADR 0008).
import type { Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';

export const m007 = (_dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    await db.schema
      .alterTable('audit_checkpoints')
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('prune'))
      .execute();
    await db.schema.alterTable('audit_checkpoints').addColumn('note', 'text').execute();
  },
});
