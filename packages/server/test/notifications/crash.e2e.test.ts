// Crash proof on the BUILT server binary, both backends: the server sends an event to a receiver that
// accepts the request and never answers (the send happened, its "delivered" mark did not), and is
// SIGKILLed there; a second event is committed while the receiver is down. After a restart, and once
// the receiver is back, each event arrives and is acknowledged exactly once by id (the receiver
// deduplicates on X-Keyhaven-Event-Id), both are marked delivered, and nothing is sent again later.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/backends.js';
import { api, assertBuilt, killAll, masterKey, startServerProcess } from '../deploy/support.js';
import { startReceiver, waitFor } from './support.js';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  killAll();
  for (const d of dbs) await d.drop();
});

describe.each(postgresAvailable ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const))(
  'outbox survives SIGKILL of the server (%s)',
  (backend) => {
    it('every committed event is delivered exactly once by id after a crash and restart', async () => {
      assertBuilt();
      const db = await createTestDatabase(backend);
      dbs.push(db);
      const rx = await startReceiver({ mode: 'stall' });
      const config = path.join(db.dataDir, 'config.json');
      writeFileSync(
        config,
        JSON.stringify({
          egress: { allowLoopback: true },
          notifications: { pollIntervalMs: 100, retryBaseMs: 100, retryMaxMs: 300, maxAttempts: 100, timeoutMs: 60_000, leaseSeconds: 120 },
        }),
      );
      const env = {
        KEYHAVEN_DATABASE_URL: db.url,
        KEYHAVEN_DATA_DIR: db.dataDir,
        KEYHAVEN_MASTER_KEY: masterKey(),
        KEYHAVEN_CONFIG: config,
      };
      const first = await startServerProcess([], env);
      const token = first.rootToken!;
      let call = api(first.url, token);
      const sub = await call('POST', '/v1/notifications/subscriptions', { id: 'crash', channel: 'webhook', config: { url: rx.url } });
      expect(sub.status, sub.text).toBe(201);
      rx.setSecret(sub.json.generated.signing_secret);

      expect((await call('POST', '/v1/secrets', { name: 'crash/one', value: 'v1' })).status).toBe(201);
      // The server sent it; the receiver holds the request without answering.
      await waitFor(() => rx.requests.some((r) => r.secret === 'crash/one'), 'the stalled send');
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      await rx.down();

      // Restart (the old process's lease is a dead owner's: freed at start) while the receiver is down.
      const second = await startServerProcess([], env);
      call = api(second.url, token);
      expect((await call('PUT', '/v1/secrets/crash/two', { value: 'v1' })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 800)); // failed attempts while it is down
      rx.setMode('ok');
      await rx.up();
      await waitFor(() => rx.order.length === 2, 'both events', 30_000);
      await waitFor(
        async () => (await call('GET', '/v1/notifications/deliveries?status=delivered')).json.items.length === 2,
        'both marked delivered',
      );
      await new Promise((r) => setTimeout(r, 600)); // nothing more comes
      expect(rx.order.map((r) => r.secret).sort()).toEqual(['crash/one', 'crash/two']); // order is kept per secret, not across secrets
      expect([...rx.accepted.values()]).toEqual([1, 1]);
      // The first event's id is the same on the stalled send and on the redelivery.
      const oneIds = new Set(rx.requests.filter((r) => r.secret === 'crash/one').map((r) => r.id));
      expect(oneIds.size).toBe(1);
      expect(rx.requests.filter((r) => r.secret === 'crash/one').length).toBeGreaterThanOrEqual(2);
      expect(rx.order.every((r) => r.signatureOk)).toBe(true);
      expect((await call('GET', '/v1/notifications/deliveries?status=pending')).json.items).toEqual([]);
      await second.stop();
      await rx.down();
    }, 90_000);
  },
);
