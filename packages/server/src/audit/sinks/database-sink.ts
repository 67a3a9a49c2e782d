// The database audit sink, and the chain's authority: in one transaction it locks the head, chains
// the batch from it, inserts the entries and signs the new head, so replicas on one PostgreSQL
// extend a single chain and the head always matches the last entry.
import { CompiledQuery, type Selectable } from 'kysely';
import type { StorageHandle } from '../../storage/database.js';
import type { AuditEventsTable } from '../../storage/schema.js';
import type { AuditEvent, AuditHead, ChainedEvent } from '../audit-types.js';
import { GENESIS_HASH } from '../audit-types.js';
import { chainEvents, signCheckpoint } from '../chain.js';

export const createDatabaseSink = (deps: { storage: StorageHandle; key: Buffer }) => {
  const { storage, key } = deps;
  return {
    name: 'database',
    /** Chains and stores a batch; returns the chained entries. */
    async append(events: AuditEvent[]): Promise<ChainedEvent[]> {
      return storage.transaction('*', async (trx) => {
        // The head row exists from the first append on; creating it idempotently first means two
        // replicas appending the very first entries serialize on the row lock instead of colliding.
        await trx.insertInto('audit_head').values({ id: 1, seq: 0, hash: GENESIS_HASH, signature: '' }).onConflict((oc) => oc.column('id').doNothing()).execute();
        let q = trx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
        if (storage.dialect === 'postgres') q = q.forUpdate();
        const row = await q.executeTakeFirstOrThrow();
        const start: AuditHead = { seq: Number(row.seq), hash: row.hash };
        const { chained, head } = chainEvents(key, start, events);
        for (let i = 0; i < chained.length; i += 200) {
          const rows = chained.slice(i, i + 200).map(toRow);
          await trx.executeQuery(CompiledQuery.raw(insertSql(storage.dialect, rows.length), rows.flatMap((r) => COLUMNS.map((c) => r[c]))));
        }
        const signature = signCheckpoint(key, head);
        await trx.updateTable('audit_head').set({ seq: head.seq, hash: head.hash, signature }).where('id', '=', 1).execute();
        return chained;
      });
    },
  };
};

export type DatabaseSink = ReturnType<typeof createDatabaseSink>;

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

export const toRow = (e: ChainedEvent) => ({
  seq: e.seq, tenant_id: e.tenant, time: e.time, actor_id: e.actor_id, actor_name: e.actor_name, actor_kind: e.actor_kind, action: e.action,
  resource: e.resource, outcome: e.outcome, status: e.status, error_code: e.error_code, source_ip: e.source_ip, user_agent: e.user_agent,
  request_id: e.request_id, version: e.version, value_hmac: e.value_hmac, details: e.details ? JSON.stringify(e.details) : null,
  prev_hash: e.prev_hash, hash: e.hash,
});

export const fromRow = (r: Selectable<AuditEventsTable>): ChainedEvent => ({
  seq: Number(r.seq), tenant: r.tenant_id, time: r.time, actor_id: r.actor_id, actor_name: r.actor_name, actor_kind: r.actor_kind as ChainedEvent['actor_kind'],
  action: r.action, resource: r.resource, outcome: r.outcome as ChainedEvent['outcome'], status: r.status, error_code: r.error_code, source_ip: r.source_ip,
  user_agent: r.user_agent, request_id: r.request_id, version: r.version, value_hmac: r.value_hmac, details: r.details ? JSON.parse(r.details) : null,
  prev_hash: r.prev_hash, hash: r.hash,
});
