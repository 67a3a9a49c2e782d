// Migration 011: one audit hash chain per tenant (and one for system events) instead of one global
// chain (ADR 0011). Entries keep their global `seq` (insertion order, what clients page by) and gain
// `chain` and `chain_seq` (the position the MAC covers). Every existing entry, the old head row and
// the old checkpoints become the closed `~legacy` chain, still verifiable as before: its positions
// are the old sequence numbers and its head keeps the old signature. Signed digests of every chain
// head go to `audit_digests` (written by the server, which holds the key; a migration cannot sign).
import { sql, type Migration } from 'kysely';
import type { Dialect, SchemaDb } from './dialect.js';

export const LEGACY_CHAIN_ID = '~legacy';

export const m011 = (dialect: Dialect): Migration => ({
  async up(db: SchemaDb) {
    const big = dialect === 'postgres' ? 'bigint' : 'integer';
    if (dialect === 'postgres') {
      // Entries: the chain and the position in it; existing rows are the legacy chain at their seq.
      await db.schema
        .alterTable('audit_events')
        .addColumn('chain', 'text', (c) => c.notNull().defaultTo(LEGACY_CHAIN_ID))
        .execute();
      await db.schema.alterTable('audit_events').addColumn('chain_seq', big).execute();
      // Row-level security applies to the owner too (FORCE): every tenant's rows, for this transaction.
      await sql`select set_config('keyhaven.tenant', '*', true)`.execute(db);
      await sql`update audit_events set chain_seq = seq`.execute(db);
    } else {
      // SQLite: rebuilt so global sequence numbers are never reused, even after retention deleted
      // every entry (AUTOINCREMENT), with the chain and the position in it.
      await sql`create table audit_events_011 (seq integer primary key autoincrement, chain text not null default '~legacy',
        chain_seq integer not null, tenant_id text not null, time text not null, actor_id text, actor_name text,
        actor_kind text not null, action text not null, resource text, outcome text not null, status integer,
        error_code text, source_ip text, user_agent text, request_id text, version integer, value_hmac text,
        details text, prev_hash text not null, hash text not null)`.execute(db);
      await sql`insert into audit_events_011 (seq, chain, chain_seq, tenant_id, time, actor_id, actor_name, actor_kind, action,
        resource, outcome, status, error_code, source_ip, user_agent, request_id, version, value_hmac, details, prev_hash, hash)
        select seq, '~legacy', seq, tenant_id, time, actor_id, actor_name, actor_kind, action, resource, outcome, status,
        error_code, source_ip, user_agent, request_id, version, value_hmac, details, prev_hash, hash from audit_events order by seq`.execute(
        db,
      );
      // The sequence continues after the legacy head even when retention had emptied the table.
      await sql`insert into sqlite_sequence (name, seq) select 'audit_events_011', coalesce(max(seq), 0) from audit_head
        where not exists (select 1 from sqlite_sequence where name = 'audit_events_011')`.execute(db);
      await sql`update sqlite_sequence set seq = max(seq, coalesce((select max(seq) from audit_head), 0)) where name = 'audit_events_011'`.execute(
        db,
      );
      await sql`drop table audit_events`.execute(db);
      await sql`alter table audit_events_011 rename to audit_events`.execute(db);
      await db.schema.createIndex('audit_events_tenant_time').on('audit_events').columns(['tenant_id', 'time']).execute();
      await db.schema.createIndex('audit_events_resource').on('audit_events').columns(['tenant_id', 'resource', 'time']).execute();
      await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor_id', 'time']).execute();
    }
    await db.schema.createIndex('audit_events_chain').unique().on('audit_events').columns(['chain', 'chain_seq']).execute();
    if (dialect === 'postgres') {
      // Global sequence numbers come from a sequence: no row is locked to number an entry.
      await sql`create sequence audit_events_seq_seq owned by audit_events.seq`.execute(db);
      await sql`select setval('audit_events_seq_seq', greatest(coalesce((select max(seq) from audit_events), 0), coalesce((select max(seq) from audit_head), 0)) + 1, false)`.execute(
        db,
      );
      await sql`alter table audit_events alter column seq set default nextval('audit_events_seq_seq')`.execute(db);
      await sql`alter table audit_events alter column chain_seq set not null`.execute(db);
      // One head row per chain.
      await sql`alter table audit_head add column chain text not null default '~legacy'`.execute(db);
      await sql`alter table audit_head drop constraint audit_head_pkey`.execute(db);
      await sql`alter table audit_head drop column id`.execute(db);
      await sql`alter table audit_head add primary key (chain)`.execute(db);
      await sql`alter table audit_head alter column chain drop default`.execute(db);
      // Retention and seal checkpoints per chain.
      await sql`alter table audit_checkpoints add column chain text not null default '~legacy'`.execute(db);
      await sql`alter table audit_checkpoints drop constraint audit_checkpoints_pkey`.execute(db);
      await sql`alter table audit_checkpoints add primary key (chain, seq)`.execute(db);
      await sql`alter table audit_checkpoints alter column chain drop default`.execute(db);
    } else {
      // SQLite cannot change a primary key: the two small tables are rebuilt.
      await sql`create table audit_head_011 (chain text primary key, seq integer not null, hash text not null, signature text not null)`.execute(
        db,
      );
      await sql`insert into audit_head_011 (chain, seq, hash, signature) select '~legacy', seq, hash, signature from audit_head`.execute(
        db,
      );
      await sql`drop table audit_head`.execute(db);
      await sql`alter table audit_head_011 rename to audit_head`.execute(db);
      await sql`create table audit_checkpoints_011 (chain text not null, seq integer not null, hash text not null, signature text not null,
        pruned integer not null, created_at text not null, kind text not null default 'prune', note text, primary key (chain, seq))`.execute(
        db,
      );
      await sql`insert into audit_checkpoints_011 (chain, seq, hash, signature, pruned, created_at, kind, note)
        select '~legacy', seq, hash, signature, pruned, created_at, kind, note from audit_checkpoints`.execute(db);
      await sql`drop table audit_checkpoints`.execute(db);
      await sql`alter table audit_checkpoints_011 rename to audit_checkpoints`.execute(db);
    }
    // Signed digests of every chain head (ADR 0011): `heads` is the sorted list of [chain, seq, hash].
    await db.schema
      .createTable('audit_digests')
      .addColumn('seq', big, (c) => c.primaryKey())
      .addColumn('time', 'text', (c) => c.notNull())
      .addColumn('heads', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .execute();
  },
});
