// Which domain events reach a subscription, on both backends: rotation outcomes (rotated, emergency,
// rolled back) queued in the run's closing transaction; a write that fails queues nothing; expiry
// reminders once per threshold (days before, and expired) for secrets without automatic rotation;
// overdue automatic rotations once. A controlled clock drives the reminder sweeps.
import { afterEach, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startReceiver, waitFor, type Receiver } from './support.js';

const DAY = 86_400_000;

describe.each(backends())('notification events (%s)', (backend) => {
  let s: TestServer | undefined;
  let rx: Receiver | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
    await rx?.down();
    rx = undefined;
  });
  const settle = () => new Promise((r) => setTimeout(r, 300));

  it('rotation outcomes and failed writes', async () => {
    rx = await startReceiver();
    s = await startTestServer(backend, { config: { rotation: { enabled: false }, notifications: { pollIntervalMs: 100 } } as never });
    expect(
      (
        await s.call('POST', '/v1/notifications/subscriptions', {
          body: {
            id: 'rot',
            channel: 'webhook',
            config: { url: rx.url },
            event_types: ['secret.rotated', 'secret.emergency_rotated', 'secret.rolled_back', 'secret.changed'],
          },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await s.call('POST', '/secrets/register', {
          body: { secret_name: 'svc/token', rotator: 'generated', secret_type: 'api_key', criticality: 'critical' },
        })
      ).status,
    ).toBe(201);
    expect((await s.call('POST', '/secrets/rotate', { body: { secret_name: 'svc/token', rotation_method: 'manual' } })).status).toBe(200);
    expect(
      (
        await s.call('POST', '/secrets/emergency-rotate', {
          body: { secret_name: 'svc/token', new_value: 'leaked-replacement-value-77', reason: 'leak' },
        })
      ).status,
    ).toBe(200);
    expect((await s.call('POST', '/secrets/rollback', { body: { secret_name: 'svc/token' } })).status).toBe(200);
    // A write refused by check-and-set commits nothing, so it queues nothing.
    expect((await s.call('PUT', '/v1/secrets/svc/other', { body: { value: 'x', cas: 5 } })).status).toBeGreaterThanOrEqual(400);
    await waitFor(() => rx!.order.filter((r) => r.type !== 'secret.changed').length === 4, 'rotation events');
    await settle();
    const types = rx.order.filter((r) => r.type !== 'secret.changed').map((r) => r.type);
    expect(types).toEqual(['secret.rotated', 'secret.rotated', 'secret.emergency_rotated', 'secret.rolled_back']);
    const rotated = rx.order.find((r) => r.type === 'secret.rotated')!;
    expect(rotated.body).toMatchObject({
      secret: 'svc/token',
      criticality: 'critical',
      data: { name: 'svc/token', method: 'manual', status: 'success', new_version: 2 },
    });
    expect(JSON.stringify(rx.requests)).not.toContain('leaked-replacement-value-77');
    expect(rx.requests.filter((r) => r.secret === 'svc/other')).toHaveLength(0);
  });

  it('expiry reminders once per threshold and when expired; overdue rotations once', async () => {
    rx = await startReceiver();
    let t = Date.parse('2026-06-01T00:00:00Z');
    const clock = { now: () => new Date(t) };
    s = await startTestServer(backend, {
      clock,
      config: {
        rotation: { enabled: false },
        notifications: { pollIntervalMs: 100, reminderDays: [7, 1], overdueGraceMinutes: 60 },
      } as never,
    });
    expect(
      (
        await s.call('POST', '/v1/notifications/subscriptions', {
          body: {
            id: 'rem',
            channel: 'webhook',
            config: { url: rx.url },
            event_types: ['secret.expiry_reminder', 'secret.rotation_overdue'],
          },
        })
      ).status,
    ).toBe(201);
    const expires = new Date(t + 10 * DAY).toISOString();
    await s.call('POST', '/v1/secrets', { body: { name: 'vendor/api', value: 'k', expires_at: expires } });
    // Automatically rotated: no expiry reminder, but an overdue event once its rotation is late.
    await s.call('POST', '/v1/secrets', { body: { name: 'auto/api', value: 'k', expires_at: expires } });
    expect(
      (
        await s.call('POST', '/secrets/register', {
          body: { secret_name: 'auto/api', rotator: 'generated', secret_type: 'api_key', rotation_interval_days: 5 },
        })
      ).status,
    ).toBe(201);
    const sweep = async (at: number) => {
      t = at;
      await s!.app.notifications.reminders.sweep();
      await s!.app.notifications.worker.drain();
    };
    const reminders = () => rx!.order.filter((r) => r.type === 'secret.expiry_reminder').map((r) => r.body.data.threshold);

    await sweep(t);
    expect(reminders()).toEqual([]);
    expect((await s.call('GET', '/v1/notifications/manual-rotations?within_days=30')).body.items).toEqual([
      expect.objectContaining({ name: 'vendor/api', status: 'expiring', days_left: 10 }),
    ]);
    await sweep(Date.parse(expires) - 6 * DAY);
    await sweep(Date.parse(expires) - 5 * DAY);
    expect(reminders()).toEqual(['7d']);
    await sweep(Date.parse(expires) - DAY / 2);
    await sweep(Date.parse(expires) - DAY / 4);
    expect(reminders()).toEqual(['7d', '1d']);
    await sweep(Date.parse(expires) + 1000);
    await sweep(Date.parse(expires) + DAY);
    expect(reminders()).toEqual(['7d', '1d', 'expired']);
    expect(rx.order.find((r) => r.body.data.threshold === 'expired')!.body).toMatchObject({
      secret: 'vendor/api',
      data: { expired: true, expires_at: expires },
    });
    expect((await s.call('GET', '/v1/notifications/manual-rotations?within_days=0')).body.items).toEqual([
      expect.objectContaining({ name: 'vendor/api', status: 'expired' }),
    ]);
    // auto/api was due 5 days after registration; by now it is overdue: one event for that due date.
    const overdue = rx.order.filter((r) => r.type === 'secret.rotation_overdue');
    expect(overdue.map((r) => r.secret)).toEqual(['auto/api']);
    expect(rx.order.filter((r) => r.secret === 'auto/api' && r.type === 'secret.expiry_reminder')).toHaveLength(0);
  });
});
