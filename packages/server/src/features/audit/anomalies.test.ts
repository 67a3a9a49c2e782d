// Anomaly detection over a busy audit trail on both backends: a secret read tens of thousands of times
// around an emergency rotation is swept in one pass (the stale-read query used to be quadratic in the
// reads of one secret, which froze the server), and only the reads of the old version are flagged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../test-support/backends.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { createAnomalyDetector } from './anomalies.js';
import type { AuditEvent } from '../../audit/audit-types.js';

describe.each(backends())('anomaly sweep over a hot secret on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer(backend); });
  afterAll(async () => { await s?.close(); });

  const event = (at: number, over: Partial<AuditEvent>): AuditEvent => ({
    time: new Date(at).toISOString(), tenant: 'default', actor_id: 'tok_reader', actor_name: 'reader', actor_kind: 'service', action: 'secret.read',
    resource: 'hot/key', outcome: 'success', status: 200, error_code: null, source_ip: '10.0.0.7', user_agent: null, request_id: null,
    version: 1, value_hmac: null, details: null, ...over,
  });

  it('finds the stale reads after an emergency rotation among 35,000 reads of the same secret', async () => {
    const start = Date.now() - 30 * 60_000;
    const rotatedAt = start + 10 * 60_000;
    const events: AuditEvent[] = [];
    for (let i = 0; i < 30_000; i++) events.push(event(start + i * 20, {}));
    events.push(event(rotatedAt, { action: 'secret.emergency_rotate', actor_id: 'tok_admin', version: 2 }));
    for (let i = 0; i < 5_000; i++) events.push(event(rotatedAt + 1000 + i * 100, { version: 2 }));
    for (let i = 0; i < 3; i++) events.push(event(rotatedAt + 2000 + i * 1000, { version: 1, source_ip: '10.0.0.9' }));
    events.sort((a, b) => a.time.localeCompare(b.time));
    for (let i = 0; i < events.length; i += 500) await Promise.all(events.slice(i, i + 500).map((e) => s.app.broker.record(e)));

    const detector = createAnomalyDetector({ storage: s.app.storage, clock: { now: () => new Date() }, bus: s.app.bus });
    const found = await detector.sweep(); // as the server's minute job runs it: every tenant
    const stale = found.filter((a) => a.kind === 'stale_read_after_emergency_rotation');
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ count: 3, source_ip: '10.0.0.9', resource: 'hot/key', actor_id: 'tok_reader' });
  });
});
