// The database audit sink, and the chain's authority: in one transaction it locks the head, chains
// the batch from it, inserts the entries and signs the new head, so replicas on one PostgreSQL
// extend a single chain and the head always matches the last entry.
import type { Selectable, Transaction } from 'kysely';
import { createFixedSql, mapDriverError, type StorageHandle } from '../../storage/database.js';
import type { AuditEventsTable, Database } from '../../storage/schema.js';
import type { AuditEvent, AuditHead, ChainedEvent, ChainingSink } from '../audit-types.js';
import { GENESIS_HASH } from '../audit-types.js';
import { chainEvents, signCheckpoint } from '../chain.js';

export const createDatabaseSink = (deps: { storage: StorageHandle; key: Buffer }): ChainingSink => {
  const { storage, key } = deps;
  const fixed = createFixedSql(storage.dialect, storage.sqliteRun);
  /** The chain's head, read with `text` (which locks it on PostgreSQL); only before the very first
   *  append is it missing, and then it is created idempotently and read again. */
  const headOf = async (trx: Transaction<Database>, text: string): Promise<AuditHead> => {
    let row = (await fixed<HeadRow>(trx, text, [])).rows[0];
    if (!row) {
      await fixed(trx, HEAD_INIT, [GENESIS_HASH]);
      row = (await fixed<HeadRow>(trx, text, [])).rows[0]!;
    }
    return { seq: Number(row.seq), hash: row.hash };
  };
  /** PostgreSQL: four round trips per batch instead of six. The row-level security scope is set by
   *  the statement that locks the head row (audit_head itself has no row-level security), and the
   *  last insert carries the head update as a data-modifying WITH: BEGIN, lock, insert, COMMIT. */
  const appendPostgres = async (events: AuditEvent[]): Promise<ChainedEvent[]> => {
    try {
      return await storage.db.transaction().execute(async (trx) => {
        const { chained, head } = chainEvents(key, await headOf(trx, PG_HEAD_LOCK), events);
        let i = 0;
        for (; chained.length - i > 200; i += 200) await fixed(trx, insertSql(200), rowParams(chained.slice(i, i + 200)));
        const last = chained.slice(i);
        await fixed(trx, `with appended as (${insertSql(last.length)}) ${HEAD_WRITE}`, [...rowParams(last), head.seq, head.hash, signCheckpoint(key, head)]);
        return chained;
      });
    } catch (e) {
      throw mapDriverError(e);
    }
  };
  return {
    name: 'database',
    /** Chains and stores a batch; returns the chained entries. */
    async append(events: AuditEvent[]): Promise<ChainedEvent[]> {
      if (storage.dialect === 'postgres') return appendPostgres(events);
      return storage.transaction('*', async (trx) => {
        // One server owns a SQLite file (ADR 0005, 0007): the head needs no lock.
        const { chained, head } = chainEvents(key, await headOf(trx, HEAD_READ), events);
        for (let i = 0; i < chained.length; i += 200) {
          const part = chained.slice(i, i + 200);
          await fixed(trx, insertSql(part.length), rowParams(part));
        }
        const signature = signCheckpoint(key, head);
        await fixed(trx, HEAD_WRITE, [head.seq, head.hash, signature]);
        return chained;
      }, { startNow: true }); // the broker has batched already: commit in this turn of the loop
    },
  };
};


// Fixed statements for the head row; PostgreSQL locks it so replicas extend one chain in turn.
const HEAD_INIT = "insert into audit_head (id, seq, hash, signature) values (1, 0, ?, '') on conflict (id) do nothing";
const HEAD_READ = 'select seq, hash from audit_head where id = 1';
const PG_HEAD_LOCK = "select set_config('keyhaven.tenant', '*', true) as scope, seq, hash from audit_head where id = 1 for update";
const HEAD_WRITE = 'update audit_head set seq = ?, hash = ?, signature = ? where id = 1';
type HeadRow = { seq: number | string; hash: string };

const COLUMNS = ['seq', 'tenant_id', 'time', 'actor_id', 'actor_name', 'actor_kind', 'action', 'resource', 'outcome', 'status', 'error_code', 'source_ip', 'user_agent', 'request_id', 'version', 'value_hmac', 'details', 'prev_hash', 'hash'] as const;
const INSERT_SQL = new Map<number, string>();
/** A multi-row insert with fixed text per row count, so the compiled statement is reused. */
const insertSql = (rows: number): string => {
  let text = INSERT_SQL.get(rows);
  if (!text) {
    const tuple = `(${COLUMNS.map(() => '?').join(', ')})`;
    text = `insert into audit_events (${COLUMNS.join(', ')}) values ${Array.from({ length: rows }, () => tuple).join(', ')}`;
    INSERT_SQL.set(rows, text);
  }
  return text;
};

/** The insert's parameters straight from the chained events, in COLUMNS order. */
const rowParams = (events: ChainedEvent[]): unknown[] => {
  const out: unknown[] = [];
  for (const e of events) {
    out.push(e.seq, e.tenant, e.time, e.actor_id, e.actor_name, e.actor_kind, e.action, e.resource, e.outcome, e.status, e.error_code,
      e.source_ip, e.user_agent, e.request_id, e.version, e.value_hmac, e.details ? JSON.stringify(e.details) : null, e.prev_hash, e.hash);
  }
  return out;
};


export const fromRow = (r: Selectable<AuditEventsTable>): ChainedEvent => ({
  seq: Number(r.seq), tenant: r.tenant_id, time: r.time, actor_id: r.actor_id, actor_name: r.actor_name, actor_kind: r.actor_kind as ChainedEvent['actor_kind'],
  action: r.action, resource: r.resource, outcome: r.outcome as ChainedEvent['outcome'], status: r.status, error_code: r.error_code, source_ip: r.source_ip,
  user_agent: r.user_agent, request_id: r.request_id, version: r.version, value_hmac: r.value_hmac, details: r.details ? JSON.parse(r.details) : null,
  prev_hash: r.prev_hash, hash: r.hash,
});
