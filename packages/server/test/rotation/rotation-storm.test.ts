// Regression for the rotation storm (issue 14): a secret due because its expiry is near stayed due
// after each rotation, so one rotate-due call (and the scheduler, which uses the same batch runner)
// rotated it again and again without end. Through HTTP, on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const clockAt = { t: Date.parse('2026-03-02T10:00:00Z') };
const clock = { now: () => new Date(clockAt.t) };

describe.each(backends())('rotation storm (%s)', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(backend, { clock, config: { rotation: { enabled: false } } as never });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('rotates a secret due by its expiry once per run, and the run ends', async () => {
    const expires = new Date(clockAt.t + 2 * 86400_000).toISOString();
    expect(
      (await s.call('POST', '/v1/secrets', { body: { name: 'exp/api', value: 'imported', type: 'api_key', expires_at: expires } })).status,
    ).toBe(201);
    const reg = await s.call('POST', '/secrets/register', {
      body: {
        secret_name: 'exp/api',
        rotator: 'generated',
        secret_type: 'api_key',
        rotation_interval_days: 30,
        rotate_before_expiry_days: 7,
      },
    });
    expect(reg.status).toBeLessThan(300);
    expect((await s.call('GET', '/secrets/due')).body.items.map((i: { secret_name: string }) => i.secret_name)).toContain('exp/api');

    for (const path of ['/secrets/rotate-due', '/internal/scheduled-rotation']) {
      const started = Date.now();
      const run = await s.call('POST', path, { body: {} });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(run.status).toBe(200);
    }
    // Both calls together: one rotation (the second found nothing due), not thousands.
    const v = await s.call('GET', '/v1/secrets/exp/api');
    expect(v.body.version).toBe(2);
    expect((await s.call('GET', '/secrets/due')).body.count).toBe(0);
    const h = await s.call('GET', '/secrets/history?secret_name=exp/api');
    expect(h.body.items).toHaveLength(1);
    // The next rotation follows the interval, not the unchanged expiry.
    const sch = (await s.call('GET', '/secrets/schedules')).body.items.find((i: { secret_name: string }) => i.secret_name === 'exp/api');
    expect(Date.parse(sch.next_rotation_date)).toBeGreaterThan(clockAt.t);
  });
});
