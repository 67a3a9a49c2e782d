// Opens the database (embedded SQLite by default, PostgreSQL for production), runs migrations, and
// gives features tenant-scoped executors: on PostgreSQL every scoped unit of work runs in a
// transaction with `keyhaven.tenant` set, so row-level security filters what a query can see.
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  sql,
  type PostgresPool,
  type PostgresPoolClient,
  type Transaction,
} from 'kysely';
import type { Database } from './schema.js';
import { migrateToLatest, pendingMigrations, type Dialect } from './migrations.js';
import { KeyhavenError, fail } from '../lib/errors.js';
import { startCheckpointer, type Checkpointer, type CheckpointerStats } from './sqlite-checkpointer.js';

export type Db = Kysely<Database>;
export type Executor = Kysely<Database> | Transaction<Database>;

export interface StorageHandle {
  readonly dialect: Dialect;
  readonly db: Db;
  /** Runs `fn` with rows limited to `tenant` (RLS on PostgreSQL). Pass '*' only for system work. */
  withTenant<T>(tenant: string, fn: (ex: Executor) => Promise<T>): Promise<T>;
  /** Like withTenant, but always in a transaction (for writes that must be atomic). On SQLite, units
   *  that arrive together share one transaction; `startNow` (for a caller that batched its work
   *  already, like the audit broker) starts that transaction at once instead of on the next turn of
   *  the event loop, with whatever units are queued by then. */
  transaction<T>(tenant: string, fn: (trx: Transaction<Database>) => Promise<T>, opts?: { startNow?: boolean }): Promise<T>;
  /** Runs one read-only statement (numbered `$n` placeholders on PostgreSQL) with rows limited to
   *  `tenant`. On PostgreSQL it is one round trip: the tenant's `set_config` and the statement go in one
   *  simple-protocol message, which PostgreSQL runs as one implicit transaction, statement after
   *  statement, so row-level security sees the tenant (parameters become escaped literals). */
  readScoped<R>(tenant: string, query: CompiledQuery): Promise<R[]>;
  /** readScoped for one statement that may write (an UPDATE … RETURNING): on PostgreSQL the message's
   *  implicit transaction commits it when the message ends; on SQLite it waits for the connection like
   *  any query outside a unit of work. */
  runScoped<R>(tenant: string, query: CompiledQuery): Promise<R[]>;
  /** SQLite only: runs a read statement directly on the cached compiled statement (the hot path). */
  sqliteGet?: <T>(text: string, params: unknown[]) => T | undefined;
  /** SQLite only: runs a statement straight on the connection, skipping the query layer. Only for
   *  statements of a unit of work inside `transaction(fn)` (its executor has `isTransaction`), where
   *  the connection is that unit's; anywhere else it could read another unit's uncommitted rows. */
  sqliteRun?: (text: string, params: readonly unknown[]) => { rows: unknown[]; changes: number };
  /** SQLite only: true while a transaction is open on the connection. A direct read then would see
   *  its uncommitted rows, so hot reads take the query layer instead (which waits for the commit). */
  sqliteInTransaction?: () => boolean;
  /** SQLite on a file only: what the WAL checkpoint worker has done (ADR 0007). */
  sqliteCheckpoints?: () => CheckpointerStats;
  /** True when the PostgreSQL role bypasses row-level security (superuser or BYPASSRLS). */
  bypassesRls(): Promise<boolean>;
  ping(): Promise<void>;
  /** Known migrations not applied to the database (empty once the server has started). */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}

/** Fixed SQL text with `?` placeholders (numbered for PostgreSQL), for hot statements where the query
 *  builder's immutable trees cost more than the work. Inside a SQLite unit of work (`ex.isTransaction`)
 *  the statement runs straight on the connection; anywhere else it goes through the query layer. */
