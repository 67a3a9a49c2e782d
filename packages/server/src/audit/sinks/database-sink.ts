// The database audit sink, and the chain's authority: in one transaction it locks the head, chains
// the batch from it, inserts the entries and signs the new head, so replicas on one PostgreSQL
// extend a single chain and the head always matches the last entry.
import { createHmac } from 'node:crypto';
import type { Selectable, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { fail } from '../../lib/errors.js';
import { createFixedSql, mapDriverError, type StorageHandle } from '../../storage/database.js';
import type { AuditEventsTable, Database } from '../../storage/schema.js';
import type { AuditEvent, AuditHead, ChainedEvent, ChainingSink } from '../audit-types.js';
import { GENESIS_HASH } from '../audit-types.js';
import type { Anchor } from '../anchor.js';
import { chainEvents, signCheckpoint, type Problem } from '../chain.js';
import { endOf, readTail, readTailIn, tailProblems } from '../integrity.js';

/** The database sink: a ChainingSink that also checks its own tail, refuses to extend a damaged
 *  chain (AUDIT_CHAIN_DAMAGED, naming the damage) and seals an acknowledged break. */
export interface DatabaseSink extends ChainingSink {
  /** Reads head, newest entry and anchor; marks the chain damaged (appends refused) or healthy. */
  check(): Promise<Problem[]>;
  /** The tail problems that make appends refused, or null when appends go ahead. */
  damage(): Problem[] | null;
  /** Starts a new verified segment after the newest stored position, recorded by `event` (ADR 0008). */
  seal(event: AuditEvent, note: Record<string, unknown>): Promise<{ sealed_at: number; seal_seq: number }>;
}

const damagedError = (problems: Problem[]) =>
  fail(
    'AUDIT_CHAIN_DAMAGED',
    `The audit chain is damaged, so nothing is appended to it and the request was not carried out: ${problems[0]!.reason}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}. Run \`keyhaven audit verify\` to see the damage, then restore the audit tables from a backup or acknowledge the break with \`keyhaven audit seal --reason ...\` (docs/audit.md).`,
    { problems: problems.slice(0, 10) },
  );

class RollbackSeen extends Error {}
/** A refused sink looks again this often (on the next append), so a restore or a seal made through
 *  another replica is noticed without a restart. */
const RECHECK_MS = 5000;

export const createDatabaseSink = (deps: { storage: StorageHandle; key: Buffer; anchor: Anchor; logger?: Logger }): DatabaseSink => {
  const { storage, key, anchor } = deps;
  const fixed = createFixedSql(storage.dialect, storage.sqliteRun);
  let damaged: Problem[] | null = null;
  /** The chain's head, read with `text` (which locks it on PostgreSQL); only before the very first
   *  append is it missing, and then it is created idempotently and read again. */
  const headOf = async (trx: Transaction<Database>, text: string): Promise<AuditHead> => {
    let row = (await fixed<HeadRow>(trx, text, [])).rows[0];
    if (!row) {
      await fixed(trx, HEAD_INIT, [GENESIS_HASH]);
      row = (await fixed<HeadRow>(trx, text, [])).rows[0]!;
    }
    const head = { seq: Number(row.seq), hash: row.hash };
    // The head this server last appended or anchored is a floor: a head behind it (or at it with
    // another hash) was rolled back under the running server.
    const known = anchor.known();
    if (known && (head.seq < known.seq || (head.seq === known.seq && head.hash !== known.hash))) throw new RollbackSeen();
    return head;
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
        await fixed(trx, `with appended as (${insertSql(last.length)}) ${HEAD_WRITE}`, [
          ...rowParams(last),
          head.seq,
          head.hash,
          signCheckpoint(key, head),
        ]);
        return chained;
      });
    } catch (e) {
      if (e instanceof RollbackSeen) throw e;
      throw mapDriverError(e);
    }
  };
  const appendSqlite = (events: AuditEvent[]): Promise<ChainedEvent[]> =>
    storage.transaction(
      '*',
      async (trx) => {
        // One server owns a SQLite file (ADR 0005, 0007): the head needs no lock.
        const { chained, head } = chainEvents(key, await headOf(trx, HEAD_READ), events);
        for (let i = 0; i < chained.length; i += 200) {
          const part = chained.slice(i, i + 200);
          await fixed(trx, insertSql(part.length), rowParams(part));
        }
        const signature = signCheckpoint(key, head);
        await fixed(trx, HEAD_WRITE, [head.seq, head.hash, signature]);
        return chained;
      },
      { startNow: true },
    ); // the broker has batched already: commit in this turn of the loop

  let checkedAt = 0;
  const check = async (): Promise<Problem[]> => {
    checkedAt = Date.now();
    // The anchor first, then the tables: an append committing in between cannot put the anchor ahead.
    const anchorState = await anchor.read();
    const known = anchor.known();
    const problems = await tailProblems(storage, key, await readTail(storage), anchorState, known);
    if (problems.length) {
      if (!damaged)
        deps.logger?.error(
          { problems: problems.slice(0, 10) },
          'the audit chain is damaged: appends are refused (AUDIT_CHAIN_DAMAGED) until the audit tables are restored or the break is sealed; run `keyhaven audit verify`, see docs/audit.md',
        );
      damaged = problems;
    } else {
      if (damaged) deps.logger?.warn('the audit chain tail is consistent again: appends resume');
      damaged = null;
    }
    return problems;
  };

  return {
    name: 'database',
    check,
    damage: () => damaged,
    /** Chains and stores a batch; returns the chained entries. */
    async append(events: AuditEvent[]): Promise<ChainedEvent[]> {
      if (damaged && Date.now() - checkedAt > RECHECK_MS) await check().catch(() => {}); // restored or sealed elsewhere (another replica)?
      if (damaged) throw damagedError(damaged);
      let chained: ChainedEvent[];
      try {
        chained = storage.dialect === 'postgres' ? await appendPostgres(events) : await appendSqlite(events);
      } catch (e) {
        // A conflict on a sequence number, a head behind this server's own: name the damage.
        let problems: Problem[] = [];
        try {
          problems = await check();
        } catch {
          /* the database itself is failing: report that */
        }
        if (problems.length) throw damagedError(problems);
        throw e instanceof RollbackSeen ? new Error('the audit head moved back while this server ran') : e;
      }
      const last = chained[chained.length - 1];
      if (last) void anchor.advance({ seq: last.seq, hash: last.hash });
      return chained;
    },
    async seal(event, note) {
      const now = new Date().toISOString();
      const anchorState = await anchor.read();
      const result = await storage.transaction('*', async (trx) => {
        if (storage.dialect === 'postgres') await fixed(trx, PG_HEAD_LOCK, []);
        const t = await readTailIn(trx);
        const outside = [anchorState.status === 'ok' ? anchorState.checkpoint.seq : 0, anchor.known()?.seq ?? 0];
        const at = Math.max(endOf(t), ...outside);
        const stored = (await trx.selectFrom('audit_events').select('hash').where('seq', '=', at).executeTakeFirst())?.hash;
        const startHash =
          stored ?? (t.head?.seq === at ? t.head.hash : createHmac('sha256', key).update(`seal:${at}:${now}`).digest('hex'));
        const start = { seq: at, hash: startHash };
        await trx.deleteFrom('audit_checkpoints').where('seq', '=', at).execute();
        await trx
          .insertInto('audit_checkpoints')
          .values({
            seq: at,
            hash: startHash,
            signature: signCheckpoint(key, start),
            pruned: 0,
            created_at: now,
            kind: 'seal',
            note: JSON.stringify(note),
          })
          .execute();
        const { chained, head } = chainEvents(key, start, [event]);
        await fixed(trx, insertSql(1), rowParams(chained));
        await fixed(trx, HEAD_INIT, [GENESIS_HASH]);
        await fixed(trx, HEAD_WRITE, [head.seq, head.hash, signCheckpoint(key, head)]);
        return { start, head };
      });
      await anchor.reset(result.head);
      damaged = null;
      deps.logger?.warn(
        { sealed_at: result.start.seq, seal_seq: result.head.seq },
        'an operator sealed a break in the audit chain: verification starts again after the seal',
      );
      return { sealed_at: result.start.seq, seal_seq: result.head.seq };
    },
    close: () => anchor.flush(),
  };
};

