// AppRole logins through the HTTP layer on SQLite and PostgreSQL: roles, role_id, secret_ids
// (shown once, stored hashed, use count, TTL, CIDR binding), login to a short-lived token with the
// role's tenant and Keyhaven role, renew up to the max TTL, tokens list with the identity, revoke,
// the audit trail of every attempt (never the secret_id), uniform refusals and the per-source limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, adminQuery } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { createManualClock } from './support.js';

describe.each(backends())('AppRole login on %s', (backend) => {
  let s: TestServer;
  const clock = createManualClock();
  beforeAll(async () => {
    s = await startTestServer(backend, { clock, config: { authFailureLimit: 12, authFailureWindowSeconds: 60 } });
    await s.call('POST', '/v1/tenants', { tenant: null, body: { id: 'team-a' } });
    await s.call('PUT', '/v1/secrets/app/db', { tenant: 'team-a', body: { value: 'pw-team-a' } });
  });
  afterAll(async () => {
    await s?.close();
  });

  const login = (role_id: string, secret_id: string, headers: Record<string, string> = {}) =>
    s.call('POST', '/v1/auth/approle/login', { token: '', tenant: null, body: { role_id, secret_id }, headers });

  it("issues a token with the role's tenant, Keyhaven role and TTL; renews it up to the max TTL; lists and revokes it", async () => {
    expect(
      (
        await s.call('POST', '/v1/auth/approle/role/deployer', {
          tenant: 'team-a',
          body: { token_role: 'read', token_ttl: '10m', token_max_ttl: '30m' },
        })
      ).status,
    ).toBe(204);
    const roleId = (await s.call('GET', '/v1/auth/approle/role/deployer/role-id', { tenant: 'team-a' })).body.data.role_id;
    expect(roleId).toMatch(/^[0-9a-f-]{36}$/);
    const issued = await s.call('POST', '/v1/auth/approle/role/deployer/secret-id', {
      tenant: 'team-a',
      body: { metadata: '{"host":"ci-1"}' },
    });
    expect(issued.status).toBe(200);
    const secretId = issued.body.data.secret_id as string;
    expect(secretId).toMatch(/^khs_/);

    const r = await login(roleId, secretId);
    expect(r.status).toBe(200);
    expect(r.body.auth).toMatchObject({
      policies: ['read'],
      token_policies: ['read'],
      lease_duration: 600,
      renewable: true,
      metadata: { role: 'deployer', host: 'ci-1' },
    });
    const token = r.body.auth.client_token as string;
    // The token reads in its tenant and nowhere else, and cannot write.
    expect((await s.call('GET', '/v1/secrets/app/db', { token, tenant: 'team-a' })).body.value).toBe('pw-team-a');
    expect((await s.call('GET', '/v1/secrets/app/db', { token, tenant: 'default' })).status).toBe(404);
    expect((await s.call('PUT', '/v1/secrets/app/db', { token, tenant: 'team-a', body: { value: 'x' } })).status).toBe(403);

    // tokens list shows the identity, never the secret.
    const list = await s.call('GET', '/v1/tokens', { tenant: 'team-a' });
    const mine = list.body.items.find((t: any) => t.id === r.body.auth.accessor);
    expect(mine.identity).toMatchObject({ method: 'approle', role: 'deployer', metadata: { role: 'deployer', host: 'ci-1' } });
    expect(JSON.stringify(list.body)).not.toContain(secretId);

    // Renew: the expiry moves to now + TTL, never past the max TTL.
    clock.advance(500_000);
    const renewed = await s.call('POST', '/v1/auth/token/renew-self', { token, tenant: null, body: {} });
    expect(renewed.status).toBe(200);
    expect(renewed.body.auth.lease_duration).toBe(600);
    clock.advance(500_000);
    expect((await s.call('POST', '/v1/auth/token/renew-self', { token, tenant: null, body: {} })).body.auth.renewable).toBe(true);
    clock.advance(500_000);
    const capped = await s.call('POST', '/v1/auth/token/renew-self', { token, tenant: null, body: {} });
    expect(capped.body.auth.renewable).toBe(false);
    expect(capped.body.warnings[0]).toContain('max TTL');
    // Past the max TTL the token has expired.
    clock.advance(400_000);
    expect((await s.call('GET', '/v1/secrets/app/db', { token, tenant: 'team-a' })).body.error.code).toBe('TOKEN_EXPIRED');

    // A second login, revoked by the admin, stops working.
    const r2 = await login(roleId, secretId);
    expect((await s.call('DELETE', `/v1/tokens/${r2.body.auth.accessor}`, { tenant: 'team-a' })).status).toBe(200);
    expect((await s.call('GET', '/v1/tokens/self', { token: r2.body.auth.client_token, tenant: null })).body.error.code).toBe(
      'TOKEN_REVOKED',
    );
    // revoke-self
    const r3 = await login(roleId, secretId);
    expect((await s.call('POST', '/v1/auth/token/revoke-self', { token: r3.body.auth.client_token, tenant: null })).status).toBe(204);
    expect((await s.call('GET', '/v1/tokens/self', { token: r3.body.auth.client_token, tenant: null })).body.error.code).toBe(
      'TOKEN_REVOKED',
    );
  });

  it('refuses an unknown role_id and a wrong secret_id with the same error; a used-up or expired secret_id with its own', async () => {
    await s.call('POST', '/v1/auth/approle/role/once', {
      tenant: 'team-a',
      body: { token_policies: ['read'], secret_id_num_uses: 1, secret_id_ttl: 120 },
    });
    const roleId = (await s.call('GET', '/v1/auth/approle/role/once/role-id', { tenant: 'team-a' })).body.data.role_id;
    const { secret_id } = (await s.call('POST', '/v1/auth/approle/role/once/secret-id', { tenant: 'team-a', body: {} })).body.data;
    const unknown = await login('00000000-0000-0000-0000-000000000000', secret_id, { 'x-forwarded-for': '10.9.9.1' });
    const wrong = await login(roleId, 'khs_wrong');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body.error.code).toBe('AUTH_LOGIN_FAILED');
    expect({ ...unknown.body.error, request_id: 0 }).toEqual({ ...wrong.body.error, request_id: 0 });
    expect(unknown.body.errors).toEqual(wrong.body.errors);

    expect((await login(roleId, secret_id)).status).toBe(200);
    const replay = await login(roleId, secret_id);
    expect(replay.body.error.code).toBe('AUTH_CREDENTIAL_USED');

    const { secret_id: later } = (await s.call('POST', '/v1/auth/approle/role/once/secret-id', { tenant: 'team-a', body: {} })).body.data;
    clock.advance(121_000);
    expect((await login(roleId, later)).body.error.code).toBe('AUTH_CREDENTIAL_EXPIRED');
  });

  it('binds secret_ids to CIDRs', async () => {
    await s.call('POST', '/v1/auth/approle/role/bound', {
      tenant: 'team-a',
      body: { token_role: 'read', secret_id_bound_cidrs: ['10.1.0.0/16'] },
    });
    const roleId = (await s.call('GET', '/v1/auth/approle/role/bound/role-id', { tenant: 'team-a' })).body.data.role_id;
    const { secret_id } = (await s.call('POST', '/v1/auth/approle/role/bound/secret-id', { tenant: 'team-a', body: {} })).body.data;
    // inject() comes from 127.0.0.1, outside 10.1.0.0/16.
    expect((await login(roleId, secret_id)).body.error.code).toBe('AUTH_SOURCE_NOT_ALLOWED');
    const inside = (await s.call('POST', '/v1/auth/approle/role/bound/secret-id', { tenant: 'team-a', body: { cidr_list: '127.0.0.0/8' } }))
      .body.data.secret_id;
    expect((await login(roleId, inside)).status).toBe(200);
  });

  it('a one-use secret_id gives one token however many logins race for it', async () => {
    await s.call('POST', '/v1/auth/approle/role/race', { tenant: 'team-a', body: { token_role: 'read', secret_id_num_uses: 1 } });
    const roleId = (await s.call('GET', '/v1/auth/approle/role/race/role-id', { tenant: 'team-a' })).body.data.role_id;
    const { secret_id } = (await s.call('POST', '/v1/auth/approle/role/race/secret-id', { tenant: 'team-a', body: {} })).body.data;
    const results = await Promise.all(Array.from({ length: 6 }, () => login(roleId, secret_id)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.body.error?.code === 'AUTH_CREDENTIAL_USED')).toHaveLength(5);
  });

  it('binds tokens to token_bound_cidrs: login and every use from outside are refused', async () => {
    await s.call('POST', '/v1/auth/approle/role/tokcidr', {
      tenant: 'team-a',
      body: { token_role: 'read', token_bound_cidrs: '127.0.0.0/8' },
    });
    const roleId = (await s.call('GET', '/v1/auth/approle/role/tokcidr/role-id', { tenant: 'team-a' })).body.data.role_id;
    const sid = async () =>
      (await s.call('POST', '/v1/auth/approle/role/tokcidr/secret-id', { tenant: 'team-a', body: {} })).body.data.secret_id as string;
    const r = await login(roleId, await sid());
    expect(r.status).toBe(200);
    const use = (remoteAddress: string) =>
      s.app.http.inject({
        method: 'GET',
        url: '/v1/secrets/app/db',
        remoteAddress,
        headers: { authorization: `Bearer ${r.body.auth.client_token}`, 'x-tenant-id': 'team-a' },
      });
    expect((await use('127.0.0.1')).statusCode).toBe(200);
    const outside = await use('10.2.3.4');
    expect(outside.statusCode).toBe(403);
    expect(outside.json().error.code).toBe('AUTH_SOURCE_NOT_ALLOWED');
    const fromOutside = await s.app.http.inject({
      method: 'POST',
      url: '/v1/auth/approle/login',
      remoteAddress: '10.2.3.4',
      payload: { role_id: roleId, secret_id: await sid() },
    });
    expect(fromOutside.json().error.code).toBe('AUTH_SOURCE_NOT_ALLOWED');
  });

  it('lists and destroys secret_id accessors; the secret_id is stored only as a hash', async () => {
    await s.call('POST', '/v1/auth/approle/role/acc', { tenant: 'team-a', body: { token_role: 'read' } });
    const roleId = (await s.call('GET', '/v1/auth/approle/role/acc/role-id', { tenant: 'team-a' })).body.data.role_id;
    const a = (await s.call('POST', '/v1/auth/approle/role/acc/secret-id', { tenant: 'team-a', body: {} })).body.data;
    const listed = await s.call('GET', '/v1/auth/approle/role/acc/secret-id?list=true', { tenant: 'team-a' });
    expect(listed.body.data.keys).toEqual([a.secret_id_accessor]);
    expect(JSON.stringify(listed.body)).not.toContain(a.secret_id);
    const rows =
      backend === 'sqlite'
        ? await s.app.storage.db.selectFrom('auth_secret_ids').selectAll().execute()
        : (await adminQuery('select * from auth_secret_ids', s.db.url.replace(/\/\/[^@]+@/, '//postgres@'))).rows;
    expect(JSON.stringify(rows)).not.toContain(a.secret_id);
    expect(
      (
        await s.call('POST', '/v1/auth/approle/role/acc/secret-id-accessor/destroy', {
          tenant: 'team-a',
          body: { secret_id_accessor: a.secret_id_accessor },
        })
      ).status,
    ).toBe(204);
    expect((await login(roleId, a.secret_id)).body.error.code).toBe('AUTH_LOGIN_FAILED');
    // Another tenant's admin cannot see the role.
    await s.call('POST', '/v1/tenants', { tenant: null, body: { id: 'team-b' } });
    expect((await s.call('GET', '/v1/auth/approle/role/acc/role-id', { tenant: 'team-b' })).body.error.code).toBe('AUTH_ROLE_NOT_FOUND');
    expect((await s.call('GET', '/v1/auth/approle/role?list=true', { tenant: 'team-a' })).body.data.keys).toEqual(
      expect.arrayContaining(['acc', 'bound', 'deployer', 'once']),
    );
  });

  it('validates role input with clear errors', async () => {
    const bad = await s.call('POST', '/v1/auth/approle/role/x', { tenant: 'team-a', body: { token_role: 'read', token_ttl: 'soon' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('token_ttl');
    expect((await s.call('POST', '/v1/auth/approle/role/x', { tenant: 'team-a', body: { token_role: 'nope' } })).body.error.code).toBe(
      'ROLE_NOT_FOUND',
    );
    expect(
      (
        await s.call('POST', '/v1/auth/approle/role/x', {
          tenant: 'team-a',
          body: { token_role: 'read', secret_id_bound_cidrs: ['not-a-cidr'] },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await s.call('POST', '/v1/auth/approle/role/x', {
          tenant: 'team-a',
          body: { token_role: 'read', token_ttl: 7200, token_max_ttl: 3600 },
        })
      ).body.error.message,
    ).toContain('token_max_ttl');
    // Only admins manage roles.
    const reader = (await s.call('POST', '/v1/tokens', { tenant: 'team-a', body: { name: 'r', role: 'read' } })).body.token;
    expect(
      (await s.call('POST', '/v1/auth/approle/role/x', { token: reader, tenant: 'team-a', body: { token_role: 'read' } })).status,
    ).toBe(403);
  });

  it('audits every login, success and failure, without the secret_id', async () => {
    const events = await s.call('GET', '/v1/sys/audit/events?limit=500', { tenant: null });
    const rows = (events.body.items ?? events.body.events ?? []) as any[];
    const logins = rows.filter((e) => e.action === 'auth.approle.login');
    expect(logins.some((e) => e.outcome === 'success' && e.tenant === 'team-a' && e.resource === 'deployer')).toBe(true);
    expect(logins.some((e) => e.outcome === 'denied' && e.error_code === 'AUTH_CREDENTIAL_USED')).toBe(true);
    expect(logins.some((e) => e.outcome === 'denied' && e.error_code === 'AUTH_LOGIN_FAILED' && e.tenant === '')).toBe(true);
    const all = JSON.stringify(rows);
    expect(all).not.toMatch(/khs_[A-Za-z0-9]{40}/);
  });

  it('limits failed logins per source address', async () => {
    const h = { 'x-forwarded-for': '1.2.3.4' };
    clock.advance(61_000); // a fresh window
    let last;
    for (let i = 0; i < 12; i++) expect((await login('00000000-0000-0000-0000-000000000001', 'khs_nope', h)).status).toBe(401);
    for (let i = 0; i < 2; i++) last = await login('00000000-0000-0000-0000-000000000001', 'khs_nope', h);
    // inject comes from 127.0.0.1 whatever the header (trustProxy off): the whole source is limited.
    expect(last!.status).toBe(429);
    expect(last!.body.error.code).toBe('RATE_LIMITED');
    clock.advance(61_000);
    expect((await login('00000000-0000-0000-0000-000000000001', 'khs_nope', h)).body.error.code).toBe('AUTH_LOGIN_FAILED');
  });
});
