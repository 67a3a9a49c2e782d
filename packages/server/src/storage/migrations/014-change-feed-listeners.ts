// Migration 014: the replicas listening on the change feed (PostgreSQL; ADR 0006, amendment of
// 2026-12-07). A write notifies only when this table holds a listener other than its own replica's,
// which is a cheap lookup (pg_stat_activity is not: it costs ~0.6 ms of CPU per write under load).
// Each listener adds itself (and any other live listener) when it connects and at each heartbeat, and
// removes rows whose backend is gone. System rows, no tenant. Unused on SQLite.
import { sql, type Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';

export const m014 = (dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    if (dialect !== 'postgres') return;
    await sql`create table change_feed_listeners (pid integer primary key, since timestamptz not null default now())`.execute(db);
  },
});
