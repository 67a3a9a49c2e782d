// The change log feed on real PostgreSQL (ADR 0012), driven with plain writers on their own
// connections so the awkward orders can be forced:
// - two transactions committing out of order (the later id first) are both heard, each once;
// - a row committed with no wake-up at all (a writer that died after COMMIT) is heard by the poll;
// - a feed whose connection stalls stops being live within maxStalenessMs and is live again after;
// - a feed whose connection is cut hears, once back, the changes and events committed meanwhile;
// - old rows are pruned.
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgChangeLogFeed, CHANGE_LOG_CHANNEL } from '../../src/storage/change-log-feed.js';
import type { ChangeFeed, RelayedEvent } from '../../src/storage/change-feed.js';
import { openStorage } from '../../src/storage/database.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/backends.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (ok: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await sleep(10);
  return ok();
};

describe.skipIf(!postgresAvailable)('change log feed (PostgreSQL)', () => {
  let db: TestDatabase;
  const feeds: ChangeFeed[] = [];
  const clients: pg.Client[] = [];
  const proxies: TcpProxy[] = [];
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await (await openStorage(db.url)).close(); // the schema (migration 015)
  });
  afterAll(async () => {
    for (const f of feeds) await f.close();
    for (const c of clients) await c.end().catch(() => {});
    for (const p of proxies) await p.close();
    await db?.drop();
  });

  const writer = async () => {
    const c = new pg.Client({ connectionString: db.url });
    c.on('error', () => {});
    await c.connect();
    clients.push(c);
    return c;
  };
  const insert = (c: pg.Client, name: string) =>
    c.query<{ id: string }>(
      `insert into change_log (origin, topic, tenant, name) values ('writer', 'secret', 'default', $1) returning id::text`,
      [name],
    );
  const open = async (url: string, o: Partial<Parameters<typeof openPgChangeLogFeed>[0]> = {}) => {
    const f = await openPgChangeLogFeed({ url, logger, pollMs: 200, maxStalenessMs: 1000, ...o });
    feeds.push(f);
    const heard: string[] = [];
    const events: RelayedEvent[] = [];
    let resets = 0;
    f.subscribe(
      (_topic, _tenant, name) => heard.push(name),
      () => (resets += 1),
    );
    f.onEvent((e) => events.push(e));
    return { f, heard, events, resets: () => resets };
  };
  const wake = async () => {
    const c = await writer();
    await c.query(`select pg_notify('${CHANGE_LOG_CHANNEL}', 'test')`);
  };

  it('two transactions committing out of order: the earlier id, committed last, is still heard, each once', async () => {
    const r = await open(db.url, { pollMs: 60_000, maxStalenessMs: 120_000 }); // only wake-ups make it read here
    expect(await until(() => r.f.live, 3000)).toBe(true);
    const t1 = await writer();
    const t2 = await writer();
    await t1.query('begin');
    const id1 = (await insert(t1, 'first-id-commits-last')).rows[0]!.id;
    await t2.query('begin');
    const id2 = (await insert(t2, 'second-id-commits-first')).rows[0]!.id;
    expect(BigInt(id1)).toBeLessThan(BigInt(id2));
    await t2.query('commit');
    await wake();
    expect(await until(() => r.heard.includes('second-id-commits-first'), 3000)).toBe(true);
    // A reader that advanced to the highest id it saw would now skip id1 for good.
    expect(r.heard).not.toContain('first-id-commits-last');
    await t1.query('commit');
    await wake();
    expect(await until(() => r.heard.includes('first-id-commits-last'), 3000)).toBe(true);
    await wake(); // read again: nothing is heard twice
    await sleep(300);
    expect(r.heard.filter((n) => n === 'first-id-commits-last')).toHaveLength(1);
    expect(r.heard.filter((n) => n === 'second-id-commits-first')).toHaveLength(1);
  });

  it('a change committed without any wake-up (its writer died after COMMIT) is heard by the poll', async () => {
    const r = await open(db.url, { pollMs: 200, maxStalenessMs: 1000 });
    expect(await until(() => r.f.live, 3000)).toBe(true);
    const w = await writer();
    await insert(w, 'never-announced'); // committed; no NOTIFY follows
    expect(await until(() => r.heard.includes('never-announced'), 3000)).toBe(true);
  });

  it('a stalled connection: live turns false within maxStalenessMs, and back once it flows again', async () => {
    const u = new URL(db.url);
    const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    proxies.push(proxy);
    u.hostname = '127.0.0.1';
    u.port = String(proxy.port);
    const r = await open(u.toString(), { pollMs: 100, maxStalenessMs: 600 });
    expect(await until(() => r.f.live, 3000)).toBe(true);
    proxy.stall();
    const stalledAt = Date.now();
    expect(await until(() => !r.f.live, 2000)).toBe(true);
    // Computed from the last read's time, not from a timer: a late timer cannot extend it.
    expect(Date.now() - stalledAt).toBeLessThanOrEqual(600 + 200);
    const w = await writer();
    await insert(w, 'while-stalled');
    proxy.restore();
    expect(await until(() => r.f.live && r.heard.includes('while-stalled'), 10_000)).toBe(true);
  });

  it('a cut connection: once back, the changes and events committed meanwhile are heard, once', async () => {
    const u = new URL(db.url);
    const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    proxies.push(proxy);
    u.hostname = '127.0.0.1';
    u.port = String(proxy.port);
    const r = await open(u.toString(), { pollMs: 100, maxStalenessMs: 600, maxBackoffMs: 200 });
    const sender = await open(db.url);
    expect(await until(() => r.f.live && sender.f.live, 3000)).toBe(true);
    const resetsBefore = r.resets();
    proxy.kill({ refuse: true });
    expect(await until(() => !r.f.live, 2000)).toBe(true);
    expect(r.resets()).toBeGreaterThan(resetsBefore); // caches dropped when it went down
    const w = await writer();
    await insert(w, 'while-cut');
    // An event written in a transaction by another replica (as a write's secret.changed is).
    const storage = await openStorage(db.url);
    try {
      await storage.transaction('default', (trx) =>
        sender.f.relayInTransaction(trx, {
          type: 'secret.changed',
          time: new Date().toISOString(),
          tenant: 'default',
          data: { name: 'x' },
        }),
      );
    } finally {
      await storage.close();
    }
    await sleep(300);
    expect(r.heard).not.toContain('while-cut');
    proxy.restore();
    expect(await until(() => r.f.live && r.heard.includes('while-cut') && r.events.length > 0, 10_000)).toBe(true);
    await sleep(500); // further polls add nothing
    expect(r.heard.filter((n) => n === 'while-cut')).toHaveLength(1);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ type: 'secret.changed', data: { name: 'x' } });
  });

  it('rows older than the retention are pruned', async () => {
    const w = await writer();
    await insert(w, 'to-be-pruned');
    await open(db.url, { pollMs: 100, retentionSeconds: 1, housekeepingMs: 200 });
    const left = async () => (await w.query(`select count(*)::int as n from change_log where name = 'to-be-pruned'`)).rows[0].n as number;
    const end = Date.now() + 8000;
    while ((await left()) > 0 && Date.now() < end) await sleep(100);
    expect(await left()).toBe(0);
  });
});