// Fixed statements for the head row; PostgreSQL locks it so replicas extend one chain in turn.
const HEAD_INIT = "insert into audit_head (id, seq, hash, signature) values (1, 0, ?, '') on conflict (id) do nothing";
const HEAD_READ = 'select seq, hash from audit_head where id = 1';
const PG_HEAD_LOCK = "select set_config('keyhaven.tenant', '*', true) as scope, seq, hash from audit_head where id = 1 for update";
const HEAD_WRITE = 'update audit_head set seq = ?, hash = ?, signature = ? where id = 1';
type HeadRow = { seq: number | string; hash: string };

const COLUMNS = [
  'seq',
  'tenant_id',
  'time',
  'actor_id',
  'actor_name',
  'actor_kind',
  'action',
  'resource',
  'outcome',
  'status',
  'error_code',
  'source_ip',
  'user_agent',
  'request_id',
  'version',
  'value_hmac',
  'details',
  'prev_hash',
  'hash',
] as const;
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
    out.push(
      e.seq,
      e.tenant,
      e.time,
      e.actor_id,
      e.actor_name,
      e.actor_kind,
      e.action,
      e.resource,
      e.outcome,
      e.status,
      e.error_code,
      e.source_ip,
      e.user_agent,
      e.request_id,
      e.version,
      e.value_hmac,
      e.details ? JSON.stringify(e.details) : null,
      e.prev_hash,
      e.hash,
    );
  }
  return out;
};

export const fromRow = (r: Selectable<AuditEventsTable>): ChainedEvent => ({
  seq: Number(r.seq),
  tenant: r.tenant_id,
  time: r.time,
  actor_id: r.actor_id,
  actor_name: r.actor_name,
  actor_kind: r.actor_kind as ChainedEvent['actor_kind'],
  action: r.action,
  resource: r.resource,
  outcome: r.outcome as ChainedEvent['outcome'],
  status: r.status,
  error_code: r.error_code,
  source_ip: r.source_ip,
  user_agent: r.user_agent,
  request_id: r.request_id,
  version: r.version,
  value_hmac: r.value_hmac,
  details: r.details ? JSON.parse(r.details) : null,
  prev_hash: r.prev_hash,
  hash: r.hash,
});
