// A write notifies the change feed only when another replica listens (ADR 0006, amendment of
// 2026-12-07): PostgreSQL serializes the commits of notifying transactions, so a lone replica's writes
// must not notify. What must hold on real PostgreSQL:
// - one replica alone: its writes queue no notification (a plain LISTEN under another application
//   name hears nothing), its own caches still follow its writes at once;
// - a listener with the feed's application name does count, and hears the write;
// - a feed that connects while a transaction is open does not go live until that transaction ended
//   (a write whose check ran before the feed connected did not notify it);
// - a replica that joins while another writes in a loop never serves a value older than the last
//   write acknowledged before its read started.
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_CHANNEL, CHANGE_FEED_APPLICATION, openPgChangeFeed } from '../../src/storage/change-feed.js';
import { postgresAvailable } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** This file tests the NOTIFY-per-change design (changeFeed.mode notify); the change log (the default)
 *  has change-log-feed.test.ts and change-log-replicas.test.ts. */
const NOTIFY_MODE = {
  changeFeed: { mode: 'notify' as const, pollMs: 1000, maxStalenessMs: 3000, notifyDelayMs: 5, retentionSeconds: 600 },
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const listener = async (url: string, application: string) => {
  const c = new pg.Client({ connectionString: url, application_name: application });
  c.on('error', () => {});
  await c.connect();
  const heard: string[] = [];
  c.on('notification', (m) => {
    if (m.channel === CHANGE_CHANNEL) heard.push(m.payload ?? '');
  });
  await c.query(`LISTEN ${CHANGE_CHANNEL}`);
  return { c, heard };
};

describe.skipIf(!postgresAvailable)('notifications only when another replica listens (PostgreSQL)', () => {
  let a: TestServer;
  let admin: string;
  const others: TestServer[] = [];
  beforeAll(async () => {
    a = await startTestServer('postgres', { config: NOTIFY_MODE });
    const t = await a.call('POST', '/v1/tokens', { body: { name: 'notify-admin', role: 'admin', kind: 'service' } });
    expect(t.status).toBe(201);
    admin = t.body.token;
  });
  afterAll(async () => {
    for (const s of others) await s.close();
    await a?.close();
  });
  const read = (s: TestServer, name: string) => s.call('GET', `/v1/secrets/${name}`, { token: admin });
  const write = (s: TestServer, name: string, value: string) => s.call('PUT', `/v1/secrets/${name}`, { token: admin, body: { value } });

  it('one replica alone: a write notifies nobody, and its own cache follows its writes', async () => {
    const plain = await listener(a.db.url, 'not-a-replica');
    try {
      for (const v of ['one', 'two', 'three']) {
        expect((await write(a, 'apps/alone', v)).status).toBe(200);
        expect((await read(a, 'apps/alone')).body.value).toBe(v);
        expect((await read(a, 'apps/alone')).body.value).toBe(v); // from the cache
      }
      expect(a.app.services.secrets.readCache.entries()).toBeGreaterThan(0);
      // A delete is announced too, and its own cache forgets the value at once.
      expect((await a.call('DELETE', '/v1/secrets/apps/alone', { token: admin })).status).toBeLessThan(300);
      expect((await read(a, 'apps/alone')).status).toBe(410);
      await sleep(200);
      expect(plain.heard).toEqual([]);
    } finally {
      await plain.c.end();
    }
  });

  it('another replica counts at once, and hears the write', async () => {
    const b = await openPgChangeFeed({ url: a.db.url, logger: pino({ level: 'silent' }) });
    const plain = await listener(a.db.url, 'not-a-replica');
    try {
      expect(b.live).toBe(true);
      const heard: string[] = [];
      b.subscribe(
        (topic, _tenant, name) => heard.push(`${topic} ${name}`),
        () => {},
      );
      expect((await write(a, 'apps/heard', 'x')).status).toBe(200);
      const until = Date.now() + 3000;
      while (!heard.includes('secret apps/heard') && Date.now() < until) await sleep(10);
      expect(heard).toContain('secret apps/heard');
      expect(plain.heard.some((p) => p.includes('apps/heard'))).toBe(true);
    } finally {
      await plain.c.end();
      await b.close();
    }
    // b is gone (it removed its row on close): a alone notifies nobody again.
    const after = await listener(a.db.url, 'not-a-replica');
    try {
      expect((await write(a, 'apps/heard', 'y')).status).toBe(200);
      await sleep(200);
      expect(after.heard).toEqual([]);
    } finally {
      await after.c.end();
    }
  });

  it('a listener of a version that does not register itself (same application name) counts from the next heartbeat', async () => {
    const old = await listener(a.db.url, CHANGE_FEED_APPLICATION);
    try {
      const until = Date.now() + 8000; // the heartbeat runs every 5 s
      while (!old.heard.some((p) => p.includes('apps/old')) && Date.now() < until) {
        expect((await write(a, 'apps/old', 'v')).status).toBe(200);
        await sleep(100);
      }
      expect(old.heard.some((p) => p.includes('apps/old'))).toBe(true);
    } finally {
      await old.c.end();
    }
  });

  it('a feed that connects while a transaction is open goes live only once it has ended', async () => {
    const open = new pg.Client({ connectionString: a.db.url, application_name: 'open-transaction' });
    open.on('error', () => {});
    await open.connect();
    await open.query('begin');
    await open.query('select 1');
    const feed = await openPgChangeFeed({ url: a.db.url, logger: pino({ level: 'silent' }) }); // returns after 2 s
    try {
      expect(feed.live).toBe(false);
      await sleep(300);
      expect(feed.live).toBe(false);
      await open.query('commit');
      const until = Date.now() + 3000;
      while (!feed.live && Date.now() < until) await sleep(10);
      expect(feed.live).toBe(true);
    } finally {
      await feed.close();
      await open.end();
    }
  });

  it('a replica joining while another writes in a loop never keeps a value older than an acknowledged write', async () => {
    // Writes go round 20 secrets, so a stale entry b kept would not be cleared by the very next write.
    // Another replica hears a write a few milliseconds after it is acknowledged (ADR 0006): a read is
    // held to writes acknowledged at least LAG ms before it started.
    const N = 20;
    const LAG = 300;
    const acked: Array<Array<{ value: number; at: number }>> = Array.from({ length: N }, () => []);
    let stop = false;
    let count = 0;
    const writer = (async () => {
      for (let i = 1; !stop; i++) {
        const r = await write(a, `apps/joining-${i % N}`, String(i));
        if (r.status !== 200) throw new Error(`write ${i}: ${r.status}`);
        acked[i % N]!.push({ value: i, at: Date.now() });
        count = i;
      }
    })();
    try {
      while (count < N) await sleep(5);
      const b = await startTestServer('postgres', { db: a.db, masterKey: a.masterKey, config: NOTIFY_MODE });
      others.push(b);
      const stale: string[] = [];
      let reads = 0;
      const until = Date.now() + 4000;
      while (Date.now() < until) {
        const k = reads % N;
        const started = Date.now();
        const floor = acked[k]!.filter((w) => w.at <= started - LAG).pop()?.value ?? 0;
        const r = await read(b, `apps/joining-${k}`);
        reads += 1;
        if (r.status !== 200 || Number(r.body.value) < floor) stale.push(`${k}: ${r.body.value} < ${floor}`);
      }
      stop = true;
      await writer;
      await sleep(LAG);
      for (let k = 0; k < N; k++) {
        const last = acked[k]!.at(-1)!.value;
        for (let j = 0; j < 2; j++) {
          const r = await read(b, `apps/joining-${k}`);
          if (Number(r.body.value) !== last) stale.push(`${k} at the end: ${r.body.value} != ${last}`);
        }
      }
      expect(stale).toEqual([]);
      expect(reads).toBeGreaterThan(20);
      expect(b.app.services.secrets.readCache.entries()).toBeGreaterThan(0); // the cache was in use on b
    } finally {
      stop = true;
      await writer;
    }
  });
});
