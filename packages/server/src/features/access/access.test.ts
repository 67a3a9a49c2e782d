// Tenants, tokens and roles through the HTTP layer on SQLite and PostgreSQL: who can do what,
// where; another tenant's resources look like they do not exist; expired and revoked tokens fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../../test/support/backends.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import type { Clock } from '../../lib/clock.js';

describe.each(backends())('tenants, tokens and roles on %s', (backend) => {
  let s: TestServer;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    s = await startTestServer(backend, { clock, config: { authFailureLimit: 10_000 } }); // the cross-tenant walk would trip the limiter
    expect((await s.call('POST', '/v1/tenants', { tenant: null, body: { id: 'acme', name: 'Acme' } })).status).toBe(201);
    expect((await s.call('POST', '/v1/tenants', { tenant: null, body: { id: 'globex' } })).status).toBe(201);
    for (const role of ['read', 'write', 'delete', 'admin']) {
      const r = await s.call('POST', '/v1/tokens', { tenant: 'acme', body: { name: `acme-${role}`, role } });
      expect(r.status).toBe(201);
      expect(r.body.token).toMatch(/^khv_[A-Za-z0-9]{12}_[A-Za-z0-9]{32}$/);
      tokens[role] = r.body.token;
    }
    tokens.globexAdmin = (
      await s.call('POST', '/v1/tokens', { tenant: 'globex', body: { name: 'globex-admin', role: 'admin' } })
    ).body.token;
    await s.call('POST', '/v1/secrets', { tenant: 'acme', body: { name: 'shared/name', value: 'acme-value' } });
    await s.call('POST', '/v1/secrets', { tenant: 'globex', body: { name: 'shared/name', value: 'globex-value' } });
  });
  afterAll(async () => {
    await s?.close();
  });

  const matrix: Array<[string, string, unknown, Record<string, number>]> = [
    ['GET', '/v1/secrets/shared/name', undefined, { read: 200, write: 200, delete: 200, admin: 200 }],
    ['GET', '/v1/secrets', undefined, { read: 200, write: 200, delete: 200, admin: 200 }],
    ['PUT', '/v1/secrets/shared/name', { value: 'next' }, { read: 403, write: 200, delete: 200, admin: 200 }],
    ['POST', '/v1/secrets', { name: 'new/one', value: 'x' }, { read: 403, write: 201, delete: 409, admin: 409 }],
    ['DELETE', '/v1/secrets/new/one', undefined, { read: 403, write: 403, delete: 200, admin: 410 }],
    ['GET', '/v1/tokens', undefined, { read: 403, write: 403, delete: 403, admin: 200 }],
    ['POST', '/v1/tokens', { name: 'n', role: 'read' }, { read: 403, write: 403, delete: 403, admin: 201 }],
    ['PATCH', '/v1/secrets/shared/name', { description: 'd' }, { read: 403, write: 200, delete: 200, admin: 200 }],
    ['GET', '/v1/secrets/shared/name:versions', undefined, { read: 200, write: 200, delete: 200, admin: 200 }],
    ['POST', '/v1/secrets/shared/name:destroy', { versions: [999] }, { read: 403, write: 403, delete: 404, admin: 404 }],
    ['GET', '/v1/audit/events', undefined, { read: 403, write: 403, delete: 403, admin: 200 }],
    ['PUT', '/v1/policies/p1', { rules: [{ effect: 'allow', actions: ['read'] }] }, { read: 403, write: 403, delete: 403, admin: 200 }],
  ];
  for (const [method, url, body, expected] of matrix) {
    it(`${method} ${url} by role`, async () => {
      for (const role of ['read', 'write', 'delete', 'admin']) {
        const r = await s.call(method, url, { token: tokens[role], tenant: 'acme', body });
        expect({ role, status: r.status, code: r.body?.error?.code }).toMatchObject({ role, status: expected[role] });
        if (r.status === 403) expect(r.body.error.code).toBe('FORBIDDEN');
        // The same request against the other tenant is refused for every role, as "not found".
        const other = await s.call(method, url, { token: tokens[role], tenant: 'globex', body });
        expect({ role, tenant: 'globex', status: other.status, code: other.body?.error?.code }).toEqual({
          role,
          tenant: 'globex',
          status: 404,
          code: 'TENANT_NOT_FOUND',
        });
      }
    });
  }

  it('a token only reaches its own tenant; the other tenant looks like it does not exist', async () => {
    const r = await s.call('GET', '/v1/secrets/shared/name', { token: tokens.admin, tenant: 'globex' });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('TENANT_NOT_FOUND');
    const unknown = await s.call('GET', '/v1/secrets/shared/name', { token: tokens.admin, tenant: 'nope' });
    expect(unknown.body.error).toMatchObject({ code: 'TENANT_NOT_FOUND', message: r.body.error.message.replace('globex', 'nope') });
    expect((await s.call('GET', '/v1/secrets/shared/name', { token: tokens.globexAdmin, tenant: 'globex' })).body.value).toBe(
      'globex-value',
    );
    const list = await s.call('GET', '/v1/tenants', { token: tokens.read, tenant: null });
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual(['acme']);
    expect((await s.call('GET', '/v1/tenants/globex', { token: tokens.read, tenant: null })).status).toBe(404);
  });

  it('requires authentication everywhere but health', async () => {
    expect((await s.call('GET', '/health', { token: '', tenant: null })).status).toBe(200);
    const none = await s.call('GET', '/v1/secrets', { token: '' });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    expect((await s.call('GET', '/v1/secrets', { token: 'khv_bogus' })).body.error.code).toBe('UNAUTHENTICATED');
    expect((await s.call('GET', '/v1/secrets', { token: tokens.read, tenant: null })).body.error.code).toBe('TENANT_REQUIRED');
    expect((await s.call('GET', '/openapi.json', { token: '', tenant: null })).status).toBe(200);
  });

  it('only root manages tenants; a token cannot grant more than its role', async () => {
    expect((await s.call('POST', '/v1/tenants', { token: tokens.admin, tenant: null, body: { id: 'evil' } })).body.error.code).toBe(
      'FORBIDDEN',
    );
    expect((await s.call('DELETE', '/v1/tenants/acme', { token: tokens.admin, tenant: null })).body.error.code).toBe('FORBIDDEN');
    expect((await s.call('POST', '/v1/tenants', { tenant: null, body: { id: 'acme' } })).body.error.code).toBe('TENANT_EXISTS');
    expect((await s.call('POST', '/v1/tenants', { tenant: null, body: { id: 'Bad Id' } })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await s.call('DELETE', '/v1/tenants/acme', { tenant: null })).body.error.code).toBe('TENANT_NOT_EMPTY');
  });

  it('lists tokens without their secrets, revokes them, and expires them', async () => {
    const list = await s.call('GET', '/v1/tokens', { token: tokens.admin, tenant: 'acme' });
    expect(list.body.items.length).toBeGreaterThanOrEqual(4);
    const text = JSON.stringify(list.body);
    for (const t of Object.values(tokens)) expect(text).not.toContain(t);
    expect(text).not.toContain('hash');
    const victim = list.body.items.find((t: { name: string }) => t.name === 'acme-write');
    expect((await s.call('DELETE', `/v1/tokens/${victim.id}`, { token: tokens.admin, tenant: 'acme' })).body.revoked_at).toBeTruthy();
    const after = await s.call('GET', '/v1/secrets', { token: tokens.write, tenant: 'acme' });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('TOKEN_REVOKED');
    // A tenant admin cannot revoke a token of another tenant: it does not exist there.
    const other = (await s.call('GET', '/v1/tokens', { token: tokens.globexAdmin, tenant: 'globex' })).body.items[0];
    expect((await s.call('DELETE', `/v1/tokens/${other.id}`, { token: tokens.admin, tenant: 'acme' })).body.error.code).toBe(
      'TOKEN_NOT_FOUND',
    );
    const short = (await s.call('POST', '/v1/tokens', { tenant: 'acme', body: { name: 'short', role: 'read', ttl_seconds: 60 } })).body;
    expect((await s.call('GET', '/v1/secrets', { token: short.token, tenant: 'acme' })).status).toBe(200);
    offsetMs = 120_000;
    await new Promise((r) => setTimeout(r, 1100)); // past the 1 s authentication cache
    const expired = await s.call('GET', '/v1/secrets', { token: short.token, tenant: 'acme' });
    expect(expired.body.error.code).toBe('TOKEN_EXPIRED');
    offsetMs = 0;
    const self = await s.call('GET', '/v1/tokens/self', { token: tokens.read, tenant: null });
    expect(self.body).toMatchObject({ name: 'acme-read', grants: [{ tenant: 'acme', role: 'read' }] });
    expect(JSON.stringify(self.body)).not.toContain('token_hash');
  });
});
