// Secrets through the HTTP layer, on SQLite and PostgreSQL: create, versions, labels, fields,
// filters, check-and-set, delete/restore/destroy, and clear errors that change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../../test/support/backends.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';

describe.each(backends())('secrets API on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(backend);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('creates a secret and reads its current value', async () => {
    const c = await s.call('POST', '/v1/secrets', {
      body: {
        name: 'apps/billing/api-key',
        value: 'sk-first-value',
        type: 'api_key',
        tags: ['billing', 'team:pay'],
        service: 'billing',
        environment: 'prod',
        criticality: 'high',
      },
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name: 'apps/billing/api-key', version: 1, labels: ['current'] });
    const r = await s.call('GET', '/v1/secrets/apps/billing/api-key');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: 'apps/billing/api-key',
      version: 1,
      value: 'sk-first-value',
      type: 'api_key',
      labels: ['current'],
    });
  });

  it('refuses to create a secret twice', async () => {
    const c = await s.call('POST', '/v1/secrets', { body: { name: 'apps/billing/api-key', value: 'other' } });
    expect(c.status).toBe(409);
    expect(c.body.error.code).toBe('SECRET_EXISTS');
    expect((await s.call('GET', '/v1/secrets/apps/billing/api-key')).body.value).toBe('sk-first-value');
  });

  it('writes new versions, moves labels and reads any version or label', async () => {
    const w = await s.call('PUT', '/v1/secrets/apps/billing/api-key', { body: { value: 'sk-second-value' } });
    expect(w.status).toBe(200);
    expect(w.body).toMatchObject({ version: 2, labels: ['current'] });
    expect((await s.call('GET', '/v1/secrets/apps/billing/api-key')).body.value).toBe('sk-second-value');
    expect((await s.call('GET', '/v1/secrets/apps/billing/api-key?version=1')).body).toMatchObject({
      value: 'sk-first-value',
      labels: ['previous'],
    });
    expect((await s.call('GET', '/v1/secrets/apps/billing/api-key?label=previous')).body.version).toBe(1);
    const p = await s.call('PUT', '/v1/secrets/apps/billing/api-key', { body: { value: 'sk-pending-value', label: 'pending' } });
    expect(p.body).toMatchObject({ version: 3, labels: ['pending'] });
    expect((await s.call('GET', '/v1/secrets/apps/billing/api-key')).body.version).toBe(2);
    expect((await s.call('GET', '/v1/secrets/apps/billing/api-key?label=pending')).body.value).toBe('sk-pending-value');
    const none = await s.call('GET', '/v1/secrets/apps/billing/api-key?version=99');
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('VERSION_NOT_FOUND');
  });

  it('check-and-set rejects a stale version and applies a fresh one', async () => {
    const stale = await s.call('PUT', '/v1/secrets/apps/billing/api-key', { body: { value: 'x-stale', cas: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('CAS_MISMATCH');
    expect(stale.body.error.details.latest_version).toBe(3);
    const fresh = await s.call('PUT', '/v1/secrets/apps/billing/api-key', { body: { value: 'sk-fourth', cas: 3 } });
    expect(fresh.body.version).toBe(4);
    const mustNotExist = await s.call('PUT', '/v1/secrets/apps/new/thing', { body: { value: 'v', cas: 0 } });
    expect(mustNotExist.body.version).toBe(1);
  });

  it('reads one field of a JSON value', async () => {
    await s.call('POST', '/v1/secrets', {
      body: { name: 'apps/db', value: { username: 'app', password: 'pw-123', port: 5432 }, type: 'database_credentials' },
    });
    expect((await s.call('GET', '/v1/secrets/apps/db?field=password')).body.value).toBe('pw-123');
    expect((await s.call('GET', '/v1/secrets/apps/db')).body.value).toEqual({ username: 'app', password: 'pw-123', port: 5432 });
    const missing = await s.call('GET', '/v1/secrets/apps/db?field=nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('FIELD_NOT_FOUND');
  });

  it('lists and filters by prefix, type, tag, service, environment and criticality', async () => {
    await s.call('POST', '/v1/secrets', {
      body: { name: 'apps/search/token', value: 't', type: 'token', tags: ['search'], environment: 'staging', criticality: 'low' },
    });
    const names = async (q: string) => (await s.call('GET', `/v1/secrets${q}`)).body.items.map((i: { name: string }) => i.name);
    expect(await names('?prefix=apps/billing')).toEqual(['apps/billing/api-key']);
    expect(await names('?type=token')).toEqual(['apps/search/token']);
    expect(await names('?tag=team:pay')).toEqual(['apps/billing/api-key']);
    expect(await names('?tag=billing,team:pay')).toEqual(['apps/billing/api-key']);
    expect(await names('?service=billing')).toEqual(['apps/billing/api-key']);
    expect(await names('?environment=staging')).toEqual(['apps/search/token']);
    expect(await names('?criticality=high')).toEqual(['apps/billing/api-key']);
    expect(await names('?prefix=apps_')).toEqual([]);
    const page = await s.call('GET', '/v1/secrets?limit=2');
    expect(page.body.items).toHaveLength(2);
    const next = await s.call('GET', `/v1/secrets?limit=2&cursor=${encodeURIComponent(page.body.next_cursor)}`);
    expect(next.body.items[0].name > page.body.items[1].name).toBe(true);
    expect(JSON.stringify(page.body)).not.toContain('sk-');
  });

  it('describes, shows history and updates metadata', async () => {
    const d = await s.call('GET', '/v1/secrets/apps/billing/api-key:describe');
    expect(d.body).toMatchObject({
      name: 'apps/billing/api-key',
      type: 'api_key',
      labels: { current: 4, previous: 2, pending: 3 },
      latest_version: 4,
    });
    expect(d.body.versions.map((v: { version: number }) => v.version)).toEqual([4, 3, 2, 1]);
    expect(JSON.stringify(d.body)).not.toContain('sk-');
    const u = await s.call('PATCH', '/v1/secrets/apps/billing/api-key', {
      body: { description: 'Billing key', tags: ['billing'], owner: 'pay-team', metadata: { ticket: 'SEC-1' } },
    });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ description: 'Billing key', tags: ['billing'], owner: 'pay-team', metadata: { ticket: 'SEC-1' } });
    const h = await s.call('GET', '/v1/secrets/apps/billing/api-key:versions');
    expect(h.body.versions[0]).toMatchObject({ version: 4, labels: ['current'], state: 'active' });
  });

  it('prunes many versions at once when max_versions is lowered, keeping the labelled ones', async () => {
    await s.call('POST', '/v1/secrets', { body: { name: 'prune/many', value: 'v1', max_versions: 50 } });
    await s.call('PUT', '/v1/secrets/prune/many', { body: { value: 'v2-pending', label: 'pending' } });
    for (let i = 3; i <= 12; i++) await s.call('PUT', '/v1/secrets/prune/many', { body: { value: `v${i}` } });
    expect((await s.call('PATCH', '/v1/secrets/prune/many', { body: { max_versions: 3 } })).status).toBe(200);
    const h = (await s.call('GET', '/v1/secrets/prune/many:versions')).body.versions as Array<{
      version: number;
      state: string;
      labels: string[];
    }>;
    const live = h
      .filter((v) => v.state !== 'destroyed')
      .map((v) => v.version)
      .sort((a, b) => a - b);
    expect(live).toEqual([2, 11, 12]); // pending v2 survives; current v12 and previous v11 too
    // Each further write prunes exactly the oldest unlabelled version.
    await s.call('PUT', '/v1/secrets/prune/many', { body: { value: 'v13' } });
    const after = (await s.call('GET', '/v1/secrets/prune/many:versions')).body.versions as Array<{ version: number; state: string }>;
    expect(
      after
        .filter((v) => v.state !== 'destroyed')
        .map((v) => v.version)
        .sort((a, b) => a - b),
    ).toEqual([2, 12, 13]);
  });

  it('prunes beyond max_versions but never a labelled version', async () => {
    await s.call('POST', '/v1/secrets', { body: { name: 'prune/me', value: 'v1', max_versions: 2 } });
    await s.call('PUT', '/v1/secrets/prune/me', { body: { value: 'v2-pending', label: 'pending' } });
    await s.call('PUT', '/v1/secrets/prune/me', { body: { value: 'v3' } });
    await s.call('PUT', '/v1/secrets/prune/me', { body: { value: 'v4' } });
    const h = (await s.call('GET', '/v1/secrets/prune/me:versions')).body.versions as Array<{
      version: number;
      state: string;
      labels: string[];
    }>;
    const state = Object.fromEntries(h.map((v) => [v.version, v.state]));
    expect(state).toEqual({ 4: 'active', 3: 'active', 2: 'active', 1: 'destroyed' });
    expect((await s.call('GET', '/v1/secrets/prune/me?label=pending')).body.value).toBe('v2-pending');
    expect((await s.call('GET', '/v1/secrets/prune/me?version=1')).body.error.code).toBe('VERSION_DESTROYED');
  });

  it('soft-deletes, restores, and destroys (crypto-shredding)', async () => {
    await s.call('POST', '/v1/secrets', { body: { name: 'tmp/gone', value: 'bye' } });
    const notYet = await s.call('POST', '/v1/secrets/tmp/gone:destroy');
    expect(notYet.body.error.code).toBe('SECRET_NOT_DELETED');
    expect((await s.call('DELETE', '/v1/secrets/tmp/gone')).status).toBe(200);
    expect((await s.call('GET', '/v1/secrets/tmp/gone')).body.error.code).toBe('SECRET_DELETED');
    expect((await s.call('GET', '/v1/secrets?prefix=tmp/')).body.items).toEqual([]);
    expect((await s.call('GET', '/v1/secrets?prefix=tmp/&include_deleted=true')).body.items).toHaveLength(1);
    expect((await s.call('POST', '/v1/secrets/tmp/gone:restore')).body.restored).toBe(true);
    expect((await s.call('GET', '/v1/secrets/tmp/gone')).body.value).toBe('bye');
    await s.call('PUT', '/v1/secrets/tmp/gone', { body: { value: 'bye2' } });
    await s.call('PUT', '/v1/secrets/tmp/gone', { body: { value: 'bye3' } });
    const labelled = await s.call('POST', '/v1/secrets/tmp/gone:destroy', { body: { versions: [2] } });
    expect(labelled.body.error.code).toBe('VERSION_LABELLED');
    const v1 = await s.call('POST', '/v1/secrets/tmp/gone:destroy', { body: { versions: [1] } });
    expect(v1.body.destroyed).toEqual([1]);
    expect((await s.call('GET', '/v1/secrets/tmp/gone?version=1')).body.error.code).toBe('VERSION_DESTROYED');
    await s.call('DELETE', '/v1/secrets/tmp/gone');
    expect((await s.call('POST', '/v1/secrets/tmp/gone:destroy')).body.destroyed).toBe('all');
    expect((await s.call('GET', '/v1/secrets/tmp/gone')).body.error.code).toBe('SECRET_NOT_FOUND');
    const rows = await s.app.storage.withTenant('*', (ex) =>
      ex.selectFrom('secret_versions').select(['ciphertext']).where('state', '=', 'destroyed').execute(),
    );
    expect(rows.every((r) => r.ciphertext === null)).toBe(true);
  });

  it('gives clear errors for bad input and changes nothing', async () => {
    const before = (await s.call('GET', '/v1/secrets/apps/db:describe')).body;
    const cases: Array<[string, string, { body?: unknown; raw?: string }, number, string]> = [
      ['POST', '/v1/secrets', { raw: '{"name": "x", ' }, 400, 'MALFORMED_JSON'],
      ['POST', '/v1/secrets', { body: { name: '../etc/passwd', value: 'x' } }, 400, 'INVALID_SECRET_NAME'],
      ['POST', '/v1/secrets', { body: { name: 'a//b', value: 'x' } }, 400, 'INVALID_SECRET_NAME'],
      ['POST', '/v1/secrets', { body: { name: 'ok/name', value: 42 } }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/secrets', { body: { name: 'ok/name', value: 'x'.repeat(64 * 1024 + 1) } }, 413, 'PAYLOAD_TOO_LARGE'],
      ['POST', '/v1/secrets', { body: { name: 'ok/name', value: 'x', type: 'nonsense' } }, 400, 'VALIDATION_FAILED'],
      ['PUT', '/v1/secrets/apps/db', { body: { value: { a: 1 }, cas: 'x' } }, 400, 'VALIDATION_FAILED'],
      ['GET', '/v1/secrets/apps/db?version=abc', {}, 400, 'VALIDATION_FAILED'],
      ['GET', '/v1/secrets/apps/db:bogus', {}, 404, 'ROUTE_NOT_FOUND'],
      ['GET', '/v1/secrets/no/such', {}, 404, 'SECRET_NOT_FOUND'],
    ];
    for (const [method, url, o, status, code] of cases) {
      const r = await s.call(method, url, o);
      expect({ url, status: r.status, code: r.body?.error?.code }).toEqual({ url, status, code });
      expect(r.body.error.message.length).toBeGreaterThan(10);
      expect(r.body.error.request_id).toBeTruthy();
    }
    expect((await s.call('GET', '/v1/secrets/ok/name')).body.error.code).toBe('SECRET_NOT_FOUND');
    expect((await s.call('GET', '/v1/secrets/apps/db:describe')).body).toEqual(before);
  });

  it('keeps concurrent writers consistent: every write gets its own version', async () => {
    await s.call('POST', '/v1/secrets', { body: { name: 'race/counter', value: 'v0', max_versions: 100 } });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => s.call('PUT', '/v1/secrets/race/counter', { body: { value: `v${i + 1}` } })),
    );
    const versions = results.map((r) => r.body.version).sort((a, b) => a - b);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
  });
});
