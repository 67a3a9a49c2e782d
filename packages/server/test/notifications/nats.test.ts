// NATS and JetStream channels against the real NATS server (127.0.0.1:4222, JetStream on), driven
// through the HTTP API, read back with the official `nats` client. A redelivery of the same event (a
// crash after the publish, before the mark) is stored once by JetStream: Nats-Msg-Id is the event id.
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/test-server.js';
import { waitFor } from './support.js';

const NATS_URL = process.env.KEYHAVEN_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
let nc: NatsConnection | undefined;
try {
  nc = await connect({ servers: NATS_URL, timeout: 2000 });
} catch {
  nc = undefined;
}
if (!nc && process.env.CI === 'true') throw new Error(`NATS is required under CI=true but ${NATS_URL} is not reachable`);
if (!nc) console.warn(`[skip] NATS notification tests: ${NATS_URL} is not reachable`);

describe.skipIf(!nc)('NATS and JetStream notifications', () => {
  const suffix = randomBytes(4).toString('hex');
  const stream = `KH_NOTIFY_${suffix}`;
  beforeAll(async () => {
    await (await nc!.jetstreamManager()).streams.add({ name: stream, subjects: [`kh.${suffix}.js.>`], duplicate_window: 120 * 1e9 });
  });
  afterAll(async () => {
    await (await nc!.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc!.close();
  });
  const fast = { notifications: { pollIntervalMs: 100, retryBaseMs: 50, retryMaxMs: 200, maxAttempts: 5 } };

  it('publishes on a core NATS subject with the event id header', async () => {
    const s = await startTestServer('sqlite', { config: fast as never });
    try {
      const got: Array<{ subject: string; id: string | undefined; body: any }> = [];
      const sub = nc!.subscribe(`kh.${suffix}.core.>`, {
        callback: (_e, m) =>
          got.push({ subject: m.subject, id: m.headers?.get('Nats-Msg-Id'), body: JSON.parse(new TextDecoder().decode(m.data)) }),
      });
      await nc!.flush();
      const r = await s.call('POST', '/v1/notifications/subscriptions', {
        body: { id: 'nats', channel: 'nats', config: { servers: [NATS_URL], subject: `kh.${suffix}.core.{type}` } },
      });
      expect(r.status, r.text).toBe(201);
      expect(r.body.secret).toEqual({ credentials: 'none' });
      await s.call('POST', '/v1/secrets', { body: { name: 'svc/key', value: 'nats-secret-value-xyz' } });
      await waitFor(() => got.length === 1, 'the NATS message');
      expect(got[0]!.subject).toBe(`kh.${suffix}.core.secret.changed`);
      expect(got[0]!.id).toBe(got[0]!.body.id);
      expect(got[0]!.body).toMatchObject({ type: 'secret.changed', secret: 'svc/key' });
      expect(JSON.stringify(got)).not.toContain('nats-secret-value-xyz');
      sub.unsubscribe();
    } finally {
      await s.close();
    }
  });

  it('publishes to a JetStream stream; a second send of the same event is stored once', async () => {
    const s = await startTestServer('sqlite', { config: fast as never });
    try {
      const r = await s.call('POST', '/v1/notifications/subscriptions', {
        body: { id: 'js', channel: 'nats', config: { servers: [NATS_URL], subject: `kh.${suffix}.js.{tenant}.{type}`, jetstream: true } },
      });
      expect(r.status, r.text).toBe(201);
      await s.call('POST', '/v1/secrets', { body: { name: 'svc/one', value: 'a' } });
      await waitFor(
        async () => (await s.call('GET', '/v1/notifications/deliveries?status=delivered')).body.items.length === 1,
        'delivered',
      );
      // As after a crash between the publish and the mark: the row is pending again and is sent again.
      await s.app.storage.transaction('*', (trx) =>
        trx.updateTable('notification_outbox').set({ status: 'pending', delivered_at: null }).execute(),
      );
      await waitFor(
        async () => (await s.call('GET', '/v1/notifications/deliveries?status=delivered')).body.items.length === 1,
        'delivered again',
      );
      const info = await (await nc!.jetstreamManager()).streams.info(stream);
      expect(info.state.messages).toBe(1);
      const msg = await (await nc!.jetstreamManager()).streams.getMessage(stream, { seq: info.state.first_seq });
      const body = JSON.parse(new TextDecoder().decode(msg.data));
      expect(msg.subject).toBe(`kh.${suffix}.js.default.secret.changed`);
      expect(msg.header.get('Nats-Msg-Id')).toBe(body.id);
    } finally {
      await s.close();
    }
  });

  it('a subject no stream takes is retried and then dead-lettered with a clear reason; invalid settings are refused', async () => {
    const s = await startTestServer('sqlite', {
      config: { notifications: { pollIntervalMs: 100, retryBaseMs: 20, retryMaxMs: 50, maxAttempts: 2, timeoutMs: 1000 } } as never,
    });
    try {
      await s.call('POST', '/v1/notifications/subscriptions', {
        body: { id: 'nostream', channel: 'nats', config: { servers: [NATS_URL], subject: `kh.${suffix}.nowhere`, jetstream: true } },
      });
      await s.call('POST', '/v1/secrets', { body: { name: 'svc/two', value: 'b' } });
      const dead = await waitFor(async () => {
        const r = await s.call('GET', '/v1/notifications/dead-letters');
        return r.body.items.length ? r.body.items : null;
      }, 'a dead letter');
      expect(dead[0].last_error).toMatch(/no JetStream stream|did not answer/);
      const bad = await s.call('POST', '/v1/notifications/subscriptions', {
        body: { id: 'bad', channel: 'nats', config: { servers: ['http://x'], subject: 'a.>' } },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('NOTIFICATION_CONFIG_INVALID');
    } finally {
      await s.close();
    }
    // The server's default egress policy refuses a loopback NATS server.
    const strict = await startTestServer('sqlite', { config: { egress: {} } as never });
    try {
      const r = await strict.call('POST', '/v1/notifications/subscriptions', {
        body: { id: 'lo', channel: 'nats', config: { servers: [NATS_URL], subject: 'x' } },
      });
      expect(r.body.error.code).toBe('EGRESS_FORBIDDEN');
      const w = await strict.call('POST', '/v1/notifications/subscriptions', {
        body: { id: 'lo2', channel: 'webhook', config: { url: 'http://169.254.169.254/latest' } },
      });
      expect(w.body.error.code).toBe('EGRESS_FORBIDDEN');
    } finally {
      await strict.close();
    }
  });
});
