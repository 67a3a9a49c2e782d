// Two servers on one PostgreSQL database: a replica that remembered a tenant had no sync destination
// (and so stopped looking them up on each write) forgets that as soon as another replica creates one,
// through the change feed; its next writes are synced. Run in both change-feed modes (ADR 0012's
// change log, and a NOTIFY per change).
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createTestDatabase, postgresAvailable } from '../support/backends.js';
import { startTestServer } from '../support/test-server.js';

describe.skipIf(!postgresAvailable).each(['log', 'notify'] as const)('sync destinations on two replicas (postgres, %s)', (mode) => {
  it("a destination created on one replica takes the other's next write, though that one remembered the tenant had none", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-sync-replicas-'));
    const file = path.join(dir, 'app.env');
    const db = await createTestDatabase('postgres');
    const cfg = {
      changeFeed: { mode },
      providers: { syncIntervalSeconds: 3600, dotenv: { enabled: true, directories: [dir] } },
    } as never;
    const a = await startTestServer('postgres', { db, config: cfg });
    const b = await startTestServer('postgres', { db, masterKey: a.masterKey, config: cfg });
    try {
      // A replica remembers "no destination" only while its change feed is live (connected, settled,
      // read): give both a moment after start, or the test would pass without any invalidation.
      await new Promise((r) => setTimeout(r, 1500));
      // b writes while the tenant has no destination: it remembers that and stops looking them up.
      for (let v = 0; v < 3; v++)
        expect((await b.call('PUT', '/v1/secrets/apps/db-url', { token: a.rootToken, body: { value: `before-${v}` } })).status).toBe(200);
      expect((await a.call('POST', '/providers/configure', { body: { provider_name: 'dotenv', config: { path: file } } })).status).toBe(
        201,
      );
      expect(
        (
          await a.call('POST', '/v1/sync/destinations', {
            body: { id: 'env', prefix: 'apps/', provider_id: 'dotenv', template: '{{basename|replace:-:_|upper}}' },
          })
        ).status,
      ).toBe(201);
      // The destination's initial sync (run by a) copies the value b wrote last; after it, only b's
      // queueing can bring b's next values to the file.
      await vi.waitFor(
        async () =>
          expect((await a.call('GET', '/v1/sync/status?destination=env')).body.items).toEqual([
            expect.objectContaining({ secret_name: 'apps/db-url', status: 'ok', synced_version: 3 }),
          ]),
        { timeout: 10_000, interval: 100 },
      );
      expect(readFileSync(file, 'utf8')).toContain('DB_URL=before-2');
      // Once a's change has reached b, b's writes are queued for the new destination and synced.
      const synced = (v: number) => existsSync(file) && readFileSync(file, 'utf8').includes(`DB_URL=after-${v}`);
      const until = Date.now() + 10_000;
      let v = -1;
      let seen = false;
      while (!seen && Date.now() < until) {
        v++;
        expect((await b.call('PUT', '/v1/secrets/apps/db-url', { token: a.rootToken, body: { value: `after-${v}` } })).status).toBe(200);
        for (let i = 0; i < 10 && !seen; i++) {
          await new Promise((r) => setTimeout(r, 100));
          seen = synced(v);
        }
      }
      expect(seen).toBe(true);
      expect(v).toBeLessThan(5); // heard within a second or two, not by the hourly full sync
      // The file is written before the status row is updated.
      await vi.waitFor(
        async () =>
          expect((await b.call('GET', '/v1/sync/status?destination=env', { token: a.rootToken })).body.items).toEqual([
            expect.objectContaining({ secret_name: 'apps/db-url', status: 'ok' }),
          ]),
        { timeout: 10_000, interval: 100 },
      );
    } finally {
      await b.app.close();
      await a.close();
    }
  }, 60_000);
});
