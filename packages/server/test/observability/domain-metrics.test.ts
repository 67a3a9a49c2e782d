// The domain metrics on both backends through the HTTP layer: the gauges read from the database at
// scrape time (due, overdue, expired, runs in progress and stuck, leases, audit chain head) on SQLite
// and PostgreSQL (row-level security on), an audit sink that fails (sink_up 0, failures counted,
// the request still served by the database sink), and anomalies published by the detector.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

/** A stdout that refuses every write, as a full or closed pipe would. */
const failingStdout = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb(new Error('EPIPE: the reader went away'));
    },
  }).on('error', () => {
    /* the sink hears of it through the write callback */
  });

describe.each(backends())('domain metrics (%s)', (backend) => {
  let t: TestServer;
  let receiver: Server;
  let receiverUrl: string;
  const logLines: string[] = [];
  const scrape = async () => {
    const r = await t.call('GET', '/metrics', { token: null, tenant: null });
    expect(r.status).toBe(200);
    return r.text;
  };
  beforeAll(async () => {
    t = await startTestServer(backend, {
      config: { audit: { sinks: ['database', 'stdout'] }, rotation: { enabled: false, overdueAfterMinutes: 0 } },
      stdout: failingStdout(),
      logLines,
    });
    // A webhook rotation target that accepts every set and test.
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t?.close();
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
  });

  it('times and logs each step of a rotation with a target (create, set, test, finish, conclude)', async () => {
    expect(
      (await t.call('PUT', '/v1/secrets/hook-admin', { body: { value: { signing_secret: 'a-signing-secret-of-32-characters' } } })).status,
    ).toBeLessThan(300);
    expect(
      (
        await t.call('POST', '/v1/rotation/register', {
          body: {
            secret_name: 'hooked/app-token',
            secret_type: 'oauth_token',
            rotator: 'webhook',
            admin_credential_secret: 'hook-admin',
            rotator_config: { set_url: `${receiverUrl}/set`, test_url: `${receiverUrl}/test` },
          },
        })
      ).status,
    ).toBe(201);
    const r = await t.call('POST', '/v1/rotation/rotate', { body: { secret_name: 'hooked/app-token' } });
    expect(r.body.status).toBe('success');
    const text = await scrape();
    for (const step of ['create', 'set', 'test', 'finish', 'conclude']) {
      expect(sample(text, `keyhaven_rotation_step_duration_seconds_count{step="${step}",rotator="webhook"}`), step).toBe(1);
    }
    expect(sample(text, 'keyhaven_rotations_total{outcome="success",method="manual",rotator="webhook",secret_type="oauth_token"}')).toBe(1);
    const hash = (await t.call('POST', '/admin/log-name-hash', { tenant: null, body: { names: ['hooked/app-token'] } })).body.hashes[0]
      .hash as string;
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.secret === hash);
    expect(lines.map((l) => l.step)).toEqual(['create', 'set', 'test', 'finish', 'conclude']);
    expect(lines.every((l) => l.tenant === 'default' && l.run_id === r.body.run_id && typeof l.duration_ms === 'number')).toBe(true);
    expect(logLines.join('\n')).not.toContain('hooked/app-token');
  });

  it('reads due, overdue, expired, runs and leases from the database, per criticality, across tenants', async () => {
    expect((await t.call('POST', '/v1/tenants', { tenant: null, body: { id: 'other', name: 'Other' } })).status).toBe(201);
    const soon = new Date(Date.now() + 86_400_000).toISOString();
    for (const tenant of ['default', 'other']) {
      expect((await t.call('PUT', '/v1/secrets/due-one', { tenant, body: { value: 'x', expires_at: soon } })).status).toBeLessThan(300);
      expect(
        (
          await t.call('POST', '/v1/rotation/register', {
            tenant,
            body: { secret_name: 'due-one', criticality: 'critical', rotate_before_expiry_days: 7 },
          })
        ).status,
      ).toBe(201);
    }
    expect(
      (
        await t.call('PUT', '/v1/secrets/expired-one', {
          body: { value: 'x', criticality: 'low', expires_at: new Date(Date.now() - 60_000).toISOString() },
        })
      ).status,
    ).toBeLessThan(300);
    // A run left in progress by a server that died long ago, holding its lease.
    const run = (await t.call('POST', '/v1/rotation/rotate', { body: { secret_name: 'due-one' } })).body as { run_id: string };
    const longAgo = new Date(Date.now() - 3600_000).toISOString();
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    await t.app.storage.withTenant('*', (ex) =>
      ex
        .updateTable('rotation_runs')
        .set({ status: 'in_progress', started_at: longAgo, lease_owner: 'rotation:gone:1:ab', lease_until: inAnHour })
        .where('id', '=', run.run_id)
        .execute(),
    );
    t.app.metrics.domain.watchState(t.app.metrics.domain.readState!, 0); // no caching in this test

    const text = await scrape();
    expect(sample(text, 'keyhaven_secrets_rotation_due{criticality="critical"}')).toBe(1); // default's was just rotated
    expect(sample(text, 'keyhaven_secrets_rotation_overdue{criticality="critical"}')).toBe(1);
    expect(sample(text, 'keyhaven_secrets_rotation_due{criticality="low"}')).toBe(0);
    expect(sample(text, 'keyhaven_secrets_expired{criticality="low"}')).toBe(1);
    expect(sample(text, 'keyhaven_rotation_runs_in_progress')).toBe(1);
    expect(sample(text, 'keyhaven_rotations_in_flight')).toBe(0); // this server drives none of them
    expect(sample(text, 'keyhaven_rotation_runs_stuck')).toBe(1);
    expect(sample(text, 'keyhaven_leases_held{resource="rotation_run"}')).toBe(1);
    expect(sample(text, 'keyhaven_lease_holders{resource="rotation_run"}')).toBe(1);
    expect(sample(text, 'keyhaven_audit_chain_head_sequence')).toBeGreaterThan(5);
    expect(sample(text, 'keyhaven_domain_state_read_failures_total')).toBe(0);
  });

  it('reports a failing audit sink while the other one keeps requests going', async () => {
    expect((await t.call('GET', '/v1/secrets')).status).toBe(200);
    const text = await scrape();
    expect(sample(text, 'keyhaven_audit_sink_up{sink="stdout"}')).toBe(0);
    expect(sample(text, 'keyhaven_audit_sink_up{sink="database"}')).toBe(1);
    expect(sample(text, 'keyhaven_audit_sink_failures_total{sink="stdout"}')).toBeGreaterThan(0);
    expect(sample(text, 'keyhaven_audit_sink_failures_total{sink="database"}')).toBeUndefined();
    expect(sample(text, 'keyhaven_audit_accepting')).toBe(1);
  });

  it('counts anomalies the detector publishes, by kind', async () => {
    // Ten failed authentications from one address within minutes: repeated_failures.
    for (let i = 0; i < 12; i++)
      expect((await t.call('GET', '/v1/secrets', { token: `kh_wrong-${i}` })).status).toBeGreaterThanOrEqual(401);
    await t.app.services.anomalies.sweep();
    const text = await scrape();
    expect(sample(text, 'keyhaven_anomalies_detected_total{kind="repeated_failures"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'keyhaven_http_denied_requests_total{status="401",reason="unauthenticated"}')).toBeGreaterThanOrEqual(10);
  });
});
