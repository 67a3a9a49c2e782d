// Two servers on one PostgreSQL database with the change log feed (ADR 0012):
// - a rolling upgrade: a replica reading the log and one that still wants a NOTIFY per change (the
//   earlier design, `changeFeed.mode: notify`) hear each other's writes and events, each event once;
// - a replica whose every connection to PostgreSQL is cut recovers without a restart, and hears the
//   writes (and their events) made through the other replica meanwhile, once.
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import type { DomainEvent } from '../../src/events/event-bus.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const eventually = async <T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe().catch((e: unknown) => e as T);
    if (ok(v) || Date.now() > until) return v;
    await sleep(20);
  }
};
const feed = (mode: 'log' | 'notify') => ({
  changeFeed: { mode, pollMs: 200, maxStalenessMs: 1000, notifyDelayMs: 5, retentionSeconds: 600 },
});

describe.skipIf(!postgresAvailable)('change log feed on two replicas (PostgreSQL)', () => {
  const servers: TestServer[] = [];
  const dbs: TestDatabase[] = [];
  const proxies: TcpProxy[] = [];
  afterAll(async () => {
    for (const s of servers.reverse()) await s.close();
    for (const p of proxies) await p.close();
    for (const d of dbs) await d.drop();
  });
  const named = (xs: DomainEvent[], name: string) => xs.filter((e) => e.type === 'secret.changed' && e.data.name === name);

  it('rolling upgrade: a log replica and a notify replica hear each other, events once', async () => {
    const db = await createTestDatabase('postgres');
    dbs.push(db);
    const a = await startTestServer('postgres', { db, config: feed('log') });
    const b = await startTestServer('postgres', { db, masterKey: a.masterKey, config: feed('notify') });
    servers.push(a, b);
    const onA: DomainEvent[] = [];
    const onB: DomainEvent[] = [];
    a.app.bus.subscribe((e) => onA.push(e));
    b.app.bus.subscribe((e) => onB.push(e));
    const token = a.rootToken; // b joined a bootstrapped database
    const read = (s: TestServer, name: string) => s.call('GET', `/v1/secrets/${name}`, { token });
    const write = (s: TestServer, name: string, value: string) => s.call('PUT', `/v1/secrets/${name}`, { token, body: { value } });
    await sleep(300); // both registered (the notify replica notifies only listeners it has seen)

    for (const [from, to, name] of [
      [a, b, 'apps/from-log'],
      [b, a, 'apps/from-notify'],
    ] as const) {
      expect((await write(from, name, 'one')).status).toBe(200);
      expect((await read(to, name)).body.value).toBe('one');
      expect((await read(to, name)).body.value).toBe('one'); // cached
      expect((await write(from, name, 'two')).status).toBe(200);
      expect(
        (
          await eventually(
            () => read(to, name),
            (r) => r.body?.value === 'two',
          )
        ).body.value,
      ).toBe('two');
    }
    expect((await a.call('DELETE', '/v1/secrets/apps/from-log')).status).toBe(200);
    await eventually(
      async () => named(onB, 'apps/from-log').length,
      (n) => n >= 3,
    );
    await eventually(
      async () => named(onA, 'apps/from-notify').length,
      (n) => n >= 2,
    );
    await sleep(600); // a few more polls: nothing arrives twice
    expect(named(onB, 'apps/from-log').map((e) => [e.data.change, Boolean(e.replica)])).toEqual([
      ['write', true],
      ['write', true],
      ['delete', true],
    ]);
    expect(named(onA, 'apps/from-notify').map((e) => [e.data.change, Boolean(e.replica)])).toEqual([
      ['write', true],
      ['write', true],
    ]);
    expect(named(onA, 'apps/from-log').every((e) => !e.replica)).toBe(true); // its own, not echoed back
  });

  it('a replica whose connections are all cut recovers without a restart and hears what it missed, once', async () => {
    const db = await createTestDatabase('postgres');
    dbs.push(db);
    const u = new URL(db.url);
    const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    proxies.push(proxy);
    u.hostname = '127.0.0.1';
    u.port = String(proxy.port);
    const a = await startTestServer('postgres', { db, config: feed('log') });
    const b = await startTestServer('postgres', { db: { ...db, url: u.toString() }, masterKey: a.masterKey, config: feed('log') });
    servers.push(a, b);
    const onB: DomainEvent[] = [];
    b.app.bus.subscribe((e) => onB.push(e));
    const read = (name: string) => b.call('GET', `/v1/secrets/${name}`, { token: a.rootToken });
    expect((await a.call('PUT', '/v1/secrets/apps/cut', { body: { value: 'before' } })).status).toBe(200);
    expect((await read('apps/cut')).body.value).toBe('before');
    // (A fill overlapped by the write's own invalidation arriving is not kept: read until cached.)
    await eventually(
      async () => {
        await read('apps/cut');
        return b.app.services.secrets.readCache.entries();
      },
      (n) => n > 0,
    );
    expect(b.app.services.secrets.readCache.entries()).toBeGreaterThan(0);

    proxy.kill({ refuse: true });
    await eventually(
      async () => b.app.services.secrets.readCache.entries(),
      (n) => n === 0,
    );
    expect(b.app.services.secrets.readCache.entries()).toBe(0); // dropped: b cannot read the log
    expect((await a.call('PUT', '/v1/secrets/apps/cut', { body: { value: 'during' } })).status).toBe(200);
    expect((await read('apps/cut')).status).toBe(503); // b cannot reach the database at all
    await sleep(300);
    proxy.restore();

    expect(
      (
        await eventually(
          () => read('apps/cut'),
          (r) => r.body?.value === 'during',
        )
      ).body.value,
    ).toBe('during');
    // Caches back on, and a's next write reaches them.
    await eventually(
      async () => {
        await read('apps/cut');
        return b.app.services.secrets.readCache.entries();
      },
      (n) => n > 0,
    );
    expect((await a.call('PUT', '/v1/secrets/apps/cut', { body: { value: 'after' } })).status).toBe(200);
    expect(
      (
        await eventually(
          () => read('apps/cut'),
          (r) => r.body?.value === 'after',
        )
      ).body.value,
    ).toBe('after');
    // The write made while b was cut off reached b's bus after all (from the log), each write once.
    await sleep(600);
    expect(named(onB, 'apps/cut').map((e) => e.data.version)).toEqual([1, 2, 3]);
  });
});
