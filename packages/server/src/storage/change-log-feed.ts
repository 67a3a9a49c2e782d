// Cross-replica cache invalidation on PostgreSQL through a change log (ADR 0012). A mutation adds a
// row to `change_log` in its own transaction (held back and sent with its COMMIT: no round trip, and
// an ordinary insert takes no commit-time lock, so commits share WAL flushes). After its commits each
// replica sends at most one wake-up NOTIFY per `notifyDelayMs`, on its own connection, outside any
// write; every replica then reads the rows it has not seen. Rows are read by the writing transaction's
// id: everything at or above the horizon of the previous read (the oldest transaction still running
// then), so a transaction that commits after a later one is still read; rows read twice are skipped
// by id. A poll every `pollMs` finds what a lost wake-up did not announce, and caches are bypassed
// whenever no read succeeded for `maxStalenessMs`. Committed domain events travel as rows too.
// Replicas of earlier versions (or in `changeFeed.mode: notify`) listen on CHANGE_CHANNEL for a NOTIFY
// per change: they are sent one while such a listener is registered, and theirs are heard here.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { createDeferredSql } from './database.js';
import {
  CHANGE_CHANNEL,
  CHANGE_FEED_APPLICATION,
  MAX_PAYLOAD,
  createFeedListeners,
  newFeedClient,
  parseChangePayload,
  settleOpenTransactions,
  type ChangeFeed,
  type ChangeTopic,
  type RelayedEvent,
} from './change-feed.js';

export const CHANGE_LOG_CHANNEL = 'keyhaven_change_log';
/** Origins of log replicas start with this, so their CHANGE_CHANNEL copies are not heard twice. */
const LOG_ORIGIN = 'log:';
/** A domain event larger than this is not relayed (its data is small: names, versions, ids). */
const MAX_EVENT = 64 * 1024;
/** A read returning this many rows resets the caches instead of going on (a replica far behind). */
const MAX_ROWS = 20_000;

export interface PgChangeLogOptions {
  url: string;
  logger: Logger;
  /** The log is read at least this often (and on every wake-up). */
  pollMs?: number;
  /** Caches are bypassed while the last successful read of the log is older than this. */
  maxStalenessMs?: number;
  /** A wake-up NOTIFY goes this long after the first commit it announces, and never while this
   *  replica's previous one is in flight (commits meanwhile share the next). */
  notifyDelayMs?: number;
  /** Rows older than this are deleted. */
  retentionSeconds?: number;
  /** How often the listener registration is refreshed and old rows are pruned. */
  housekeepingMs?: number;
  maxBackoffMs?: number;
  /** Longest wait for open transactions when a replica of an earlier version is listening. */
  settleMs?: number;
}

/** Listeners that need a NOTIFY per change (registered with kind `notify`, migration 015). */
const NOTIFY_LISTENER = `exists (select 1 from change_feed_listeners where kind = 'notify')`;
const INSERT = `with logged as (insert into change_log (origin, topic, tenant, name, event) values (?, ?, ?, ?, ?))
  select pg_notify(?, ?) where ${NOTIFY_LISTENER}`;
const INSERT_ONLY = `insert into change_log (origin, topic, tenant, name, event) values (?, ?, ?, ?, ?)`;
/** This listener as a log reader; other live listeners (earlier versions do not all register) as
 *  `notify` until they register themselves; rows of backends that are gone removed. */
const REGISTER = (() => {
  const live = `select pid from pg_stat_activity where application_name = '${CHANGE_FEED_APPLICATION}' and datname = current_database()`;
  return (
    `insert into change_feed_listeners (pid, kind) values (pg_backend_pid(), 'log') on conflict (pid) do update set kind = 'log'; ` +
    `insert into change_feed_listeners (pid) ${live} on conflict (pid) do nothing; ` +
    `delete from change_feed_listeners where pid not in (${live})`
  );
})();
const OTHER_LISTENER = `exists (select 1 from change_feed_listeners where pid <> pg_backend_pid())`;
const OTHERS = `select ${OTHER_LISTENER} as others`;
/** One statement, one snapshot: its horizon (no transaction below it still runs) and the rows at or
 *  above the previous horizon not yet seen, from other replicas. */
