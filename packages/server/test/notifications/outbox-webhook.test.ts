// Outbox and webhook delivery through the HTTP API on both backends: the event of a write arrives
// signed (HMAC over timestamp + body) with an id and no secret value; a receiver that is down for a
// while gets everything once it returns, in order per secret; after maxAttempts failures a delivery is
// a dead letter, listed and retried through the API.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startReceiver, waitFor, type Receiver } from './support.js';

const fast = { notifications: { pollIntervalMs: 100, retryBaseMs: 50, retryMaxMs: 200, maxAttempts: 3 } };

describe.each(backends())('notifications outbox (%s)', (backend) => {
  let s: TestServer | undefined;
  let rx: Receiver | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
    await rx?.down();
    rx = undefined;
  });

  const subscribe = async (body: Record<string, unknown> = {}) => {
    const r = await s!.call('POST', '/v1/notifications/subscriptions', {
      body: { id: 'hook', channel: 'webhook', config: { url: rx!.url }, ...body },
    });
    expect(r.status, r.text).toBe(201);
    rx!.setSecret(r.body.generated.signing_secret);
    return r.body;
  };

  it('delivers a signed event with a stable id and no secret value; the listing hides the signing secret', async () => {
    rx = await startReceiver();
    s = await startTestServer(backend, { config: fast as never });
    const sub = await subscribe();
    expect(sub.generated.signing_secret).toMatch(/^whsec_/);
    const listed = await s.call('GET', '/v1/notifications/subscriptions');
    expect(JSON.stringify(listed.body)).not.toContain(sub.generated.signing_secret);
    expect(listed.body.items[0]).toMatchObject({ id: 'hook', channel: 'webhook', secret: { signing_secret: 'stored' } });

    const VALUE = 'hunter2-very-secret-value-0001';
    expect((await s.call('POST', '/v1/secrets', { body: { name: 'app/db', value: VALUE, criticality: 'high' } })).status).toBe(201);
    const got = await waitFor(() => rx!.order.find((r) => r.secret === 'app/db'), 'the webhook');
    expect(got.signatureOk).toBe(true);
    expect(got.id).toMatch(/^evt_/);
    expect(got.body).toMatchObject({
      id: got.id,
      type: 'secret.changed',
      tenant: 'default',
      criticality: 'high',
      secret: 'app/db',
      data: { name: 'app/db', change: 'create', version: 1 },
    });
    // No value anywhere: not in what was sent, not in the stored outbox row.
    expect(JSON.stringify(rx.requests)).not.toContain(VALUE);
    const rows = await s.app.storage.withTenant('*', (ex) => ex.selectFrom('notification_outbox').selectAll().execute());
    expect(JSON.stringify(rows)).not.toContain(VALUE);
    await waitFor(
      async () => (await s!.call('GET', '/v1/notifications/deliveries?status=delivered')).body.items.length === 1,
      'delivered status',
    );
  });

  it('filters by event type, criticality and name prefix', async () => {
    rx = await startReceiver();
    s = await startTestServer(backend, { config: fast as never });
    await subscribe({ event_types: ['secret.changed'], min_criticality: 'high', name_prefix: 'prod/' });
    await s.call('POST', '/v1/secrets', { body: { name: 'prod/low', value: 'x', criticality: 'low' } });
    await s.call('POST', '/v1/secrets', { body: { name: 'dev/critical', value: 'x', criticality: 'critical' } });
    await s.call('POST', '/v1/secrets', { body: { name: 'prod/critical', value: 'x', criticality: 'critical' } });
    await waitFor(() => rx!.order.length >= 1, 'one event');
    await new Promise((r) => setTimeout(r, 400));
    expect(rx.order.map((r) => r.secret)).toEqual(['prod/critical']);
    const bad = await s.call('POST', '/v1/notifications/subscriptions', {
      body: { id: 'bad', channel: 'webhook', config: { url: 'ftp://x' }, event_types: ['secret.nope'] },
    });
    expect(bad.status).toBe(400);
    const unknown = await s.call('POST', '/v1/notifications/subscriptions', { body: { id: 'bad', channel: 'pigeon', config: {} } });
    expect(unknown.body.error?.code ?? unknown.body.code).toBe('NOTIFICATION_CHANNEL_UNKNOWN');
    const cfg = await s.call('POST', '/v1/notifications/subscriptions', {
      body: { id: 'bad', channel: 'webhook', config: { url: 'ftp://x' } },
    });
    expect(cfg.body.error?.code ?? cfg.body.code).toBe('NOTIFICATION_CONFIG_INVALID');
    const dup = await s.call('POST', '/v1/notifications/subscriptions', {
      body: { id: 'hook', channel: 'webhook', config: { url: rx.url } },
    });
    expect(dup.body.error?.code ?? dup.body.code).toBe('NOTIFICATION_SUBSCRIPTION_EXISTS');
  });

  it('a receiver down for a while gets every event once it is back, in order per secret', async () => {
    rx = await startReceiver();
    s = await startTestServer(backend, {
      config: { notifications: { pollIntervalMs: 100, retryBaseMs: 50, retryMaxMs: 300, maxAttempts: 50 } } as never,
    });
    await subscribe();
    await rx.down();
    for (let v = 1; v <= 5; v++) for (const n of ['a/one', 'a/two']) await s.call('PUT', `/v1/secrets/${n}`, { body: { value: `v${v}` } });
    await new Promise((r) => setTimeout(r, 700)); // several failed attempts
    expect(rx.requests).toHaveLength(0);
    await rx.up();
    await waitFor(() => rx!.order.length === 10, 'all ten events', 20_000).catch(async (e) => {
      const rows = await s!.app.storage.withTenant('*', (ex) =>
        ex
          .selectFrom('notification_outbox')
          .select(['seq', 'status', 'attempts', 'next_attempt_at', 'lease_owner', 'lease_until', 'order_key', 'last_error'])
          .orderBy('seq')
          .execute(),
      );
      console.log(new Date().toISOString(), JSON.stringify(rows, null, 1), rx!.order.length);
      throw e;
    });
    for (const n of ['a/one', 'a/two'])
      expect(rx.order.filter((r) => r.secret === n).map((r) => r.body.data.version)).toEqual([1, 2, 3, 4, 5]);
    expect([...rx.accepted.values()].every((c) => c === 1)).toBe(true);
  });

  it("tenants are isolated: another tenant's events, subscriptions and dead letters are not seen", async () => {
    rx = await startReceiver();
    s = await startTestServer(backend, { config: fast as never });
    await subscribe();
    expect((await s.call('POST', '/v1/tenants', { body: { id: 'other', name: 'Other' }, tenant: null })).status).toBe(201);
    await s.call('POST', '/v1/secrets', { tenant: 'other', body: { name: 'other/secret', value: 'x' } });
    await s.call('POST', '/v1/secrets', { body: { name: 'mine/secret', value: 'x' } });
    await waitFor(() => rx!.order.length === 1, 'own tenant event');
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.order.map((r) => [r.body.tenant, r.secret])).toEqual([['default', 'mine/secret']]);
    expect((await s.call('GET', '/v1/notifications/subscriptions', { tenant: 'other' })).body.items).toEqual([]);
    expect((await s.call('GET', '/v1/notifications/subscriptions/hook', { tenant: 'other' })).status).toBe(404);
    expect((await s.call('GET', '/v1/notifications/deliveries?status=delivered', { tenant: 'other' })).body.items).toEqual([]);
    expect((await s.call('DELETE', '/v1/notifications/subscriptions/hook', { tenant: 'other' })).status).toBe(404);
    if (backend === 'postgres') {
      // Row-level security: outside a tenant's transaction (keyhaven.tenant unset) no row is visible.
      for (const t of ['notification_subscriptions', 'notification_outbox', 'notification_marks']) {
        const r = await sql<{ n: string }>`select count(*) as n from ${sql.table(t)}`.execute(s.app.storage.db);
        expect(Number(r.rows[0]!.n), t).toBe(0);
      }
      const seen = await s.app.storage.withTenant('other', (ex) => ex.selectFrom('notification_outbox').selectAll().execute());
      expect(seen).toEqual([]);
    }
  });

  it('dead letters after maxAttempts, listed and retried', async () => {
    rx = await startReceiver({ mode: 'fail' });
    s = await startTestServer(backend, { config: fast as never });
    await subscribe();
    await s.call('POST', '/v1/secrets', { body: { name: 'dl/x', value: 'v' } });
    const dead = await waitFor(async () => {
      const r = await s!.call('GET', '/v1/notifications/dead-letters');
      return r.body.items.length ? r.body.items : null;
    }, 'a dead letter');
    expect(dead[0]).toMatchObject({
      subscription: 'hook',
      type: 'secret.changed',
      secret: 'dl/x',
      status: 'dead',
      attempts: 3,
      last_error: 'the receiver answered HTTP 500',
    });
    expect(rx.requests).toHaveLength(3);
    rx.setMode('ok');
    const missing = await s.call('POST', '/v1/notifications/dead-letters/999999/retry');
    expect(missing.status, missing.text).toBe(404);
    expect((await s.call('POST', `/v1/notifications/dead-letters/${dead[0].id}/retry`)).body).toEqual({ retried: 1 });
    await waitFor(() => rx!.order.length === 1, 'the retried delivery');
    expect(rx.order[0]!.id).toBe(dead[0].event_id);
    expect((await s.call('GET', '/v1/notifications/dead-letters')).body.items).toHaveLength(0);
  });
});
