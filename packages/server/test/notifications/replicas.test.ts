// Two servers on one PostgreSQL database (replicas) share the outbox: leases (FOR UPDATE SKIP LOCKED)
// let each delivery be sent by one of them; every event arrives once, in order per secret.
import { describe, expect, it } from 'vitest';
import { createTestDatabase, postgresAvailable } from '../support/backends.js';
import { startTestServer } from '../support/test-server.js';
import { startReceiver, waitFor } from './support.js';

describe.skipIf(!postgresAvailable)('notifications on two replicas (postgres)', () => {
  it('each event is delivered once, in order per secret, whichever replica sends it', async () => {
    const rx = await startReceiver();
    const db = await createTestDatabase('postgres');
    const cfg = { notifications: { pollIntervalMs: 50, batchSize: 5 } } as never;
    const a = await startTestServer('postgres', { db, config: cfg });
    const b = await startTestServer('postgres', { db, masterKey: a.masterKey, config: cfg });
    try {
      expect(
        (await a.call('POST', '/v1/notifications/subscriptions', { body: { id: 'hook', channel: 'webhook', config: { url: rx.url } } }))
          .status,
      ).toBe(201);
      const names = ['r/one', 'r/two', 'r/three'];
      // Writes through both replicas, interleaved.
      await Promise.all(
        [a, b].map(async (s, i) => {
          for (let v = 0; v < 10; v++)
            for (const n of names) await s.call('PUT', `/v1/secrets/${n}-${i}`, { token: a.rootToken, body: { value: `v${v}` } });
        }),
      );
      await waitFor(() => rx.order.length === 60, 'sixty events', 30_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(rx.order).toHaveLength(60);
      expect([...rx.accepted.values()].every((c) => c === 1)).toBe(true);
      for (const r of new Set(rx.order.map((x) => x.secret)))
        expect(rx.order.filter((x) => x.secret === r).map((x) => x.body.data.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const owners = await a.app.storage.withTenant('*', (ex) => ex.selectFrom('notification_outbox').select(['status']).execute());
      expect(owners.every((o) => o.status === 'delivered')).toBe(true);
    } finally {
      await b.app.close();
      await a.close();
      await rx.down();
    }
  }, 60_000);

  it("a subscription created on one replica takes the other's next write, though that one remembered the tenant had none", async () => {
    const rx = await startReceiver();
    const db = await createTestDatabase('postgres');
    const cfg = { notifications: { pollIntervalMs: 50, batchSize: 5 } } as never;
    const a = await startTestServer('postgres', { db, config: cfg });
    const b = await startTestServer('postgres', { db, masterKey: a.masterKey, config: cfg });
    try {
      // A replica remembers "no subscription" only while its change feed is live (connected, settled,
      // read): give both a moment after start, or the test would pass without any invalidation.
      await new Promise((r) => setTimeout(r, 1500));
      // b writes while the tenant has no subscription: it remembers that and stops looking them up.
      for (let v = 0; v < 3; v++)
        expect((await b.call('PUT', '/v1/secrets/late/one', { token: a.rootToken, body: { value: `before-${v}` } })).status).toBe(200);
      expect(
        (await a.call('POST', '/v1/notifications/subscriptions', { body: { id: 'late', channel: 'webhook', config: { url: rx.url } } }))
          .status,
      ).toBe(201);
      // Once a's NOTIFY has reached b, b's writes are queued for the new subscription.
      const until = Date.now() + 5000;
      let v = 0;
      while (rx.order.length === 0 && Date.now() < until) {
        expect((await b.call('PUT', '/v1/secrets/late/one', { token: a.rootToken, body: { value: `after-${v++}` } })).status).toBe(200);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(rx.order.length).toBeGreaterThan(0);
      expect(v).toBeLessThan(10); // heard within about a second, not by chance at the end
      expect(rx.order[0]!.body.data.name).toBe('late/one');
    } finally {
      await b.app.close();
      await a.close();
      await rx.down();
    }
  });
});
