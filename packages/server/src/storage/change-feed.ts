// Cross-replica cache invalidation on PostgreSQL (LISTEN/NOTIFY). A mutation announces what it
// changed inside its own transaction (`pg_notify` is delivered at COMMIT and dropped on ROLLBACK);
// every replica listens on one dedicated connection and invalidates its caches. A change is notified
// only when another replica listens (PostgreSQL serializes the commits of notifying transactions), so a
// replica invalidates its own changes itself; one that starts listening waits for the transactions
// open then to end before it uses its caches (`settle`). While that connection
// is down, notifications can be missed, so the feed is not `live`: caches are cleared and bypassed
// until it is back (and cleared again then). A heartbeat on the listening connection notices a
// connection that died silently. The same channel relays committed domain events (secret.changed,
// secret.rotated …) so event streams on every replica hear of changes made through any of them.
// SQLite needs none of this: one server owns the file (ADR 0005).
// This is `changeFeed.mode: notify`. The default, `log`, is change-log-feed.ts (ADR 0012): the same
// ChangeFeed interface, with a change-log row per change instead of a NOTIFY in the write's commit.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import { createDeferredSql, type Executor, type StorageHandle } from './database.js';
import type { Database } from './schema.js';

/** `config`: a small per-tenant configuration table changed (its name is the table's; see knownEmpty). */
export type ChangeTopic = 'secret' | 'policy' | 'tenant' | 'config';
export const CHANGE_CHANNEL = 'keyhaven_changes';
export const CHANGE_FEED_APPLICATION = 'keyhaven-change-feed';

export interface ChangeFeed {
  /** True while every committed change is being heard; caches must not be used otherwise. */
  readonly live: boolean;
  /** Inside a mutation's transaction: every replica hears it once the transaction commits. */
  announce(trx: Executor, topic: ChangeTopic, tenant: string, name: string): Promise<void>;
  /** `onChange` for each change heard from another replica (a replica's own changes are notified only
   *  when another replica listens, so it must invalidate them itself); `onReset` when changes may have
   *  been missed (the feed went down) and again when it is back: drop everything cached. */
  subscribe(onChange: (topic: ChangeTopic, tenant: string, name: string) => void, onReset: () => void): void;
  /** Sends a committed domain event to the other replicas (best effort: dropped while the feed is
   *  down, or when it exceeds NOTIFY's payload limit); `onEvent` hears theirs, marked with `replica`. */
  relay(event: RelayedEvent): void;
  /** Like relay, but inside the transaction of the change it reports: the event goes with the
   *  transaction's COMMIT (one NOTIFY with the change's own, so one commit-time lock of PostgreSQL's
   *  notification queue, and no round trip after it), and only if it commits. False when it is too
   *  large for NOTIFY (then relay it after the commit as before). */
  relayInTransaction(trx: Executor, event: RelayedEvent): Promise<boolean>;
  onEvent(fn: (event: RelayedEvent) => void): void;
  close(): Promise<void>;
}

/** A domain event as the feed carries it: the shape of the bus's DomainEvent (events/event-bus.ts),
 *  restated here because storage does not import the layers above it (test/structure/layers.test.ts). */
export interface RelayedEvent {
  type: string;
  time: string;
  tenant: string;
  data: Record<string, unknown>;
  replica?: string;
}

/** NOTIFY payloads must stay under 8,000 bytes. */
export const MAX_PAYLOAD = 7900;

/** Runs a change in one transaction of `tenant`; with a feed, the change is announced in that same
 *  transaction, so other replicas hear of it when (and only if) it commits. */