export type FixedSql = <R>(
  ex: Executor,
  text: string,
  params: readonly unknown[],
) => Promise<{ rows: R[]; numAffectedRows?: bigint | number }>;
const NUMBERED = new Map<string, string>();
export const createFixedSql =
  (dialect: Dialect, direct?: StorageHandle['sqliteRun']): FixedSql =>
  async <R>(ex: Executor, text: string, params: readonly unknown[]) => {
    if (direct && ex.isTransaction) {
      const r = direct(text, params);
      return { rows: r.rows as R[], numAffectedRows: r.changes };
    }
    let out = dialect === 'sqlite' ? text : NUMBERED.get(text);
    if (out === undefined) {
      let n = 0;
      out = text.replace(/\?/g, () => `$${++n}`);
      if (NUMBERED.size < 1000) NUMBERED.set(text, out);
    }
    return ex.executeQuery<R>(CompiledQuery.raw(out, params as unknown[]));
  };

/** Fixed SQL whose caller does not wait for its result. On PostgreSQL, inside a transaction, the
 *  statement is held back and sent with the transaction's next statement or its COMMIT, in one
 *  message (one round trip less each); `onRows` hears its rows once they arrive (after the commit at
 *  the latest; never when the transaction fails), and an error it raises fails the transaction when
 *  it is sent. Only for statements whose outcome the caller knows beforehand (an insert, an update of
 *  a row this transaction has locked). Elsewhere (SQLite, outside a transaction) it runs at once.
 *  `atCommit`: held until the COMMIT itself, even when other statements are sent before it, so `onRows`
 *  runs only once the transaction has committed (for a statement whose place in the transaction does
 *  not matter, like the change log's insert: ADR 0012). */
export type DeferredSql = (
  ex: Executor,
  text: string,
  params: readonly unknown[],
  onRows?: (rows: unknown[]) => void,
  opts?: { atCommit?: boolean },
) => Promise<void>;
export const createDeferredSql = (dialect: Dialect, direct?: StorageHandle['sqliteRun']): DeferredSql => {
  const fixed = createFixedSql(dialect, direct);
  return async (ex, text, params, onRows, opts) => {
    if (dialect !== 'postgres' || !ex.isTransaction) {
      const r = await fixed(ex, text, params);
      onRows?.(r.rows);
      return;
    }
    let id = '';
    if (onRows) {
      id = String(++deferredIds);
      if (DEFERRED_CALLBACKS.size > 10_000) DEFERRED_CALLBACKS.clear(); // only ever a leak of abandoned statements
      DEFERRED_CALLBACKS.set(id, onRows);
    }
    let n = 0;
    const numbered = text.replace(/\?/g, () => `$${++n}`);
    await ex.executeQuery(CompiledQuery.raw(`${opts?.atCommit ? AT_COMMIT_MARK : DEFERRED_MARK}${id} */ ${numbered}`, params as unknown[]));
  };
};

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

const PG_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
]);
/** What pg and pg-pool say, without a code, when a connection is gone or did not answer in time. */
const PG_LOST_TEXT =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Connection ended|socket hang up/;

/** True for a driver error that means the connection to PostgreSQL is lost or not answering (the
 *  server is down, the backend was terminated, the network broke or stalled), not a fault of the query. */
export const isConnectionLoss = (e: unknown): boolean => {
  const err = e as { code?: string; message?: string };
  if (err?.code && PG_UNAVAILABLE.has(err.code)) return true;
  return typeof err?.message === 'string' && PG_LOST_TEXT.test(err.message);
};

