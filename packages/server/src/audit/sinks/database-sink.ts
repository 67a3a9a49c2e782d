// The database audit sink, and the chains' authority (ADR 0011): one hash chain per tenant (and one
// for system events), each with its own head row. In one transaction it locks that chain's head,
// chains the batch from it, inserts the entries and signs the new head, so replicas on one PostgreSQL
// extend each chain in turn while batches of different tenants never wait on the same row. It also
// writes the signed digests of every head (audit_digests) that make deleting or rolling back a whole
// chain visible.
import { createHmac } from 'node:crypto';
import { CompiledQuery, type Selectable, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { fail } from '../../lib/errors.js';
import { createFixedSql, mapDriverError, type StorageHandle } from '../../storage/database.js';
import type { AuditEventsTable, Database } from '../../storage/schema.js';
import type { AuditEvent, AuditHead, ChainedEvent, ChainingSink } from '../audit-types.js';
import { SYSTEM_CHAIN } from '../audit-types.js';
import type { Anchor } from '../anchor.js';
import { chainEvents, genesisOf, signHead, type Problem } from '../chain.js';
import { signDigest, type Digest } from '../digest.js';
import { digestProblems, endOf, knownChains, newestDigest, readTail, readTailIn, tailProblems, type Outside } from '../integrity.js';

/** The database sink: a ChainingSink that also checks its chains' tails, refuses to extend a damaged
 *  chain (AUDIT_CHAIN_DAMAGED, naming the damage), seals an acknowledged break and writes digests. */
export interface DatabaseSink extends ChainingSink {
  /** Checks every chain's tail and the digests; marks damaged chains (appends refused) or healthy ones. */
  check(): Promise<Problem[]>;
  /** Checks one chain's tail (and the digests); marks it damaged or healthy. */
  checkChain(chain: string): Promise<Problem[]>;
  /** The tail problems that make appends to `chain` refused (every chain when omitted), or null. */
  damage(chain?: string): Problem[] | null;
  /** Starts a new verified segment of every damaged chain after its newest known position, recorded
   *  by `event` (in the system chain) (ADR 0008). */
  seal(
    event: AuditEvent,
    note: Record<string, unknown>,
  ): Promise<{ sealed_at: number; seal_seq: number; chains: Array<{ chain: string; sealed_at: number }> }>;
  /** Writes a signed digest of every chain head, unless a chain is damaged; returns it, or null. */
  writeDigest(): Promise<Digest | null>;
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
  /** Damaged chains, and damage of the digests themselves (key null: refuses every chain). */
  const damaged = new Map<string | null, Problem[]>();
  const genesis = new Map<string, AuditHead>();
  const genesisFor = (chain: string) => {
    let g = genesis.get(chain);
    if (!g) genesis.set(chain, (g = genesisOf(key, chain)));
    return g;
  };
  /** The chain's head, read with `text` (which locks it on PostgreSQL); only before the chain's first
   *  append is it missing, and then it is created idempotently and read again. */
  const headOf = async (trx: Transaction<Database>, chain: string, lock: boolean): Promise<AuditHead> => {
    const read = () => (lock ? fixed<HeadRow>(trx, pgHeadLock(chain), []) : fixed<HeadRow>(trx, HEAD_READ, [chain]));
    let row = (await read()).rows[0];
    if (!row) {
      await fixed(trx, HEAD_INIT, [chain, genesisFor(chain).hash]);
      row = (await read()).rows[0]!;
    }
    const head = { seq: Number(row.seq), hash: row.hash };
    // The head this server last appended or anchored is a floor: a head behind it (or at it with
    // another hash) was rolled back under the running server.
    const known = anchor.known(chain);
    if (known && (head.seq < known.seq || (head.seq === known.seq && head.hash !== known.hash))) throw new RollbackSeen();
    return head;
  };
  const withGlobal = (chained: ChainedEvent[], rows: Array<{ seq: number | string; chain_seq: number | string }>) => {
    const first = chained[0]!.chain_seq;
    for (const r of rows) chained[Number(r.chain_seq) - first]!.seq = Number(r.seq);
  };
  /** PostgreSQL: four round trips per batch (BEGIN, lock, insert, COMMIT). The row-level security
   *  scope is set by the statement that locks the chain's head row (audit_head itself has no
   *  row-level security), and the last insert carries the head update as a data-modifying WITH. */
  const appendPostgres = async (chain: string, events: AuditEvent[], retried = false): Promise<ChainedEvent[]> => {
    try {
      return await storage.db.transaction().execute(async (trx) => {
        const { chained, head } = chainEvents(key, chain, await headOf(trx, chain, true), events);
        let i = 0;
        for (; chained.length - i > 200; i += 200) {
          const part = chained.slice(i, i + 200);
          withGlobal(part, (await fixed<SeqRow>(trx, `${insertSql(200)} returning seq, chain_seq`, rowParams(part))).rows);
        }
        const last = chained.slice(i);
        const r = await fixed<SeqRow>(
          trx,
          `with appended as (${insertSql(last.length)} returning seq, chain_seq), h as (${HEAD_WRITE}) select seq, chain_seq from appended`,
          [...rowParams(last), head.seq, head.hash, signHead(key, chain, head), chain],
        );
        withGlobal(last, r.rows);
        return chained;
      });
    } catch (e) {
      if (e instanceof RollbackSeen) throw e;
      // Rows inserted by hand with their own global numbers leave the sequence behind them: move it
      // past them once, so the other chains go on (the forged rows are named by verify).
      if (
        !retried &&
        (e as { code?: string; constraint?: string }).code === '23505' &&
        (e as { constraint?: string }).constraint === 'audit_events_pkey'
      ) {
        await storage.db.executeQuery(CompiledQuery.raw(SEQ_CATCH_UP, [])).catch(() => {});
        return appendPostgres(chain, events, true);
      }
      throw mapDriverError(e);
    }
  };
  const appendSqlite = (chain: string, events: AuditEvent[]): Promise<ChainedEvent[]> =>
    storage.transaction(
      '*',
      async (trx) => {
        // One server owns a SQLite file (ADR 0005, 0007): the head needs no lock.
        const { chained, head } = chainEvents(key, chain, await headOf(trx, chain, false), events);
        for (let i = 0; i < chained.length; i += 200) {
          const part = chained.slice(i, i + 200);
          withGlobal(part, (await fixed<SeqRow>(trx, `${insertSql(part.length)} returning seq, chain_seq`, rowParams(part))).rows);
        }
        await fixed(trx, HEAD_WRITE, [head.seq, head.hash, signHead(key, chain, head), chain]);
        return chained;
      },
      { startNow: true },
    ); // the broker has batched already: commit in this turn of the loop

  const outside = async (): Promise<Outside> => {
    // The anchor first, then the tables: an append committing in between cannot put the anchor ahead.
    const anchorState = await anchor.read();
    return { anchor: anchorState, known: anchor.knownAll(), digest: await newestDigest(storage.db) };
  };
  const chainsOf = (o: Outside) => [
    ...(o.digest?.heads.map((h) => h[0]) ?? []),
    ...(o.anchor.status === 'ok' ? o.anchor.heads.keys() : []),
    ...o.known.keys(),
  ];
  const mark = (chain: string | null, problems: Problem[]) => {
    if (problems.length) {
      if (!damaged.has(chain))
        deps.logger?.error(
          { chain, problems: problems.slice(0, 10) },
          'the audit chain is damaged: appends are refused (AUDIT_CHAIN_DAMAGED) until the audit tables are restored or the break is sealed; run `keyhaven audit verify`, see docs/audit.md',
        );
      damaged.set(chain, problems);
    } else if (damaged.delete(chain)) deps.logger?.warn({ chain }, 'the audit chain tail is consistent again: appends resume');
  };

  let checkedAt = 0;
  /** One chain and the digests (after a failed append, or a recheck of a refused chain). */
  const checkChain = async (chain: string): Promise<Problem[]> => {
    checkedAt = Date.now();
    const o = await outside();
    const global = digestProblems(key, o);
    mark(null, global);
    const mine = await tailProblems(storage, key, await readTail(storage, chain), o);
    mark(chain, mine);
    return [...global, ...mine];
  };
  const check = async (): Promise<Problem[]> => {
    checkedAt = Date.now();
    const o = await outside();
    const all = digestProblems(key, o);
    mark(null, [...all]);
    const chains = await knownChains(storage, chainsOf(o));
    for (const c of [...damaged.keys()]) if (c !== null && !chains.includes(c)) damaged.delete(c);
    for (const chain of chains) {
      const p = await tailProblems(storage, key, await readTail(storage, chain), o);
      mark(chain, p);
      all.push(...p);
    }
    return all;
  };
  /** Signs every head row as it is now and stores the digest after the newest number known anywhere. */
  const storeDigest = async (): Promise<Digest | null> => {
    const now = new Date().toISOString();
    const digest = await storage.transaction('*', async (trx) => {
      const heads = new Map<string, AuditHead>();
      for (const r of await trx.selectFrom('audit_head').select(['chain', 'seq', 'hash']).execute())
        heads.set(r.chain, { seq: Number(r.seq), hash: r.hash });
      const prev = await trx.selectFrom('audit_digests').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const d = signDigest(key, Math.max(Number(prev?.seq ?? 0), anchor.knownDigest()) + 1, now, heads);
      const r = await trx
        .insertInto('audit_digests')
        .values({ seq: d.seq, time: d.time, heads: JSON.stringify(d.heads), hash: d.hash, signature: d.signature })
        .onConflict((oc) => oc.column('seq').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0 ? d : null; // another replica wrote this number
    });
    if (digest) await anchor.digestSeen(digest.seq);
    return digest;
  };
  const damageOf = (chain?: string): Problem[] | null => {
    if (chain === undefined) return damaged.size ? [...damaged.values()].flat() : null;
    const p = [...(damaged.get(null) ?? []), ...(damaged.get(chain) ?? [])];
    return p.length ? p : null;
  };

  return {
    name: 'database',
    check,
    checkChain,
    damage: damageOf,
    /** Chains and stores a batch of one chain; returns the chained entries. */
    async append(chain: string, events: AuditEvent[]): Promise<ChainedEvent[]> {
      if (damageOf(chain) && Date.now() - checkedAt > RECHECK_MS) await checkChain(chain).catch(() => {}); // restored or sealed elsewhere?
      const refused = damageOf(chain);
      if (refused) throw damagedError(refused);
      let chained: ChainedEvent[];
      try {
        chained = storage.dialect === 'postgres' ? await appendPostgres(chain, events) : await appendSqlite(chain, events);
      } catch (e) {
        // A conflict on a position, a head behind this server's own: name the damage.
        let problems: Problem[] = [];
        try {
          problems = await checkChain(chain);
        } catch {
          /* the database itself is failing: report that */
        }
        if (problems.length) throw damagedError(problems);
        throw e instanceof RollbackSeen ? new Error('the audit head moved back while this server ran') : e;
      }
      const last = chained[chained.length - 1];
      if (last) void anchor.advance(chain, { seq: last.chain_seq, hash: last.hash });
      return chained;
    },
    async writeDigest() {
      const problems = await check();
      if (problems.length) return null; // a digest of damaged heads would vouch for the damage
      return storeDigest();
    },
    async seal(event, note) {
      const problems = await check();
      const chains = [...new Set(problems.map((p) => p.chain).filter((c): c is string => c !== null))];
      const o = await outside();
      const now = new Date().toISOString();
      const sealed: Array<{ chain: string; sealed_at: number }> = [];
      for (const chain of chains) {
        const r = await storage.transaction('*', async (trx) => {
          if (storage.dialect === 'postgres') await fixed(trx, pgHeadLock(chain), []);
          const t = await readTailIn(trx, chain);
          const fromDigest = o.digest?.heads.find((h) => h[0] === chain)?.[1] ?? 0;
          const fromAnchor = o.anchor.status === 'ok' ? (o.anchor.heads.get(chain)?.seq ?? 0) : 0;
          const at = Math.max(endOf(t), fromDigest, fromAnchor, anchor.known(chain)?.seq ?? 0);
          const stored = (
            await trx.selectFrom('audit_events').select('hash').where('chain', '=', chain).where('chain_seq', '=', at).executeTakeFirst()
          )?.hash;
          const startHash =
            stored ?? (t.head?.seq === at ? t.head.hash : createHmac('sha256', key).update(`seal:${chain}:${at}:${now}`).digest('hex'));
          const start = { seq: at, hash: startHash };
          await trx.deleteFrom('audit_checkpoints').where('chain', '=', chain).where('seq', '=', at).execute();
          await trx
            .insertInto('audit_checkpoints')
            .values({
              chain,
              seq: at,
              hash: startHash,
              signature: signHead(key, chain, start),
              pruned: 0,
              created_at: now,
              kind: 'seal',
              note: JSON.stringify(note),
            })
            .execute();
          await fixed(trx, HEAD_INIT, [chain, genesisFor(chain).hash]);
          await fixed(trx, HEAD_WRITE, [start.seq, start.hash, signHead(key, chain, start), chain]);
          return start;
        });
        await anchor.reset(chain, r);
        damaged.delete(chain);
        sealed.push({ chain, sealed_at: r.seq });
      }
      damaged.delete(null);
      // The seal itself is an entry of the system chain: who, why, which chains and problems.
      const [entry] = await (storage.dialect === 'postgres' ? appendPostgres : appendSqlite)(SYSTEM_CHAIN, [
        { ...event, tenant: SYSTEM_CHAIN, details: { ...event.details, chains: sealed } },
      ]);
      void anchor.advance(SYSTEM_CHAIN, { seq: entry!.chain_seq, hash: entry!.hash });
      await anchor.flush();
      // A new digest of every head as sealed (numbered after any digest the anchor saw, so deleted
      // digests are acknowledged too).
      await storeDigest().catch(() => null);
      damaged.delete(null);
      deps.logger?.warn(
        { chains: sealed, seal_seq: entry!.seq },
        'an operator sealed a break in the audit chain: verification starts again after the seal',
      );
      return { sealed_at: sealed[0]?.sealed_at ?? 0, seal_seq: entry!.chain_seq, chains: sealed };
    },
    close: async () => {
      await anchor.flush();
    },
  };
};

// Fixed statements for the head rows; PostgreSQL locks one chain's row so replicas extend it in turn.
const HEAD_INIT = "insert into audit_head (chain, seq, hash, signature) values (?, 0, ?, '') on conflict (chain) do nothing";
const HEAD_READ = 'select seq, hash from audit_head where chain = ?';
/** The chain is a literal (a tenant id, or ''), not a parameter: a statement without parameters goes
 *  out in one message with the transaction's BEGIN (storage/database.ts), one round trip less. */
const LOCKS = new Map<string, string>();
const pgHeadLock = (chain: string): string => {
  let text = LOCKS.get(chain);
  if (!text) {
    text = `select set_config('keyhaven.tenant', '*', true) as scope, seq, hash from audit_head where chain = '${chain.replace(/'/g, "''")}' for update`;
    if (LOCKS.size < 10_000) LOCKS.set(chain, text);
  }
  return text;
};
const SEQ_CATCH_UP =
  "select setval('audit_events_seq_seq', greatest((select max(seq) from audit_events), nextval('audit_events_seq_seq')))";
const HEAD_WRITE = 'update audit_head set seq = ?, hash = ?, signature = ? where chain = ?';
type HeadRow = { seq: number | string; hash: string };
type SeqRow = { seq: number | string; chain_seq: number | string };

const COLUMNS = [
  'chain',
  'chain_seq',
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
      e.chain,
      e.chain_seq,
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
  chain: r.chain,
  chain_seq: Number(r.chain_seq),
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