export const announcing = <T>(
  storage: StorageHandle,
  changes: ChangeFeed | undefined,
  topic: ChangeTopic,
  tenant: string,
  name: string,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> =>
  storage.transaction(
    tenant,
    changes
      ? async (trx) => {
          const result = await fn(trx);
          await changes.announce(trx, topic, tenant, name);
          return result;
        }
      : fn,
  );

/** Remembers, per tenant, that a small configuration table (`table`: notification subscriptions, sync
 *  destinations) holds no row of that tenant, so the hot path of every write skips its lookup. Only on
 *  PostgreSQL, and only while the feed is live: each change of the table announces itself in its
 *  transaction (`announce`), which clears the tenant on every replica once it commits; the replica that
 *  made it clears it at once (`forget`, after the transaction). A lookup that overlapped a change is
 *  not remembered. Another replica hears of a change when its NOTIFY arrives (milliseconds after the
 *  commit): a write there in between still sees the table as empty, as a write whose lookup ran just
 *  before the commit would have. */
export const knownEmpty = (changes: ChangeFeed | undefined, table: string) => {
  const empty = new Set<string>();
  let generation = 0;
  const forget = (tenant?: string) => {
    generation += 1;
    if (tenant === undefined) empty.clear();
    else empty.delete(tenant);
  };
  changes?.subscribe(
    (topic, tenant, name) => {
      if (topic === 'config' && name === table) forget(tenant);
    },
    () => forget(),
  );
  return {
    /** True when the tenant is known to have no row (never without a live feed). */
    has: (tenant: string) => Boolean(changes?.live) && empty.has(tenant),
    /** Taken before a lookup; `remember` keeps its answer only if nothing changed since. */
    token: () => generation,
    remember(tenant: string, token: number) {
      if (changes?.live && token === generation && empty.size < 10_000) empty.add(tenant);
    },
    forget,
    /** Inside the transaction of a change of the table: every replica forgets the tenant at its commit. */
    announce: (trx: Executor, tenant: string) => changes?.announce(trx, 'config', tenant, table),
  };
};

/** Whether caches may be used: always without a feed (SQLite), otherwise while it is live. */
export const cachesUsable = (changes: ChangeFeed | undefined) => () => !changes || changes.live;

export interface PgChangeFeedOptions {
  url: string;
  logger: Logger;
  heartbeatMs?: number;
  /** Longest wait between reconnection attempts. */
  maxBackoffMs?: number;
  /** Longest wait, after LISTEN, for the transactions already open then to end (see `settle`). */
  settleMs?: number;
}

/** The condition under which a change is notified at all: another replica is listening (a row of
 *  `change_feed_listeners`, migration 014, other than this replica's own listener, `pid`). PostgreSQL
 *  takes its commit-time notification lock only for a transaction that queued a notification, so a
 *  lone replica's writes share WAL flushes again. A listener registers itself before it LISTENs, and a
 *  write whose check did not see it does not make it use its caches before that write has ended
 *  (`settle`). The check reads a table of a few rows: pg_stat_activity would cost far more per write. */
export const OTHER_LISTENER = (pid: string) => `exists (select 1 from change_feed_listeners where pid <> ${pid})`;
const NOTIFY_IF_HEARD = `select pg_notify(?, ?) where ${OTHER_LISTENER('?')}`;
/** Keeps `change_feed_listeners` true: every live listening backend of this database is in it (this
 *  one included, and listeners of Keyhaven versions that do not register themselves), none that is gone. */
export const REGISTER = (() => {
  const live = `select pid from pg_stat_activity where application_name = '${CHANGE_FEED_APPLICATION}' and datname = current_database()`;
  return `insert into change_feed_listeners (pid) ${live} on conflict (pid) do nothing; delete from change_feed_listeners where pid not in (${live})`;
})();

/** A write whose check ran before this listener connected did not notify, and may commit after
 *  LISTEN: caches filled before it commits would keep its old value. So wait until every transaction
 *  open in this database now (it includes any such write) has ended; the caches are cleared and used
 *  only after that. Transactions are told apart by backend and start time; those of roles whose
 *  sessions this role cannot see are not waited for (replicas share the role). After `settleMs` the
 *  feed goes live anyway: what still runs then is not a write inside its COMMIT message. Stops early
 *  when `current` turns false (the connection was lost meanwhile). */
export const settleOpenTransactions = async (c: pg.Client, settleMs: number, logger: Logger, current: () => boolean) => {
  const open = await c.query<{ pid: number; started: string }>(
    `select pid, xact_start::text as started from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null`,
  );
  if (open.rows.length === 0) return;
  const pids = open.rows.map((r) => r.pid);
  const starts = open.rows.map((r) => r.started);
  const until = Date.now() + settleMs;
  for (;;) {
    if (!current()) return;
    const left = await c.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity s, unnest($1::int[], $2::text[]) as o(pid, started)
        where s.pid = o.pid and s.xact_start::text = o.started`,
      [pids, starts],
    );
    if (left.rows[0]!.n === 0) return;
    if (Date.now() > until) {
      logger.warn(
        { transactions: left.rows[0]!.n },
        'cache invalidation feed: transactions open since it connected are still running; caches are used anyway',
      );
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** A relayed event's JSON as another replica sent it, or undefined when it is not one. */
export const parseRelayedEvent = (json: string): Omit<RelayedEvent, 'replica'> | undefined => {
  let e: RelayedEvent;
  try {
    e = JSON.parse(json) as RelayedEvent;
  } catch {
    return undefined;
  }
  if (
    typeof e?.type !== 'string' ||
    typeof e.tenant !== 'string' ||
    typeof e.time !== 'string' ||
    typeof e.data !== 'object' ||
    e.data === null
  )
    return undefined;
  return { type: e.type, time: e.time, tenant: e.tenant, data: e.data };
};

/** A change or event notified on CHANGE_CHANNEL (`["secret", tenant, name]`, `["event", origin, json]`). */
export const parseChangePayload = (payload: string): [string, string, string] | undefined => {
  let change: unknown;
  try {
    change = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!Array.isArray(change) || change.length !== 3 || !change.every((x) => typeof x === 'string')) return undefined;
  return change as [string, string, string];
};

/** The subscribers of a feed (either design) and how it hands them what it hears: a subscriber
 *  that throws never breaks the feed; a replica ignores the events it relayed itself. */
export const createFeedListeners = (ownOrigin: string) => {
  const subscribers: Array<{ onChange: (topic: ChangeTopic, tenant: string, name: string) => void; onReset: () => void }> = [];
  const eventListeners: Array<(event: RelayedEvent) => void> = [];
  const each = <T>(list: T[], fn: (x: T) => void) => {
    for (const x of list) {
      try {
        fn(x);
      } catch {
        /* a subscriber never breaks the feed */
      }
    }
  };
  return {
    reset: () => each(subscribers, (s) => s.onReset()),
    heardChange: (topic: ChangeTopic, tenant: string, name: string) => each(subscribers, (s) => s.onChange(topic, tenant, name)),
    /** A relayed event's JSON, from the replica `from`. */
    heardEvent: (from: string, json: string) => {
      if (from === ownOrigin) return;
      const e = parseRelayedEvent(json);
      if (e) each(eventListeners, (l) => l({ ...e, replica: from }));
    },
    subscribe: (onChange: (topic: ChangeTopic, tenant: string, name: string) => void, onReset: () => void) => {
      subscribers.push({ onChange, onReset });
    },
    onEvent: (fn: (event: RelayedEvent) => void) => {
      eventListeners.push(fn);
    },
  };
};

/** The listening connection of a feed (either design), named so replicas can find each other's in
 *  pg_stat_activity; an error or its end is `lost`. */
export const newFeedClient = (url: string, lost: (c: pg.Client, reason: string) => void): pg.Client => {
  const c = new pg.Client({
    connectionString: url,
    keepAlive: true,
    application_name: CHANGE_FEED_APPLICATION,
    connectionTimeoutMillis: 5000,
  });
  c.on('error', (e) => lost(c, e.message));
  c.on('end', () => lost(c, 'connection closed'));
  return c;
};

const announceSql = createDeferredSql('postgres');

export const openPgChangeFeed = async (opts: PgChangeFeedOptions): Promise<ChangeFeed> => {
  const heartbeatMs = opts.heartbeatMs ?? 5000;
  const maxBackoff = opts.maxBackoffMs ?? 5000;
  const settleMs = opts.settleMs ?? 10_000;
  const origin = randomUUID(); // this server, so it ignores its own relayed events
  const listeners = createFeedListeners(origin);
  const { reset, heardEvent } = listeners;
  let client: pg.Client | undefined;
  /** The backend pid of the listening connection (0 while there is none: every listener counts). */
  let listenerPid = 0;
  /** Queries on the listening connection run one after another (heartbeats and relayed events may
   *  overlap; pg deprecates a query issued while another is running on the same client). */
  let tail: Promise<unknown> = Promise.resolve();
  const serial = (c: pg.Client, text: string, values?: unknown[]) => {
    const p = tail.then(() => c.query(text, values));
    tail = p.catch(() => {});
    return p;
  };
  let live = false;
  let closed = false;
  let backoff = 100;
  let retry: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const lost = (c: pg.Client, reason: string) => {
    if (c !== client) return; // an older connection, already replaced
    client = undefined;
    listenerPid = 0;
    if (heartbeat) clearInterval(heartbeat);
    c.end().catch(() => {});
    if (live) opts.logger.warn({ reason: reason.slice(0, 200) }, 'cache invalidation feed lost; caches are bypassed until it is back');
    live = false;
    reset();
    if (!closed) {
      retry = setTimeout(() => void connect(), backoff);
      retry.unref();
      backoff = Math.min(backoff * 2, maxBackoff);
    }
  };

  const settle = (c: pg.Client) => settleOpenTransactions(c, settleMs, opts.logger, () => c === client);

  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = newFeedClient(opts.url, lost);
    client = c;
    tail = Promise.resolve();
    c.on('notification', (msg) => {
      if (msg.channel !== CHANGE_CHANNEL || !msg.payload) return;
      const change = parseChangePayload(msg.payload);
      if (!change) return;
      if (change[0] === 'event') return void heardEvent(change[1], change[2]);
      listeners.heardChange(change[0] as ChangeTopic, change[1], change[2]);
    });
    try {
      await c.connect();
      // One implicit transaction: registered and listening at the same commit, so a write whose check
      // sees this listener commits after it and is heard; one whose check did not see it was open at
      // that commit, and `settle` (after it) waits for it to end.
      const r = (await c.query(`${REGISTER}; LISTEN ${CHANGE_CHANNEL}; select pg_backend_pid() as pid`)) as unknown as pg.QueryResult[];
      listenerPid = Number((r[r.length - 1]!.rows[0] as { pid: number }).pid);
      await settle(c);
    } catch (e) {
      lost(c, (e as Error).message);
      return;
    }
    if (c !== client) return;
    if (backoff > 100) opts.logger.info('cache invalidation feed restored; caches are used again');
    backoff = 100;
    reset(); // whatever changed while nobody listened is unknown
    live = true;
    heartbeat = setInterval(() => {
      const unanswered = setTimeout(() => lost(c, 'heartbeat unanswered'), heartbeatMs);
      unanswered.unref();
      serial(c, `${REGISTER}; select 1`).then(
        () => clearTimeout(unanswered),
        (e: Error) => {
          clearTimeout(unanswered);
          lost(c, e.message);
        },
      );
    }, heartbeatMs);
    heartbeat.unref();
  };

  // Relayed events wait while one message is in flight on the listening connection, then go together:
  // one simple-protocol message of `pg_notify`s, one implicit transaction, one commit for all of them.
  let relayQueue: string[] = [];
  let relaying = false;
  const sendRelays = () => {
    const c = client;
    if (!c || !live || relayQueue.length === 0) {
      relayQueue = [];
      return;
    }
    relaying = true;
    const batch = relayQueue.splice(0, 100);
    const channel = c.escapeLiteral(CHANGE_CHANNEL);
    const heard = OTHER_LISTENER('pg_backend_pid()');
    serial(c, batch.map((p) => `select pg_notify(${channel}, ${c.escapeLiteral(p)}) where ${heard}`).join('; '))
      .catch(() => {
        /* the feed notices a broken connection itself */
      })
      .finally(() => {
        relaying = false;
        if (relayQueue.length) sendRelays();
      });
  };
  const relayPayload = (event: RelayedEvent) =>
    JSON.stringify(['event', origin, JSON.stringify({ type: event.type, time: event.time, tenant: event.tenant, data: event.data })]);

  // Start does not wait long for transactions others hold open (settle): the feed goes live when they end.
  let wait: NodeJS.Timeout | undefined;
  await Promise.race([connect(), new Promise<void>((r) => (wait = setTimeout(r, Math.min(settleMs, 2000))))]);
  clearTimeout(wait);
  if (!live) opts.logger.warn('cache invalidation feed unavailable at start; caches are bypassed until it connects');

  return {
    get live() {
      return live;
    },
    async announce(trx, topic, tenant, name) {
      // Sent with the COMMIT (deferred): NOTIFY is delivered at commit anyway.
      // Only when another replica listens (NOTIFY_IF_HEARD): this replica invalidates its own caches
      // itself, around the transaction (secret-service `mutate`, policy-service `change`, …).
      await announceSql(trx, NOTIFY_IF_HEARD, [CHANGE_CHANNEL, JSON.stringify([topic, tenant, name]), listenerPid]);
    },
    subscribe: listeners.subscribe,
    async relayInTransaction(trx, event) {
      const payload = relayPayload(event);
      if (Buffer.byteLength(payload) > MAX_PAYLOAD) return false;
      await announceSql(trx, NOTIFY_IF_HEARD, [CHANGE_CHANNEL, payload, listenerPid]);
      return true;
    },
    relay(event) {
      if (!client || !live) return;
      const payload = relayPayload(event);
      if (Buffer.byteLength(payload) > MAX_PAYLOAD) {
        opts.logger.warn({ type: event.type }, 'event too large to relay to other replicas');
        return;
      }
      relayQueue.push(payload);
      if (!relaying) sendRelays();
    },
    onEvent: listeners.onEvent,
    async close() {
      closed = true;
      live = false;
      if (retry) clearTimeout(retry);
      if (heartbeat) clearInterval(heartbeat);
      const c = client;
      client = undefined;
      if (c) {
        // Best effort (a row left behind is removed by the next listener's heartbeat); never blocks close.
        let t: NodeJS.Timeout | undefined;
        const unregister = serial(c, 'delete from change_feed_listeners where pid = pg_backend_pid()').catch(() => {});
        await Promise.race([unregister, new Promise((r) => (t = setTimeout(r, 1000)))]);
        clearTimeout(t);
      }
      await c?.end().catch(() => {});
    },
  };
};