/** Turns driver errors into catalogue errors; never passes driver text (it may echo SQL) to clients. */
export const mapDriverError = (e: unknown): unknown => {
  if (e instanceof KeyhavenError) return e;
  const err = e as { code?: string; message?: string };
  if (isConnectionLoss(e)) return new KeyhavenError('DATABASE_UNAVAILABLE', undefined, undefined, { cause: e });
  if (err?.code === 'SQLITE_FULL' || (err?.code === 'SQLITE_IOERR_WRITE' && /disk|space/i.test(err.message ?? ''))) {
    return new KeyhavenError('DISK_FULL', undefined, undefined, { cause: e });
  }
  if (err?.code === 'SQLITE_CORRUPT' || err?.code === 'SQLITE_NOTADB' || err?.code?.startsWith('SQLITE_CORRUPT_')) {
    return new KeyhavenError('DATABASE_CORRUPT', undefined, { sqlite_code: err.code }, { cause: e });
  }
  if (err?.code === 'SQLITE_BUSY' || err?.code === 'SQLITE_LOCKED')
    return new KeyhavenError('CONFLICT', 'The database is busy with another writer; retry the request.', undefined, { cause: e });
  if (err?.code === '40001' || err?.code === '40P01') return new KeyhavenError('CONFLICT', undefined, undefined, { cause: e });
  // PostgreSQL data exceptions (class 22): text with NUL or invalid bytes, values out of range.
  if (typeof err?.code === 'string' && /^22[0-9A-Z]{3}$/.test(err.code)) {
    return new KeyhavenError(
      'VALIDATION_FAILED',
      'The request holds a value the database cannot store (for example a NUL character or a number out of range).',
      undefined,
      { cause: e },
    );
  }
  return e;
};

export const isUniqueViolation = (e: unknown): boolean => {
  const err = e as { code?: string };
  return err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE';
};

export const resolveSqlitePath = (url: string): string => {
  if (url === ':memory:') return url;
  const p = url.startsWith('sqlite://') ? url.slice('sqlite://'.length) : url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  return path.resolve(p);
};

/** better-sqlite3 compiles a statement on every prepare(); Kysely prepares per query. Reusing
 *  compiled statements (keyed by SQL text, bounded) removes most of the per-query cost. */
const cachingStatements = (sqlite: BetterSqlite3.Database) => {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = sqlite.prepare(text);
        if (cache.size >= 500) cache.delete(cache.keys().next().value!);
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
};

interface Queued {
  fn: (trx: Transaction<Database>) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** SQLite has one connection and one writer, so units of work that arrive while a transaction runs
 *  are committed together in the next one (group commit): each runs inside its own savepoint, so a
 *  failure undoes only its own changes, and every caller hears back only after the shared COMMIT. */
const groupCommit = (db: Db, direct: NonNullable<StorageHandle['sqliteRun']>, inTransaction: () => boolean) => {
  const queue: Queued[] = [];
  let running = false;
  let scheduled = false;
  const runGroups = async () => {
    running = true;
    try {
      while (queue.length) {
        const group = queue.splice(0, 256);
        const outcomes: Outcome[] = [];
        // An error after which SQLite has already rolled the whole transaction back (SQLITE_FULL and
        // some I/O errors do): the group fails with it, not with the "no transaction is active" of the
        // rollbacks that follow, and the next group starts a fresh transaction.
        // A controlled transaction, so a failed COMMIT reports its own error (SQLITE_FULL), not the
        // "no transaction is active" of a rollback after it.
        let trx: Awaited<ReturnType<ReturnType<Db['startTransaction']>['execute']>> | undefined;
        try {
          trx = await db.startTransaction().execute();
          for (const item of group) {
            direct('savepoint unit', []);
            try {
              const value = await item.fn(trx);
              direct('release unit', []);
              outcomes.push({ ok: true, value });
            } catch (error) {
              if (!inTransaction()) throw error; // SQLite rolled the whole transaction back itself
              direct('rollback to unit', []);
              direct('release unit', []);
              outcomes.push({ ok: false, error });
            }
          }
          await trx.commit().execute();
        } catch (e) {
          // Nothing of the group was committed.
          // Always end the controlled transaction, which also gives its connection back (a rollback
          // that fails because SQLite already rolled back still releases it).
          if (trx && !trx.isCommitted && !trx.isRolledBack)
            await trx
              .rollback()
              .execute()
              .catch(() => undefined);
          if (inTransaction()) {
            try {
              direct('rollback', []);
            } catch {
              /* already ended */
            }
          }
          for (const item of group) item.reject(mapDriverError(e));
          continue;
        }
        group.forEach((item, i) => {
          const o = outcomes[i]!;
          if (o.ok) item.resolve(o.value);
          else item.reject(mapDriverError(o.error));
        });
      }
    } finally {
      running = false;
    }
  };
  return <T>(_tenant: string, fn: (trx: Transaction<Database>) => Promise<T>, opts?: { startNow?: boolean }): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (opts?.startNow && !running) {
        void runGroups();
        return;
      }
      // The group starts after the current I/O callbacks, so the units that requests arriving
      // together queue share one transaction (and one commit).
      if (!running && !scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          if (!running) void runGroups();
        });
      }
    });
};

