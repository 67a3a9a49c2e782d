// The database audit sink, and the chain's authority: in one transaction it locks the head, chains
// the batch from it, inserts the entries and signs the new head, so replicas on one PostgreSQL
// extend a single chain and the head always matches the last entry.
import { CompiledQuery, type Selectable } from 'kysely';
import type { StorageHandle } from '../../storage/database.js';
import type { AuditEventsTable } from '../../storage/schema.js';
import type { AuditEvent, AuditHead, ChainedEvent, ChainingSink } from '../audit-types.js';
import { GENESIS_HASH } from '../audit-types.js';
import { chainEvents, signCheckpoint } from '../chain.js';

export const createDatabaseSink = (deps: { storage: StorageHandle; key: Buffer }): ChainingSink => {
  const { storage, key } = deps;
  return {
    name: 'database',
    /** Chains and stores a batch; returns the chained entries. */
    async append(events: AuditEvent[]): Promise<ChainedEvent[]> {
      return storage.transaction('*', async (trx) => {
        // On SQLite the statements run straight on the connection, inside this unit of work.
        const exec = async <R>(text: string, params: unknown[]): Promise<R[]> => {
          if (storage.sqliteRun) return storage.sqliteRun(text, params).rows as R[];
          return (await trx.executeQuery<R>(CompiledQuery.raw(text, params))).rows;
        };
        // The head row exists from the first append on; creating it idempotently first means two
        // replicas appending the very first entries serialize on the row lock instead of colliding.
        const sqlText = HEAD[storage.dialect];
        await exec(sqlText.init, [GENESIS_HASH]);
        const row = (await exec<{ seq: number | string; hash: string }>(sqlText.read, []))[0]!;
        const start: AuditHead = { seq: Number(row.seq), hash: row.hash };
        const { chained, head } = chainEvents(key, start, events);
        for (let i = 0; i < chained.length; i += 200) {
          const part = chained.slice(i, i + 200);
          await exec(insertSql(storage.dialect, part.length), rowParams(part));
        }
        const signature = signCheckpoint(key, head);
        await exec(sqlText.write, [head.seq, head.hash, signature]);
        return chained;
      });
    },
  };
};


// Fixed statements for the head row; PostgreSQL locks it so replicas extend one chain in turn.
const HEAD = {
  sqlite: {
    init: "insert into audit_head (id, seq, hash, signature) values (1, 0, ?, '') on conflict (id) do nothing",
    read: 'select seq, hash from audit_head where id = 1',
    write: 'update audit_head set seq = ?, hash = ?, signature = ? where id = 1',
  },
  postgres: {
    init: "insert into audit_head (id, seq, hash, signature) values (1, 0, $1, '') on conflict (id) do nothing",
    read: 'select seq, hash from audit_head where id = 1 for update',
    write: 'update audit_head set seq = $1, hash = $2, signature = $3 where id = 1',
  },
} as const;

const COLUMNS = ['seq', 'tenant_id', 'time', 'actor_id', 'actor_name', 'actor_kind', 'action', 'resource', 'outcome', 'status', 'error_code', 'source_ip', 'user_agent', 'request_id', 'version', 'value_hmac', 'details', 'prev_hash', 'hash'] as const;
const INSERT_SQL = new Map<string, string>();
/** A multi-row insert with fixed text per (dialect, row count), so the compiled statement is reused. */
const insertSql = (dialect: 'sqlite' | 'postgres', rows: number): string => {
  const key = `${dialect}:${rows}`;
  let text = INSERT_SQL.get(key);
  if (!text) {
    let n = 0;
    const tuple = () => `(${COLUMNS.map(() => (dialect === 'postgres' ? `$${++n}` : '?')).join(', ')})`;
    text = `insert into audit_events (${COLUMNS.join(', ')}) values ${Array.from({ length: rows }, tuple).join(', ')}`;
    INSERT_SQL.set(key, text);
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
