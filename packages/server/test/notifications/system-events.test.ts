// Events about no change of a secret, queued from the event bus in a transaction of their own: an audit
// sink that fails (server-wide, to each tenant that subscribed) and a provider that cannot be reached
// during sync; each is announced once per throttle period, not once per failure.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/test-server.js';
import { startReceiver, waitFor } from './support.js';

describe('system notification events', () => {
  it('audit.sink_failing when a second audit sink cannot write (requests go on through the database sink)', async () => {
    const rx = await startReceiver();
    // A file sink whose path is a directory fails every write.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-audit-dir-'));
    const b = await startTestServer('sqlite', {
      config: { notifications: { pollIntervalMs: 100 }, audit: { sinks: ['database', 'file'], file: dir } } as never,
    });
    try {
      expect(
        (
          await b.call('POST', '/v1/notifications/subscriptions', {
            body: { id: 'ops', channel: 'webhook', config: { url: rx.url }, event_types: ['audit.sink_failing'] },
          })
        ).status,
      ).toBe(201);
      for (let i = 0; i < 3; i++) expect((await b.call('GET', '/v1/notifications/subscriptions')).status).toBe(200);
      await waitFor(() => rx.order.length >= 1, 'audit.sink_failing');
      await new Promise((r) => setTimeout(r, 300));
      expect(rx.order).toHaveLength(1);
      expect(rx.order[0]!.body).toMatchObject({
        type: 'audit.sink_failing',
        criticality: 'critical',
        secret: null,
        data: { sink: 'file' },
      });
    } finally {
      await b.close();
      rmSync(dir, { recursive: true, force: true });
      await rx.down();
    }
  });

  it('provider.unreachable when a sync cannot reach its provider', async () => {
    const rx = await startReceiver();
    const s = await startTestServer('sqlite', {
      config: { notifications: { pollIntervalMs: 100 }, providers: { syncIntervalSeconds: 1, syncRetryBaseSeconds: 1 } } as never,
    });
    try {
      const conf = await s.call('POST', '/providers/configure', {
        body: { kind: 'vault', name: 'gone', config: { address: 'http://127.0.0.1:1', token: 'hvs.not-used', timeout_ms: 500 } },
      });
      expect(conf.status, conf.text).toBeLessThan(300);
      expect(
        (
          await s.call('POST', '/v1/notifications/subscriptions', {
            body: { id: 'ops', channel: 'webhook', config: { url: rx.url }, event_types: ['provider.unreachable'] },
          })
        ).status,
      ).toBe(201);
      const dest = await s.call('POST', '/v1/sync/destinations', { body: { provider_id: 'gone', prefix: 'app/' } });
      expect(dest.status, dest.text).toBe(201);
      await s.call('POST', '/v1/secrets', { body: { name: 'app/one', value: 'x' } });
      await s.call('POST', '/v1/secrets', { body: { name: 'app/two', value: 'y' } });
      await waitFor(() => rx.order.length >= 1, 'provider.unreachable', 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      expect(rx.order).toHaveLength(1);
      expect(rx.order[0]!.body).toMatchObject({
        type: 'provider.unreachable',
        criticality: 'high',
        data: { provider: 'gone', error_code: 'PROVIDER_UNAVAILABLE' },
      });
    } finally {
      await s.close();
      await rx.down();
    }
  }, 40_000);
});
