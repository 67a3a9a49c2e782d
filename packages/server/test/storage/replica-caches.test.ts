// Two servers on one PostgreSQL database (replicas): each keeps a cache of decrypted reads, of
// custom-role authorizers and of known tenants, and hears the other's changes through LISTEN/NOTIFY.
// A write, a policy change or a tenant removal on one replica reaches the other; while the
// invalidation feed is down the caches are bypassed, so nothing stale is served meanwhile, and they
// resume once it is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, postgresAvailable } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { CHANGE_FEED_APPLICATION } from '../../src/storage/change-feed.js';
import type { DomainEvent } from '../../src/events/event-bus.js';

const eventually = async <T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
};

// Both designs of the feed: the change log (default, ADR 0012) and a NOTIFY per change (ADR 0006).
describe.skipIf(!postgresAvailable).each(['log', 'notify'] as const)(
  'caches on two replicas of one PostgreSQL database (changeFeed.mode %s)',
  (mode) => {
    let a: TestServer;
    let b: TestServer;
    let admin: string;
    beforeAll(async () => {
      const config = { changeFeed: { mode, pollMs: 1000, maxStalenessMs: 3000, notifyDelayMs: 5, retentionSeconds: 600 } };
      a = await startTestServer('postgres', { config });
      b = await startTestServer('postgres', { db: a.db, masterKey: a.masterKey, config });
      const t = await a.call('POST', '/v1/tokens', { body: { name: 'replica-admin', role: 'admin', kind: 'service' } });
      expect(t.status).toBe(201);
      admin = t.body.token;
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    const read = (s: TestServer, name: string) => s.call('GET', `/v1/secrets/${name}`, { token: admin });
    const write = (s: TestServer, name: string, value: string) => s.call('PUT', `/v1/secrets/${name}`, { token: admin, body: { value } });

    it('serves repeated reads from the cache, and a write on the other replica reaches them', async () => {
      expect((await write(a, 'apps/replicated', 'one')).status).toBe(200);
      expect((await read(b, 'apps/replicated')).body.value).toBe('one');
      // Cached on PostgreSQL too. (With the change log, the write's invalidation can reach b a few ms
      // after a's response, during b's first read, whose fill is then not kept: read until cached.)
      await eventually(
        async () => {
          await read(b, 'apps/replicated');
          return b.app.services.secrets.readCache.entries();
        },
        (n) => n > 0,
      );
      expect(b.app.services.secrets.readCache.entries()).toBeGreaterThan(0);
      expect((await write(a, 'apps/replicated', 'two')).status).toBe(200);
      const seen = await eventually(
        () => read(b, 'apps/replicated'),
        (r) => r.body.value === 'two',
      );
      expect(seen.body).toMatchObject({ value: 'two', version: 2 });
      // And the other way round, for a version label the cache also holds.
      expect((await b.call('GET', '/v1/secrets/apps/replicated?version=2', { token: admin })).body.value).toBe('two');
      expect((await write(b, 'apps/replicated', 'three')).status).toBe(200);
      expect(
        (
          await eventually(
            () => read(a, 'apps/replicated'),
            (r) => r.body.value === 'three',
          )
        ).body.value,
      ).toBe('three');
    });

    it('a delete on one replica makes the other refuse the read', async () => {
      expect((await write(a, 'apps/doomed', 'x')).status).toBe(200);
      expect((await read(b, 'apps/doomed')).status).toBe(200);
      expect((await a.call('DELETE', '/v1/secrets/apps/doomed', { token: admin })).status).toBe(200);
      const r = await eventually(
        () => read(b, 'apps/doomed'),
        (x) => x.status !== 200,
      );
      expect(r.body.error.code).toBe('SECRET_DELETED');
    });

    it('a policy tightened on one replica is enforced by the other', async () => {
      const allow = { rules: [{ effect: 'allow', actions: ['read'], paths: ['apps/**'] }] };
      expect((await a.call('PUT', '/v1/policies/apps-read', { token: admin, body: allow })).status).toBe(200);
      expect((await a.call('PUT', '/v1/roles/apps-reader', { token: admin, body: { policies: ['apps-read'] } })).status).toBe(200);
      const t = await a.call('POST', '/v1/tokens', { token: admin, body: { name: 'reader', role: 'apps-reader', kind: 'service' } });
      const reader = t.body.token;
      expect((await b.call('GET', '/v1/secrets/apps/replicated', { token: reader })).status).toBe(200); // authorizer cached on b
      const deny = { rules: [...allow.rules, { effect: 'deny', actions: ['read'], paths: ['apps/replicated'] }] };
      expect((await a.call('PUT', '/v1/policies/apps-read', { token: admin, body: deny })).status).toBe(200);
      const r = await eventually(
        () => b.call('GET', '/v1/secrets/apps/replicated', { token: reader }),
        (x) => x.status === 403,
      );
      expect(r.status).toBe(403);
    });

    it('a tenant removed through one replica is gone on the other', async () => {
      const root = a.rootToken;
      expect((await a.call('POST', '/v1/tenants', { token: root, tenant: null, body: { id: 'short-lived' } })).status).toBe(201);
      const list = () => b.call('GET', '/v1/secrets', { token: root, tenant: 'short-lived' });
      expect((await list()).status).toBe(200); // b now knows the tenant exists
      expect((await a.call('DELETE', '/v1/tenants/short-lived', { token: root, tenant: null })).status).toBe(200);
      const r = await eventually(
        () => b.call('PUT', '/v1/secrets/apps/orphan', { token: root, tenant: 'short-lived', body: { value: 'x' } }),
        (x) => x.status !== 200 && x.status !== 201,
      );
      expect(r.body.error.code).toBe('TENANT_NOT_FOUND');
      expect((await list()).status).toBe(404);
    });

    it("relays committed secret events to the other replica's subscribers (event streams), once", async () => {
      const onA: DomainEvent[] = [];
      const onB: DomainEvent[] = [];
      const offA = a.app.bus.subscribe((e) => onA.push(e));
      const offB = b.app.bus.subscribe((e) => onB.push(e));
      try {
        expect((await write(a, 'apps/announced', 'v')).status).toBe(200);
        const mine = (xs: DomainEvent[]) => xs.filter((e) => e.type === 'secret.changed' && e.data.name === 'apps/announced');
        await eventually(
          async () => mine(onB).length,
          (n) => n > 0,
        );
        expect(mine(onB)).toMatchObject([
          { type: 'secret.changed', tenant: 'default', data: { name: 'apps/announced', change: 'write', version: 1 } },
        ]);
        expect(mine(onB)[0]!.replica).toEqual(expect.any(String)); // marked: b does not sync it again
        await new Promise((r) => setTimeout(r, 50));
        expect(mine(onA)).toHaveLength(1); // not echoed back to the server that made the change
        expect(mine(onA)[0]!.replica).toBeUndefined();
        // A write's event goes with its commit; a delete's is relayed after it: both arrive once.
        expect((await a.call('DELETE', '/v1/secrets/apps/announced', { token: admin })).status).toBe(200);
        await eventually(
          async () => mine(onB).length,
          (n) => n > 1,
        );
        await new Promise((r) => setTimeout(r, 50));
        expect(mine(onB).map((e) => e.data.change)).toEqual(['write', 'delete']);
        expect(mine(onA).map((e) => e.data.change)).toEqual(['write', 'delete']);
      } finally {
        offA();
        offB();
      }
    });

    it('bypasses the caches while the invalidation feed is down, and resumes when it reconnects', async () => {
      expect((await write(a, 'apps/feed', 'before')).status).toBe(200);
      expect((await read(b, 'apps/feed')).body.value).toBe('before');
      // Cut every replica's listening connection, as a database restart or a network fault would.
      await adminQuery(
        `select pg_terminate_backend(pid) from pg_stat_activity where application_name = '${CHANGE_FEED_APPLICATION}' and datname = current_database()`,
        a.db.url.replace(/\/\/[^@]+@/, '//postgres@'),
      );
      await eventually(
        async () => b.app.services.secrets.readCache.entries(),
        (n) => n === 0,
      );
      expect(b.app.services.secrets.readCache.entries()).toBe(0); // dropped when the feed went down
      expect((await write(a, 'apps/feed', 'during')).status).toBe(200);
      expect((await read(b, 'apps/feed')).body.value).toBe('during');
      // Back: b caches again and hears a's writes again.
      await eventually(
        async () => {
          await read(b, 'apps/feed');
          return b.app.services.secrets.readCache.entries();
        },
        (n) => n > 0,
      );
      expect(b.app.services.secrets.readCache.entries()).toBeGreaterThan(0);
      expect((await write(a, 'apps/feed', 'after')).status).toBe(200);
      expect(
        (
          await eventually(
            () => read(b, 'apps/feed'),
            (r) => r.body.value === 'after',
          )
        ).body.value,
      ).toBe('after');
    });
  },
);