const READ = `select pg_snapshot_xmin(pg_current_snapshot())::text as horizon,
  coalesce((select json_agg(json_build_array(id::text, xid::text, origin, topic, tenant, name, event) order by id)
    from (select * from change_log l
           where l.xid >= coalesce($1::xid8, pg_snapshot_xmin(pg_current_snapshot()))
             and l.origin <> $2 and not (l.id = any($3::bigint[]))
           order by l.id limit ${MAX_ROWS}) r), '[]'::json) as rows`;

type Row = [id: string, xid: string, origin: string, topic: string, tenant: string, name: string, event: string | null];

const deferredSql = createDeferredSql('postgres');

export const openPgChangeLogFeed = async (opts: PgChangeLogOptions): Promise<ChangeFeed> => {
  const pollMs = opts.pollMs ?? 1000;
  const maxStalenessMs = opts.maxStalenessMs ?? 3000;
  const notifyDelayMs = opts.notifyDelayMs ?? 1;
  const retentionMs = (opts.retentionSeconds ?? 600) * 1000;
  const maxBackoff = opts.maxBackoffMs ?? 5000;
  const settleMs = opts.settleMs ?? 10_000;
  const origin = `${LOG_ORIGIN}${randomUUID()}`;
  const listeners = createFeedListeners(origin);
  const { reset, heardEvent } = listeners;
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let backoff = 100;
  let retry: NodeJS.Timeout | undefined;
  let poller: NodeJS.Timeout | undefined;
  /** When the last successful read was sent (its snapshot is at least that recent). */
  let lastRead = 0;
  /** The previous read's horizon (a transaction id); undefined before the first read. */
  let horizon: string | undefined;
  /** Rows read whose transaction id is at or above `horizon` (they are read again): id → xid. */
  const seen = new Map<string, bigint>();
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <R extends pg.QueryResultRow = pg.QueryResultRow>(c: pg.Client, text: string, values?: unknown[]) => {
    const p = tail.then(() => c.query<R>(text, values));
    tail = p.catch(() => {});
    return p;
  };
  const fresh = () => connected && Date.now() - lastRead < maxStalenessMs;

  const heardChange = (topic: string, tenant: string, name: string) => listeners.heardChange(topic as ChangeTopic, tenant, name);

  const lost = (c: pg.Client, reason: string) => {
    if (c !== client) return;
    client = undefined;
    if (poller) clearInterval(poller);
    c.end().catch(() => {});
    if (connected) opts.logger.warn({ reason: reason.slice(0, 200) }, 'change log feed lost; caches are bypassed until it is back');
    connected = false;
    reset();
    if (!closed) {
      retry = setTimeout(() => void connect(), backoff);
      retry.unref();
      backoff = Math.min(backoff * 2, maxBackoff);
    }
  };

  /** Reads the rows not seen yet and hands them to the subscribers. */
  const readOnce = async (c: pg.Client) => {
    const sentAt = Date.now();
    const wasFresh = fresh();
    const unanswered = setTimeout(() => lost(c, 'change log read unanswered'), maxStalenessMs);
    unanswered.unref();
    let r: pg.QueryResult<{ horizon: string; rows: Row[] }>;
    try {
      r = await serial<{ horizon: string; rows: Row[] }>(c, READ, [horizon ?? null, origin, [...seen.keys()]]);
    } finally {
      clearTimeout(unanswered);
    }
    if (c !== client) return;
    const next = BigInt(r.rows[0]!.horizon);
    const rows = r.rows[0]!.rows;
    for (const [id, xid, from, topic, tenant, name, event] of rows) {
      if (seen.has(id)) continue;
      const x = BigInt(xid);
      if (x >= next) seen.set(id, x);
      if (topic === 'event') {
        if (event !== null) heardEvent(from, event);
      } else heardChange(topic, tenant, name);
    }
    for (const [id, x] of seen) if (x < next) seen.delete(id);
    horizon = next.toString();
    if (rows.length >= MAX_ROWS) {
      // Rows beyond the limit below the new horizon are not read: their invalidations are covered by
      // dropping everything cached, their events are lost.
      opts.logger.warn({ rows: rows.length }, 'change log: too many changes to read at once; caches are cleared');
      reset();
    }
    lastRead = sentAt;
    if (connected && !wasFresh) reset(); // stale meanwhile: caches were bypassed, start them over
  };

  // Reads run one after another, each with the horizon and rows of the one before; a read asked for
  // while one waits to start is that one.
  let readTail: Promise<unknown> = Promise.resolve();
  let readQueued: Promise<void> | undefined;
  const read = (c: pg.Client): Promise<void> => {
    if (readQueued) return readQueued;
    const p = readTail.then(() => {
      readQueued = undefined;
      return c === client ? readOnce(c) : undefined;
    });
    readQueued = p;
    readTail = p.catch(() => {});
    return p;
  };
  const requestRead = () => {
    const c = client;
    if (!c || !connected) return;
    read(c).catch((e: Error) => lost(c, e.message));
  };

  // Wake-ups and events relayed after their commits: one message per `notifyDelayMs` at most.
  let relayQueue: RelayedEvent[] = [];
  let wakePending = false;
  let wakeTimer: NodeJS.Timeout | undefined;
  /** One wake-up message in flight at a time: commits meanwhile share the next one. */
  let wakeInFlight = false;
  const flush = () => {
    wakeTimer = undefined;
    const c = client;
    if (!c || !connected) {
      relayQueue = [];
      wakePending = false;
      return;
    }
    const batch = relayQueue.splice(0, 100);
    wakePending = false;
    // A lone replica sends no wake-up after its writes (a replica that connects announces itself with
    // one, and registrations are checked every few seconds); events relayed after a commit always go.
    if (!batch.length && !othersListening) return;
    const parts: string[] = [];
    if (batch.length) {
      const rows = batch.map(
        (e) => `(${c.escapeLiteral(origin)}, 'event', ${c.escapeLiteral(e.tenant)}, '', ${c.escapeLiteral(eventJson(e))})`,
      );
      parts.push(`insert into change_log (origin, topic, tenant, name, event) values ${rows.join(', ')}`);
      for (const e of batch) {
        const payload = compatPayload(e);
        if (Buffer.byteLength(payload) <= MAX_PAYLOAD)
          parts.push(`select pg_notify(${c.escapeLiteral(CHANGE_CHANNEL)}, ${c.escapeLiteral(payload)}) where ${NOTIFY_LISTENER}`);
      }
    }
    parts.push(`select pg_notify(${c.escapeLiteral(CHANGE_LOG_CHANNEL)}, ${c.escapeLiteral(origin)}) where ${OTHER_LISTENER}`);
    wakeInFlight = true;
    serial(c, parts.join('; '))
      .catch(() => {
        /* the feed notices a broken connection itself; the poll finds committed rows */
      })
      .finally(() => {
        wakeInFlight = false;
        if (wakePending || relayQueue.length) schedule();
      });
  };
  const schedule = () => {
    wakePending = true;
    if (!wakeTimer && !wakeInFlight) {
      wakeTimer = setTimeout(flush, notifyDelayMs);
      wakeTimer.unref();
    }
  };
  const eventJson = (e: RelayedEvent) => JSON.stringify({ type: e.type, time: e.time, tenant: e.tenant, data: e.data });
  const compatPayload = (e: RelayedEvent) => JSON.stringify(['event', origin, eventJson(e)]);

  /** Whether another replica listens (checked at connect and every ~5 s, and set by its wake-ups): a
   *  lone replica sends no wake-ups and relays no events after commits (their rows are unread). */
  let othersListening = false;
  let polls = 0;
  /** [time, highest id then], oldest first: rows up to an id noted `retention` ago are deleted. */
  const marks: Array<[number, string]> = [];
  const housekeeping = (c: pg.Client) => {
    polls += 1;
    const every = Math.max(1, Math.round((opts.housekeepingMs ?? 5000) / pollMs));
    if (polls % every !== 0) return;
    // Keeps change_feed_listeners true for replicas that need a NOTIFY per change, and prunes the log.
    void serial<{ max: string | null }>(c, `${REGISTER}; ${OTHERS}; select max(id)::text as max from change_log`)
      .then((res) => {
        const results = res as unknown as pg.QueryResult[];
        othersListening = (results.at(-2)!.rows[0] as { others: boolean }).others;
        const max = (results.at(-1)!.rows[0] as { max: string | null } | undefined)?.max;
        if (max) marks.push([Date.now(), max]);
        let cut: string | undefined;
        while (marks.length && Date.now() - marks[0]![0] >= retentionMs) cut = marks.shift()![1];
        if (cut) return serial(c, 'delete from change_log where id <= $1', [cut]);
      })
      .catch((e: Error) => lost(c, e.message));
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = newFeedClient(opts.url, lost);
    client = c;
    tail = Promise.resolve();
    c.on('notification', (msg) => {
      if (msg.channel === CHANGE_LOG_CHANNEL) {
        if (msg.payload === origin) return; // this replica's own wake-up
        othersListening = true;
        return requestRead();
      }
      if (msg.channel !== CHANGE_CHANNEL || !msg.payload) return;
      // From a replica that notifies each change (an earlier version); log replicas' copies are skipped.
      const change = parseChangePayload(msg.payload);
      if (!change) return;
      if (change[0] === 'event') {
        if (!change[1].startsWith(LOG_ORIGIN)) heardEvent(change[1], change[2]);
        return;
      }
      heardChange(change[0], change[1], change[2]);
    });
    try {
      await c.connect();
      const r = (await c.query(
        `${REGISTER}; LISTEN ${CHANGE_CHANNEL}; LISTEN ${CHANGE_LOG_CHANNEL}; ` +
          // Other log replicas hear this replica is here (they wake it up from now on).
          `select pg_notify(${c.escapeLiteral(CHANGE_LOG_CHANNEL)}, ${c.escapeLiteral(origin)}) where ${OTHER_LISTENER}; ` +
          `${OTHERS}, ${NOTIFY_LISTENER} as old`,
      )) as unknown as pg.QueryResult[];
      othersListening = (r.at(-1)!.rows[0] as { others: boolean }).others;
      // A replica of an earlier version notifies only listeners it saw registered: wait for its writes
      // open now, which may not have seen this one (ADR 0006, settle).
      if ((r.at(-1)!.rows[0] as { old: boolean }).old) await settleOpenTransactions(c, settleMs, opts.logger, () => c === client);
      if (c !== client) return;
      connected = true;
      readTail = Promise.resolve();
      readQueued = undefined;
      await read(c); // catches up from the last horizon after a reconnection
    } catch (e) {
      lost(c, (e as Error).message);
      return;
    }
    if (c !== client) return;
    if (backoff > 100) opts.logger.info('change log feed restored; caches are used again');
    backoff = 100;
    reset(); // caches start over: what they hold was filled before the feed was back
    poller = setInterval(() => {
      requestRead();
      housekeeping(c);
    }, pollMs);
    poller.unref();
  };

  let wait: NodeJS.Timeout | undefined;
  await Promise.race([connect(), new Promise<void>((r) => (wait = setTimeout(r, Math.min(settleMs, 2000))))]);
  clearTimeout(wait);
  if (!fresh()) opts.logger.warn('change log feed unavailable at start; caches are bypassed until it connects');

  const logRow = (topic: string, tenant: string, name: string, event: string | null, compat: string | undefined) =>
    compat !== undefined && Buffer.byteLength(compat) <= MAX_PAYLOAD
      ? { text: INSERT, params: [origin, topic, tenant, name, event, CHANGE_CHANNEL, compat] }
      : { text: INSERT_ONLY, params: [origin, topic, tenant, name, event] };

  return {
    get live() {
      return fresh();
    },
    async announce(trx, topic, tenant, name) {
      // With the COMMIT; once it has committed, this replica's wake-up is scheduled.
      const row = logRow(topic, tenant, name, null, JSON.stringify([topic, tenant, name]));
      await deferredSql(trx, row.text, row.params, schedule, { atCommit: true });
    },
    subscribe: listeners.subscribe,
    async relayInTransaction(trx, event) {
      const json = eventJson(event);
      if (Buffer.byteLength(json) > MAX_EVENT) return false;
      const row = logRow('event', event.tenant, '', json, compatPayload(event));
      await deferredSql(trx, row.text, row.params, schedule, { atCommit: true });
      return true;
    },
    relay(event) {
      if (!client || !connected) return;
      if (Buffer.byteLength(eventJson(event)) > MAX_EVENT) {
        opts.logger.warn({ type: event.type }, 'event too large to relay to other replicas');
        return;
      }
      relayQueue.push(event);
      schedule();
    },
    onEvent: listeners.onEvent,
    async close() {
      if (wakeTimer) clearTimeout(wakeTimer);
      if (wakePending) flush(); // this replica's last wake-up and relayed events
      closed = true;
      connected = false;
      if (retry) clearTimeout(retry);
      if (poller) clearInterval(poller);
      const c = client;
      client = undefined;
      if (c) {
        let t: NodeJS.Timeout | undefined;
        const unregister = serial(c, 'delete from change_feed_listeners where pid = pg_backend_pid()').catch(() => {});
        await Promise.race([unregister, new Promise((r) => (t = setTimeout(r, 1000)))]);
        clearTimeout(t);
      }
      await c?.end().catch(() => {});
    },
  };
};
