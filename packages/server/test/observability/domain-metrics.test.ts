// The domain metrics on both backends through the HTTP layer: the gauges read from the database at
// scrape time (due, overdue, expired, runs in progress and stuck, leases, audit chain head) on SQLite
// and PostgreSQL (row-level security on), an audit sink that fails (sink_up 0, failures counted,
// the request still served by the database sink), and anomalies published by the detector.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../src/test-support/backends.js';
import { startTestServer, type TestServer } from '../../src/test-support/test-server.js';

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

/** A stdout that refuses every write, as a full or closed pipe would. */
const failingStdout = () => new Writable({ write(_chunk, _enc, cb) { cb(new Error('EPIPE: the reader went away')); } })
  .on('error', () => { /* the sink hears of it through the write callback */ });

describe.each(backends())('domain metrics (%s)', (backend) => {
  let t: TestServer;
  const scrape = async () => {
    const r = await t.call('GET', '/metrics', { token: null, tenant: null });
    expect(r.status).toBe(200);
    return r.text;
  };
  beforeAll(async () => {
    t = await startTestServer(backend, { config: { audit: { sinks: ['database', 'stdout'] }, rotation: { enabled: false, overdueAfterMinutes: 0 } }, stdout: failingStdout() });
  });
  afterAll(async () => { await t?.close(); });

  it('reads due, overdue, expired, runs and leases from the database, per criticality, across tenants', async () => {
    expect((await t.call('POST', '/v1/tenants', { tenant: null, body: { id: 'other', name: 'Other' } })).status).toBe(201);
    const soon = new Date(Date.now() + 86_400_000).toISOString();
    for (const tenant of ['default', 'other']) {
      expect((await t.call('PUT', '/v1/secrets/due-one', { tenant, body: { value: 'x', expires_at: soon } })).status).toBeLessThan(300);
      expect((await t.call('POST', '/v1/rotation/register', { tenant, body: { secret_name: 'due-one', criticality: 'critical', rotate_before_expiry_days: 7 } })).status).toBe(201);
    }
    expect((await t.call('PUT', '/v1/secrets/expired-one', { body: { value: 'x', criticality: 'low', expires_at: new Date(Date.now() - 60_000).toISOString() } })).status).toBeLessThan(300);
    // A run left in progress by a server that died long ago, holding its lease.
    const run = (await t.call('POST', '/v1/rotation/rotate', { body: { secret_name: 'due-one' } })).body as { run_id: string };
    const longAgo = new Date(Date.now() - 3600_000).toISOString();
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    await t.app.storage.withTenant('*', (ex) => ex.updateTable('rotation_runs').set({ status: 'in_progress', started_at: longAgo, lease_owner: 'rotation:gone:1:ab', lease_until: inAnHour }).where('id', '=', run.run_id).execute());
    t.app.metrics.domain.watchState(t.app.metrics.domain.readState!, 0); // no caching in this test

    const text = await scrape();
    expect(sample(text, 'keyhaven_secrets_rotation_due{criticality="critical"}')).toBe(1); // default's was just rotated
    expect(sample(text, 'keyhaven_secrets_rotation_overdue{criticality="critical"}')).toBe(1);
    expect(sample(text, 'keyhaven_secrets_rotation_due{criticality="low"}')).toBe(0);
    expect(sample(text, 'keyhaven_secrets_expired{criticality="low"}')).toBe(1);
    expect(sample(text, 'keyhaven_rotation_runs_in_progress')).toBe(1);
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
    for (let i = 0; i < 12; i++) expect((await t.call('GET', '/v1/secrets', { token: `kh_wrong-${i}` })).status).toBeGreaterThanOrEqual(401);
    await t.app.services.anomalies.sweep();
    const text = await scrape();
    expect(sample(text, 'keyhaven_anomalies_detected_total{kind="repeated_failures"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'keyhaven_http_denied_requests_total{status="401",reason="unauthenticated"}')).toBeGreaterThanOrEqual(10);
  });
});
