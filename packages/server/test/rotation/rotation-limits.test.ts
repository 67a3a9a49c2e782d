// Bounds of a run of due rotations (issue 14), over HTTP on SQLite and PostgreSQL: the per-target rate
// limit defers rotations past rotation.maxRotationsPerTargetPerMinute (ROTATION_RATE_LIMITED), and one
// call of rotate-due takes at most `max` secrets and says how many remain.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe.each(backends())('rotation limits (%s)', (backend) => {
  const at = { t: Date.parse('2026-04-01T10:00:00Z') };
  const clock = { now: () => new Date(at.t) };
  let s: TestServer;
  let hook: Server;
  let base = '';
  beforeAll(async () => {
    hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end('{}'));
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    s = await startTestServer(backend, { clock, config: { rotation: { enabled: false, maxRotationsPerTargetPerMinute: 2 } } as never });
    expect(
      (
        await s.call('POST', '/v1/secrets', {
          body: { name: 'hook-admin', value: { signing_secret: 'a-signing-secret-of-32-characters' } },
        })
      ).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    await new Promise((r) => hook?.close(r));
  });

  it('defers rotations past the per-target limit, and a manual one answers 429', async () => {
    for (const n of ['h/1', 'h/2', 'h/3']) {
      const r = await s.call('POST', '/secrets/register', {
        body: {
          secret_name: n,
          rotator: 'webhook',
          rotator_config: { set_url: `${base}/set`, test_url: `${base}/test` },
          admin_credential_secret: 'hook-admin',
          rotation_interval_days: 1,
        },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    at.t += 2 * 86400_000;
    const run = await s.call('POST', '/secrets/rotate-due', { body: {} });
    expect(run.status).toBe(200);
    expect(run.body.succeeded).toBe(2);
    expect(run.body.deferred).toHaveLength(1);
    expect(run.body.deferred[0].code).toBe('ROTATION_RATE_LIMITED');
    expect(run.body.deferred[0].message).toContain(`webhook://127.0.0.1:`);
    const left = run.body.deferred[0].secret_name;
    expect((await s.call('GET', '/secrets/due')).body.items.map((i: { secret_name: string }) => i.secret_name)).toEqual([left]);
    const manual = await s.call('POST', '/secrets/rotate', { body: { secret_name: left } });
    expect(manual.status).toBe(429);
    expect(manual.body.code ?? manual.body.error?.code).toBe('ROTATION_RATE_LIMITED');
    expect((await s.call('GET', `/secrets/history?secret_name=${left}`)).body.items).toHaveLength(0);
    at.t += 61_000; // a minute later the target takes rotations again
    const again = await s.call('POST', '/secrets/rotate-due', { body: {} });
    expect(again.body.succeeded).toBe(1);
    expect((await s.call('GET', '/secrets/due')).body.count).toBe(0);
  });

  it('takes at most max due secrets per call and says how many remain', async () => {
    for (const n of ['h/1', 'h/2', 'h/3'])
      expect((await s.call('PUT', '/secrets/schedule', { body: { secret_name: n, auto_rotation_enabled: false } })).status).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await s.call('POST', '/secrets/register', { body: { secret_name: `m/${i}`, rotation_interval_days: 1 } })).status).toBe(201);
    at.t += 2 * 86400_000;
    const seen: number[] = [];
    for (;;) {
      const r = await s.call('POST', '/internal/scheduled-rotation', { body: { max: 2 } });
      expect(r.status).toBe(200);
      expect(r.body.claimed).toBeLessThanOrEqual(2);
      seen.push(r.body.remaining);
      if (r.body.remaining === 0) break;
      expect(seen.length).toBeLessThan(10);
    }
    expect(seen).toEqual([3, 1, 0]);
    expect(seen[seen.length - 1]).toBe(0);
    expect((await s.call('GET', '/secrets/due')).body.count).toBe(0);
    expect((await s.call('POST', '/secrets/rotate-due', { body: { max: 0 } })).status).toBe(400);
  });
});