/** SQLite could not open or map the WAL index (`-shm`) for shared use, and fell back to read-only. */
const shmUnavailable = (e: unknown): boolean => {
  const code = (e as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR_SHM') || code === 'SQLITE_CANTOPEN';
};

const inUse = (file: string) =>
  fail(
    'DATABASE_UNAVAILABLE',
    `The SQLite database ${file} is in use by another Keyhaven server; SQLite serves one server at a time (stop the other one, or use PostgreSQL for several).`,
  );

/** One server per SQLite file (ADR 0005, 0007): the server holds an exclusive lock on `<file>-lock`, a
 *  one-page SQLite file, for as long as it runs, so a second server on the same file is refused at
 *  start. The operating system drops the lock when the process ends, however it ends. */
export const lockSqliteFile = (file: string): BetterSqlite3.Database => {
  const lock = new BetterSqlite3(`${file}-lock`);
  try {
    lock.pragma('busy_timeout = 0');
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.pragma('journal_mode = MEMORY');
    // A write takes the exclusive lock, and in this locking mode it is kept until the connection closes.
    lock.pragma('user_version = 1');
  } catch (e) {
    lock.close();
    if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw inUse(file);
    throw e;
  }
  return lock;
};

const lostConnection = () =>
  Object.assign(new Error('Connection terminated: an earlier query on this connection lost it or did not answer in time'), {
    code: '08006',
  });

/** The PostgreSQL pool as Kysely uses it (`connect`, `end`), made to survive a lost connection:
 *  - every client has an 'error' listener for its whole life (pg-pool's own listener is removed while a
 *    client is checked out, and an 'error' event without a listener ends the process); the error also
 *    fails the client's pending queries, so only the requests in flight on it fail;
 *  - TCP keepalive notices a peer that vanished, and a query that does not answer within
 *    `queryTimeoutMs` fails (a stalled network otherwise holds a request for as long as TCP retries);
 *  - a client whose query failed for a lost connection or timed out is thrown away, never reused: it
 *    may still be running the old statement or sit inside the failed transaction. Its later queries
 *    (Kysely's ROLLBACK) fail at once instead of waiting for the timeout again. */
const guardedPool = (url: string, opts: OpenStorageOptions): Omit<PostgresPool, 'connect'> & { connect(): Promise<GuardedClient> } => {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    query_timeout: opts.queryTimeoutMs ?? 30_000,
  });
  const onError = (e: Error) => opts.onConnectionError?.(e);
  pool.on('connect', (client) => {
    client.on('error', onError);
  });
  pool.on('error', () => {}); // an idle client's error: pg-pool drops the client, onError above has reported it
  const broken = new WeakSet<pg.PoolClient>();
  return {
    async connect(): Promise<GuardedClient> {
      const client = await pool.connect();
      const run = (...args: unknown[]): unknown => {
        if (broken.has(client)) return Promise.reject(lostConnection());
        const r = (client.query as (...a: unknown[]) => unknown)(...args);
        if (!(r instanceof Promise)) return r; // a cursor or a callback query
        return r.catch((e: unknown) => {
          if (isConnectionLoss(e)) broken.add(client);
          throw e;
        });
      };
      /** A simple-protocol message of several statements answers with one result each. */
      const all = async (text: string): Promise<pg.QueryResult[]> => {
        const r = (await run(text)) as pg.QueryResult | pg.QueryResult[];
        return Array.isArray(r) ? r : [r];
      };
      const last = async (text: string) => {
        const r = await all(text);
        return r[r.length - 1]!;
      };
      // Statements of a transaction are held back and sent with the next statement whose answer the
      // caller waits for, in one simple-protocol message (their parameters as escaped literals): the
      // BEGIN, the tenant's set_config, and statements marked deferred (their callers do not wait for
      // their results: inserts, updates under a row lock already taken, pg_notify), which go with the
      // COMMIT at the latest. Statements run in the order they were issued; an error in a held one fails
      // the message that carried it, inside the same transaction, which then rolls back. A transaction
      // with nothing but its BEGIN and set_config is never sent at all.
      let inTransaction = false;
      let sent = false; // something of this transaction has reached the server
      let held: Held[] = [];
      /** The held statements to send now: all of them with the COMMIT, otherwise all but `atCommit` ones. */
      const take = (commit: boolean) => {
        const h = commit ? held : held.filter((x) => !x.atCommit);
        held = commit ? [] : held.filter((x) => x.atCommit);
        return h;
      };
      /** Sends the held statements followed by `text` in one message; answers with the last result. */
      const withHeld = async (text: string | undefined): Promise<pg.QueryResult> => {
        const h = take(text === 'commit');
        if (h.length === 0 && text === undefined) return DEFERRED_RESULT as unknown as pg.QueryResult;
        sent = true;
        const results = await all([...h.map((x) => x.text), ...(text === undefined ? [] : [text])].join('; '));
        h.forEach((x, i) => x.onRows?.(results[i]?.rows ?? []));
        return results[results.length - 1]!;
      };
      const guarded = {
        query(...args: unknown[]): unknown {
          const [first, values] = args as [unknown, unknown[] | undefined];
          const plain = typeof first === 'string' && (values === undefined || (Array.isArray(values) && values.length === 0));
          let text = first;
          let onRows: Held['onRows'];
          let deferred = false;
          let atCommit = false;
          if (typeof text === 'string' && (text.startsWith(DEFERRED_MARK) || text.startsWith(AT_COMMIT_MARK))) {
            atCommit = text.startsWith(AT_COMMIT_MARK);
            const end = text.indexOf('*/');
            const id = text.slice((atCommit ? AT_COMMIT_MARK : DEFERRED_MARK).length, end).trim();
            onRows = id ? DEFERRED_CALLBACKS.get(id) : undefined;
            if (id) DEFERRED_CALLBACKS.delete(id);
            text = text.slice(end + 2).trimStart();
            deferred = true;
          }
          if (!inTransaction) {
            if (plain && text === 'begin') {
              inTransaction = true;
              sent = false;
              held = [{ text: 'begin', substantive: false }];
              return Promise.resolve(HELD_BEGIN);
            }
            if (!deferred) return run(...args);
            return (run(text, values) as Promise<pg.QueryResult>).then((r) => {
              onRows?.(r.rows ?? []);
              return r;
            });
          }
          if (plain && (text === 'commit' || text === 'rollback')) {
            inTransaction = false;
            const substantive = held.some((h) => h.substantive);
            if (!sent && (!substantive || text === 'rollback')) {
              held = [];
              return Promise.resolve({ ...HELD_BEGIN, command: text.toUpperCase() });
            }
            if (text === 'rollback') {
              held = [];
              return run('rollback');
            }
            return withHeld('commit');
          }
          if (typeof text !== 'string') {
            // A cursor is returned at once: the driver queues it behind the held statements (a failed
            // message means a failed transaction, which fails the cursor too).
            if (held.length) void withHeld(undefined).catch(() => undefined);
            return run(...args);
          }
          const tenant = values?.[0];
          if (text === SET_TENANT_SQL && values?.length === 1 && typeof tenant === 'string') {
            const literal = literalOf(tenant);
            if (literal !== undefined) {
              held.push({ text: `select set_config('keyhaven.tenant', ${literal}, true)`, substantive: false });
              return Promise.resolve({ command: 'SELECT', rowCount: 1, rows: [{ set_config: tenant }], fields: [] });
            }
          }
          const inline = text.includes(';') ? undefined : plain ? text : inlined(text, values ?? []);
          if (deferred && inline !== undefined) {
            held.push({ text: inline, onRows, substantive: true, atCommit });
            return Promise.resolve(DEFERRED_RESULT);
          }
          if (held.length === 0 || (!deferred && held.every((h) => h.atCommit))) {
            sent = true;
            if (!deferred) return run(...args);
            return (run(text, values) as Promise<pg.QueryResult>).then((r) => {
              onRows?.(r.rows ?? []);
              return r;
            });
          }
          if (inline !== undefined) return withHeld(inline);
          // No literal form for a parameter (a Buffer, a NUL): the held statements go first, alone.
          return withHeld(undefined).then(() =>
            (run(text, values) as Promise<pg.QueryResult>).then((r) => {
              onRows?.(r.rows ?? []);
              return r;
            }),
          );
        },
        /** One simple-protocol message (several statements separated by `;`), answered by its last result. */
        simple: last,
        release: () => {
          inTransaction = false;
          held = [];
          client.release(broken.has(client) || undefined);
        },
      };
      return guarded as GuardedClient;
    },
    end: () => pool.end(),
  };
};

