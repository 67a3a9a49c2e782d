// Migration 015: the change log of replicas on one PostgreSQL database (ADR 0012). A write adds a row
// in its own transaction (an ordinary insert: no commit-time lock, commits share WAL flushes); every
// replica reads the rows it has not seen, by the writing transaction's id (`xid`) below a horizon no
// running transaction can fall under. `change_feed_listeners.kind` tells listeners that need a NOTIFY
// per change (`notify`: replicas of earlier versions, or in `changeFeed.mode: notify`) from those that
// read the log (`log`). System rows, no tenant. Unused on SQLite.
import { sql, type Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';

export const m015 = (dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    if (dialect !== 'postgres') return;
    await sql`create table change_log (
      id bigint generated always as identity primary key,
      xid xid8 not null default pg_current_xact_id(),
      at timestamptz not null default now(),
      origin text not null,
      topic text not null,
      tenant text not null,
      name text not null,
      event text
    )`.execute(db);
    await sql`create index change_log_xid on change_log (xid)`.execute(db);
    await sql`alter table change_feed_listeners add column kind text not null default 'notify'`.execute(db);
  },
});
