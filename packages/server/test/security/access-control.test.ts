// Fine-grained access control through the HTTP API on both backends: policies with globs and
// conditions, deny wins, listing shows only what the caller may see, token renewal, brute-force
// limiting, security headers, retention with a signed checkpoint, and anomaly signals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import type { Clock } from '../../src/lib/clock.js';

describe.each(backends())('access control on %s', (backend) => {
  let s: TestServer;
  let billing: string;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  beforeAll(async () => {
    s = await startTestServer(backend, { clock, config: { authFailureLimit: 5, authFailureWindowSeconds: 60 } });
    for (const [name, environment, tags] of [
      ['apps/billing/db', 'prod', ['pci']],
      ['apps/billing/stripe', 'staging', []],
      ['apps/billing/deep/key', 'staging', []],
      ['apps/search/key', 'prod', []],
      ['shared/banner', 'prod', ['public']],
    ] as const) {
      expect((await s.call('POST', '/v1/secrets', { body: { name, value: `v-${name}`, environment, tags } })).status).toBe(201);
    }
    expect(
      (
        await s.call('PUT', '/v1/policies/billing-staging', {
          body: {
            rules: [
              { effect: 'allow', actions: ['read', 'list'], paths: ['apps/billing/*'] },
              { effect: 'allow', actions: ['write'], paths: ['apps/billing/**'], environments: ['staging'] },
              { effect: 'allow', actions: ['read', 'list'], paths: ['shared/**'], tags: ['public'] },
              { effect: 'deny', actions: ['*'], paths: ['**'], tags: ['pci'] },
            ],
          },
        })
      ).status,
    ).toBe(200);
    expect((await s.call('PUT', '/v1/roles/billing-dev', { body: { policies: ['billing-staging'] } })).status).toBe(200);
    const t = await s.call('POST', '/v1/tokens', {
      body: { name: 'billing-dev', role: 'billing-dev', kind: 'personal', ttl_seconds: 3600 },
    });
    expect(t.status).toBe(201);
    billing = t.body.token;
  });
  afterAll(async () => {
    await s?.close();
  });

  const as = (method: string, url: string, body?: unknown) => s.call(method, url, { token: billing, body });

  it('allows and denies by glob, environment and tag, with deny winning', async () => {
    expect((await as('GET', '/v1/secrets/apps/billing/stripe')).status).toBe(200);
    expect((await as('GET', '/v1/secrets/apps/billing/db')).body.error.code).toBe('FORBIDDEN'); // pci deny
    expect((await as('GET', '/v1/secrets/apps/billing/deep/key')).status).toBe(403); // * is one level
    expect((await as('GET', '/v1/secrets/apps/search/key')).status).toBe(403);
    expect((await as('GET', '/v1/secrets/shared/banner')).status).toBe(200);
    expect((await as('PUT', '/v1/secrets/apps/billing/deep/key', { value: 'x' })).status).toBe(200); // staging write
    expect((await as('PUT', '/v1/secrets/apps/billing/db', { value: 'x' })).status).toBe(403);
    expect((await as('DELETE', '/v1/secrets/apps/billing/stripe')).status).toBe(403);
    expect((await as('GET', '/v1/tokens')).status).toBe(403);
  });

  it('does not let metadata in a request move a secret into reach', async () => {
    const sneaky = await as('PUT', '/v1/secrets/apps/billing/db', { value: 'x', environment: 'staging', tags: [] });
    expect(sneaky.status).toBe(403);
    const move = await as('PATCH', '/v1/secrets/apps/billing/stripe', { environment: 'prod' });
    expect(move.status).toBe(403);
    const created = await as('POST', '/v1/secrets', { name: 'apps/billing/new', value: 'n', environment: 'prod' });
    expect(created.status).toBe(403);
    expect((await as('POST', '/v1/secrets', { name: 'apps/billing/new', value: 'n', environment: 'staging' })).status).toBe(201);
    expect((await s.call('GET', '/v1/secrets/apps/billing/db')).body.value).toBe('v-apps/billing/db');
  });

  it('lists only what the caller may see', async () => {
    const names = (await as('GET', '/v1/secrets')).body.items.map((i: { name: string }) => i.name);
    expect(names).toEqual(['apps/billing/new', 'apps/billing/stripe', 'shared/banner']);
  });

  it('renews a token with a TTL and reports last use without its secret', async () => {
    offsetMs = 1800_000;
    const renewed = await s.call('POST', '/v1/tokens/self/renew', { token: billing, tenant: null });
    expect(renewed.status).toBe(200);
    expect(new Date(renewed.body.expires_at).getTime()).toBeGreaterThan(Date.now() + 3000_000);
    offsetMs = 0;
    const listed = (await s.call('GET', '/v1/tokens')).body.items.find((t: { name: string }) => t.name === 'billing-dev');
    expect(listed.role).toBe('billing-dev');
    expect(listed.last_used_at).toBeTruthy();
    expect(JSON.stringify(listed)).not.toContain(billing);
  });

  it('refuses unknown roles and roles or policies in use', async () => {
    expect((await s.call('POST', '/v1/tokens', { body: { name: 'x', role: 'nope' } })).body.error.code).toBe('ROLE_NOT_FOUND');
    expect((await s.call('DELETE', '/v1/roles/billing-dev')).body.error.code).toBe('ROLE_IN_USE');
    expect((await s.call('DELETE', '/v1/policies/billing-staging')).body.error.code).toBe('POLICY_IN_USE');
    expect((await s.call('PUT', '/v1/roles/admin', { body: { policies: ['billing-staging'] } })).body.error.code).toBe('VALIDATION_FAILED');
    const bad = await s.call('PUT', '/v1/policies/bad', { body: { rules: [{ effect: 'maybe', actions: ['read'] }] } });
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('sends security headers', async () => {
    const r = await s.call('GET', '/v1/secrets/apps/billing/stripe');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['x-request-id']).toBeTruthy();
  });

  it('rate-limits repeated failed authentication from one source, and raises an anomaly', async () => {
    for (let i = 0; i < 5; i++) expect((await s.call('GET', '/v1/secrets', { token: `khv_bad_${i}` })).status).toBe(401);
    const blocked = await s.call('GET', '/v1/secrets', { token: 'khv_bad_again' });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('RATE_LIMITED');
    // A valid token from that source is not locked out (root included), and one with a role works too.
    expect((await s.call('GET', '/v1/secrets')).status).toBe(200);
    expect((await as('GET', '/v1/secrets/apps/billing/stripe')).status).toBe(200);
    // A valid token probing tenants it cannot reach is limited per token, not per address.
    for (let i = 0; i < 5; i++) expect((await s.call('GET', '/v1/secrets', { token: billing, tenant: `nope-${i}` })).status).toBe(404);
    const probing = await s.call('GET', '/v1/secrets', { token: billing, tenant: 'nope-again' });
    expect(probing.status).toBe(429);
    expect(probing.body.error.code).toBe('RATE_LIMITED');
    expect((await as('GET', '/v1/secrets/apps/billing/stripe')).status).toBe(200); // its own tenant still answers
    expect((await s.call('GET', '/v1/secrets', { tenant: 'nope-x' })).status).toBe(404); // root is not limited by it
    const { createAnomalyDetector } = await import('../../src/features/audit/anomalies.js');
    const detector = createAnomalyDetector({ storage: s.app.storage, clock, bus: s.app.bus, thresholds: { failures: 5 } });
    const published: string[] = [];
    s.app.bus.subscribe((e) => published.push(e.type));
    const found = await detector.sweep();
    expect(found.some((a) => a.kind === 'repeated_failures' && a.count >= 5)).toBe(true);
    expect(published).toContain('anomaly.detected');
  });

  it('prunes by retention with a signed checkpoint and still verifies', async () => {
    offsetMs = 40 * 86400_000;
    const pruned = await s.app.services.audit.prune(30);
    expect(pruned.pruned).toBeGreaterThan(5);
    offsetMs = 0;
    const v = await s.app.services.audit.verify();
    expect(v.ok).toBe(true);
    // One chain per tenant (ADR 0011): each pruned chain verifies from its own signed checkpoint.
    expect(pruned.chains.length).toBeGreaterThan(0);
    for (const c of pruned.chains)
      expect(v.chains.find((x) => x.chain === c.chain)).toMatchObject({ chain: c.chain, from_checkpoint: c.checkpoint });
  });
});