type GuardedClient = PostgresPoolClient & { simple(text: string): Promise<pg.QueryResult> };
interface Held {
  text: string;
  onRows?: (rows: unknown[]) => void;
  /** Anything but the BEGIN and the tenant's set_config. */
  substantive: boolean;
  /** Sent with the COMMIT only (DeferredSql's `atCommit`). */
  atCommit?: boolean;
}
const HELD_BEGIN = { command: 'BEGIN', rowCount: null, rows: [], fields: [] };
/** What a held deferred statement answers at once: no rows, no affected-row count. */
const DEFERRED_RESULT = { command: 'DEFERRED', rowCount: null, rows: [], fields: [] };
const SET_TENANT_SQL = "select set_config('keyhaven.tenant', $1, true)";
/** Opens the text of a statement whose caller does not wait for its result (see deferredSql). */
const DEFERRED_MARK = '/* keyhaven:deferred ';
const AT_COMMIT_MARK = '/* keyhaven:at-commit ';
const DEFERRED_CALLBACKS = new Map<string, (rows: unknown[]) => void>();
let deferredIds = 0;
/** The driver's own conversion of a parameter to the text it sends (pg/lib/utils, on the default export). */
const prepareValue = (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils.prepareValue;

/** A parameter as a PostgreSQL literal, or undefined when it has no safe literal form here. The value
 *  is turned into text as the driver sends a parameter (`prepareValue`), and quoted as an untyped
 *  literal, which PostgreSQL types from its context exactly as it types an untyped parameter. */
const literalOf = (v: unknown): string | undefined => {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' && !Number.isFinite(v)) return undefined;
  const prepared = prepareValue(v) as unknown;
  if (prepared === null) return 'null';
  if (typeof prepared !== 'string' || prepared.includes('\0')) return undefined; // a Buffer: bytes, no literal here
  return pg.escapeLiteral(prepared);
};
/** `text` with its `$n` placeholders replaced by literals, or undefined when a parameter has none. */
const inlined = (text: string, params: readonly unknown[]): string | undefined => {
  const literals = params.map(literalOf);
  if (literals.some((l) => l === undefined)) return undefined;
  let ok = true;
  const out = text.replace(/\$(\d+)/g, (_, n: string) => {
    const l = literals[Number(n) - 1];
    if (l === undefined) ok = false;
    return l ?? '';
  });
  return ok ? out : undefined;
};

export interface OpenStorageOptions {
  poolSize?: number;
  /** SQLite: called if the WAL checkpoint worker cannot run or stops; SQLite then checkpoints on its own. */
  onCheckpointFailure?: (error: Error) => void;
  /** PostgreSQL: the longest a query may go unanswered before it fails with DATABASE_UNAVAILABLE (ms). */
  queryTimeoutMs?: number;
  /** PostgreSQL: a pooled connection failed (its requests in flight answer DATABASE_UNAVAILABLE). */
  onConnectionError?: (error: Error) => void;
}

export const openStorage = async (url: string, opts: OpenStorageOptions = {}): Promise<StorageHandle> => {
  const dialect: Dialect = isPostgresUrl(url) ? 'postgres' : 'sqlite';
  let db: Db;
  let sqliteGet: StorageHandle['sqliteGet'];
  let sqliteInTransaction: StorageHandle['sqliteInTransaction'];
  let sqliteRun: StorageHandle['sqliteRun'];
  let sqliteFile: { sqlite: BetterSqlite3.Database; file: string; lock: BetterSqlite3.Database; checkpointWorker: boolean } | undefined;
  let pgPool: ReturnType<typeof guardedPool> | undefined;
  if (dialect === 'postgres') {
    pgPool = guardedPool(url, opts);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pgPool }) });
  } else {
    const file = resolveSqlitePath(url);
    if (file !== ':memory:') {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // A zero-byte file where a store should be is a truncated or wrongly restored database: SQLite
      // would start it as a new, empty store with a new root token. Refuse and say what to do.
      if (existsSync(file) && statSync(file).size === 0) {
        throw fail(
          'DATABASE_EMPTY',
          `The database file ${file} exists but is empty (0 bytes). If it held data, restore it from a backup; to start a new store, delete the file.`,
        );
      }
    }
    const lock = file === ':memory:' ? undefined : lockSqliteFile(file);
    let opened: BetterSqlite3.Database | undefined;
    let sharedWal = lock !== undefined; // a file: WAL index in shared memory, checkpoints in a worker
    const connect = (exclusive: boolean): BetterSqlite3.Database => {
      const c = (opened = new BetterSqlite3(file));
      if (exclusive) c.pragma('locking_mode = EXCLUSIVE');
      c.pragma('busy_timeout = 2000');
      c.pragma('journal_mode = WAL');
      c.prepare('select count(*) from sqlite_master').get();
      return c;
    };
    let sqlite: BetterSqlite3.Database;
    try {
      sqlite = connect(false);
      if (sharedWal) {
        try {
          sqlite.exec('begin immediate; rollback');
        } catch (e) {
          // Some file systems cannot map the WAL index (`<file>-shm`) shared; SQLite then opens the
          // database read-only. Held exclusively, the index lives in the process's memory instead, and
          // checkpoints stay in the commits (ADR 0005's mode; ADR 0007).
          if (!shmUnavailable(e)) throw e;
          sqlite.close();
          sqlite = connect(true);
          sharedWal = false;
          opts.onCheckpointFailure?.(
            new Error(
              `the file system of ${file} cannot share SQLite's WAL index (${(e as { code?: string }).code}); the server holds the database exclusively and checkpoints inside commits instead of in a worker`,
            ),
          );
        }
      }
    } catch (e) {
      opened?.close();
      lock?.close();
      // Something else holds the database itself (an older Keyhaven held it exclusively, without the lock file).
      if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw inUse(file);
      const mapped = mapDriverError(e);
      if (mapped instanceof KeyhavenError && mapped.code === 'DATABASE_CORRUPT') {
        throw new KeyhavenError(
          'DATABASE_CORRUPT',
          `The database file ${file} is damaged (SQLite: ${(e as Error).message}). Nothing was written to it; restore the database from a backup (docs/operations.md), or move the file away to start a new, empty store.`,
          { sqlite_code: (e as { code?: string }).code },
          { cause: e },
        );
      }
      throw e;
    }
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('secure_delete = ON'); // destroyed ciphertext is overwritten, not left in free pages
    // Statement and savepoint journals in memory, not in temporary files: every unit of work runs in a
    // savepoint (group commit), and a file journal cost a write syscall per page it first touched.
    sqlite.pragma('temp_store = MEMORY');
    const statements = cachingStatements(sqlite);
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
    sqliteGet = <T>(text: string, params: unknown[]) => statements.prepare(text).get(...params) as T | undefined;
    sqliteInTransaction = () => sqlite.inTransaction;
    sqliteRun = (text, params) => {
      const stmt = statements.prepare(text);
      if (stmt.reader) return { rows: stmt.all(...params), changes: 0 };
      return { rows: [], changes: stmt.run(...params).changes };
    };
    if (lock) {
      sqliteFile = { sqlite, file, lock, checkpointWorker: sharedWal };
      // The database, its WAL, index and lock file are the server user's alone, whatever the umask.
      for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-lock`]) {
        try {
          if ((statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
        } catch {
          /* not there (yet) */
        }
      }
    }
  }
  try {
    await migrateToLatest(db, dialect);
  } catch (e) {
    await db.destroy();
    sqliteFile?.lock.close();
    const mapped = mapDriverError(e);
    if (mapped instanceof KeyhavenError) throw mapped;
    throw fail('DATABASE_UNAVAILABLE', `The database could not be prepared: ${(e as Error).message}`);
  }

  // Sent together with the transaction's BEGIN, in one message (guardedPool).
  const setTenant = (trx: Transaction<Database>, tenant: string) => trx.executeQuery(CompiledQuery.raw(SET_TENANT_SQL, [tenant]));

  const pgTransaction = async <T>(tenant: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> => {
    try {
      return await db.transaction().execute(async (trx) => {
        await setTenant(trx, tenant);
        return fn(trx);
      });
    } catch (e) {
      throw mapDriverError(e);
    }
  };
  const transaction = dialect === 'postgres' ? pgTransaction : groupCommit(db, sqliteRun!, sqliteInTransaction!);
  // WAL checkpoints run in a worker thread, not inside a request's COMMIT (ADR 0007).
  const checkpointer: Checkpointer | undefined = sqliteFile?.checkpointWorker
    ? startCheckpointer(sqliteFile.sqlite, sqliteFile.file, { onFailure: opts.onCheckpointFailure })
    : undefined;

  const handle: StorageHandle = {
    dialect,
    db,
    sqliteGet,
    sqliteInTransaction,
    sqliteRun,
    transaction,
    async readScoped<R>(tenant: string, query: CompiledQuery): Promise<R[]> {
      try {
        if (!pgPool) return (await db.executeQuery<R>(query)).rows;
        const scope = literalOf(tenant);
        const text = inlined(query.sql, query.parameters);
        if (scope === undefined || text === undefined || query.sql.includes(';'))
          return await transaction(tenant, async (trx) => (await trx.executeQuery<R>(query)).rows);
        const client = await pgPool.connect();
        try {
          return (await client.simple(`select set_config('keyhaven.tenant', ${scope}, true); ${text}`)).rows as R[];
        } finally {
          client.release();
        }
      } catch (e) {
        throw mapDriverError(e);
      }
    },
    runScoped<R>(tenant: string, query: CompiledQuery): Promise<R[]> {
      return handle.readScoped<R>(tenant, query);
    },
    async withTenant(tenant, fn) {
      if (dialect === 'postgres') return transaction(tenant, fn);
      try {
        return await fn(db);
      } catch (e) {
        throw mapDriverError(e);
      }
    },
    async bypassesRls() {
      if (dialect !== 'postgres') return false;
      const r = await sql<{
        bypass: boolean;
      }>`select (rolsuper or rolbypassrls) as bypass from pg_roles where rolname = current_user`.execute(db);
      return Boolean(r.rows[0]?.bypass);
    },
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (e) {
        throw mapDriverError(e);
      }
    },
    async pendingMigrations() {
      try {
        return await pendingMigrations(db, dialect);
      } catch (e) {
        throw mapDriverError(e);
      }
    },
    sqliteCheckpoints: checkpointer && (() => checkpointer.stats()),
    async close() {
      await checkpointer?.close();
      await db.destroy();
      sqliteFile?.lock.close();
    },
  };
  return handle;
};
