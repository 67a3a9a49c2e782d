// GET /v1/events: authenticated, tenant-scoped server-sent events of secret changes; another
// tenant's changes never arrive, and events carry names and versions, never values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, subscribeSecretEvents, type SecretEvent } from '@keyhaven/sdk';
import { startRealServer, waitFor, type RealServer } from './support.js';

let server: RealServer;
beforeAll(async () => {
  server = await startRealServer();
});
afterAll(async () => {
  await server?.close();
});

describe('GET /v1/events', () => {
  it("streams this tenant's secret.changed events only, without values", async () => {
    const root = createClient({ addr: server.url, token: server.rootToken });
    await root.tenants.create('other');
    const other = createClient({ addr: server.url, token: server.rootToken, tenant: 'other' });
    const got: SecretEvent[] = [];
    const sub = subscribeSecretEvents(root, (e) => got.push(e));
    try {
      expect(await sub.ready).toBe(true);
      await other.secrets.set('apps/x', 'other-tenant-value');
      await root.secrets.set('apps/x', 'default-tenant-value');
      await root.secrets.delete('apps/x');
      await waitFor(() => got.length >= 2, 'two events');
      expect(got.map((e) => [e.type, e.tenant, e.data.name, e.data.change])).toEqual([
        ['secret.changed', 'default', 'apps/x', 'write'],
        ['secret.changed', 'default', 'apps/x', 'delete'],
      ]);
      expect(JSON.stringify(got)).not.toContain('tenant-value');
    } finally {
      sub.close();
    }
  });

  it('requires a token with access to the tenant', async () => {
    const r = await fetch(`${server.url}/v1/events`, { headers: { 'x-tenant-id': 'default' } });
    expect(r.status).toBe(401);
    await r.text();
    const noRoute = subscribeSecretEvents(createClient({ addr: server.url, token: 'kh_invalid' }), () => {}, { retryMs: 10_000 });
    const ready = await Promise.race([noRoute.ready, new Promise((r) => setTimeout(() => r('pending'), 300))]);
    noRoute.close();
    expect(ready).toBe('pending'); // refused, retrying: never reports a live stream
  });
});
