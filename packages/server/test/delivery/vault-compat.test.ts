// The Vault KV v2-compatible API driven by node-vault (a Vault client no one here wrote) and by plain
// HTTP calls shaped like Vault Agent / External Secrets Operator requests: read/write/versions/CAS,
// list, soft delete/undelete/destroy, metadata, namespaces → tenants, Vault-style errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { createClient } from '@keyhaven/sdk';
import { startRealServer, type RealServer } from './support.js';

const require = createRequire(import.meta.url);
const nodeVault = require('node-vault') as (o: Record<string, unknown>) => any;

let server: RealServer;
let vault: any;
const vfetch = (path: string, init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {}) =>
  fetch(server.url + path, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token === null ? {} : { 'x-vault-token': init.token ?? server.rootToken }),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  }).then(async (r) => ({ status: r.status, body: r.status === 204 ? null : await r.json() }));

beforeAll(async () => {
  server = await startRealServer();
  vault = nodeVault({ endpoint: server.url, token: server.rootToken, apiVersion: 'v1', noCustomHTTPVerbs: true });
});
afterAll(async () => {
  await server?.close();
});

describe('Vault KV v2 compatibility with node-vault', () => {
  it("writes and reads data with versions and metadata in Vault's shapes", async () => {
    const w = await vault.write('kv/data/apps/db', { data: { user: 'app', password: 'pw1' } });
    expect(w.data).toMatchObject({ version: 1, destroyed: false, deletion_time: '' });
    await vault.write('kv/data/apps/db', { data: { user: 'app', password: 'pw2' } });
    const r = await vault.read('kv/data/apps/db');
    expect(r.data.data).toEqual({ user: 'app', password: 'pw2' });
    expect(r.data.metadata).toMatchObject({ version: 2, destroyed: false, deletion_time: '' });
    expect(typeof r.data.metadata.created_time).toBe('string');
    const v1 = await vault.read('kv/data/apps/db?version=1');
    expect(v1.data.data.password).toBe('pw1');
    // The same secret through Keyhaven's own API, in the mount's tenant.
    const kh = await createClient({ addr: server.url, token: server.rootToken }).secrets.get('apps/db#password');
    expect(kh.value).toBe('pw2');
  });

  it('maps a Keyhaven string value to {value}', async () => {
    await createClient({ addr: server.url, token: server.rootToken }).secrets.set('apps/plain', 'just-a-string');
    expect((await vault.read('kv/data/apps/plain')).data.data).toEqual({ value: 'just-a-string' });
  });

  it('answers check-and-set mismatches exactly as Vault does', async () => {
    await vault.write('kv/data/apps/cas', { data: { a: '1' }, options: { cas: 0 } });
    const err = await vault.write('kv/data/apps/cas', { data: { a: '2' }, options: { cas: 0 } }).catch((e: any) => e);
    expect(err.response.statusCode).toBe(400);
    expect(err.response.body).toEqual({ errors: ['check-and-set parameter did not match the current version'] });
    expect((await vault.write('kv/data/apps/cas', { data: { a: '2' }, options: { cas: 1 } })).data.version).toBe(2);
  });

  it('lists keys (GET ?list=1, as node-vault sends without custom verbs), folders with a trailing slash', async () => {
    await vault.write('kv/data/apps/nested/one', { data: { x: '1' } });
    const l = await vault.list('kv/metadata/apps');
    expect(l.data.keys).toEqual(expect.arrayContaining(['db', 'plain', 'cas', 'nested/']));
    const missing = await vault.list('kv/metadata/nothing-here').catch((e: any) => e);
    expect(missing.response.statusCode).toBe(404);
  });

  it('reads metadata, soft-deletes the latest version, undeletes and destroys versions', async () => {
    await vault.write('kv/data/apps/life', { data: { v: '1' } });
    await vault.write('kv/data/apps/life', { data: { v: '2' } });
    const m = await vault.read('kv/metadata/apps/life');
    expect(m.data).toMatchObject({ current_version: 2, oldest_version: 1 });
    expect(Object.keys(m.data.versions)).toEqual(['1', '2']);

    await vault.delete('kv/data/apps/life');
    const gone = await vault.read('kv/data/apps/life').catch((e: any) => e);
    expect(gone.response.statusCode).toBe(404);
    expect(gone.response.body.data.metadata.deletion_time).not.toBe('');
    await vault.write('kv/undelete/apps/life', { versions: [2] });
    expect((await vault.read('kv/data/apps/life')).data.data).toEqual({ v: '2' });

    // Keyhaven keeps the current version readable: destroying it is a 400. The version labelled only
    // `previous` can be destroyed (Vault clients know no labels); the label goes with it.
    const labelled = await vault.write('kv/destroy/apps/life', { versions: [2] }).catch((e: any) => e);
    expect(labelled.response.statusCode).toBe(400);
    await vault.write('kv/destroy/apps/life', { versions: [1] });
    await vault.write('kv/data/apps/life', { data: { v: '2b' } });
    expect((await vault.read('kv/metadata/apps/life')).data.versions['1'].destroyed).toBe(true);
    const destroyed = await vault.read('kv/data/apps/life?version=1').catch((e: any) => e);
    expect(destroyed.response.statusCode).toBe(404);

    // Writing over a soft-deleted secret works as in Vault.
    await vault.delete('kv/data/apps/life');
    expect((await vault.write('kv/data/apps/life', { data: { v: '4' } })).data.version).toBe(4);

    await vault.delete('kv/metadata/apps/life');
    const purged = await vault.read('kv/metadata/apps/life').catch((e: any) => e);
    expect(purged.response.statusCode).toBe(404);
  });

  it("refuses a bad token with Vault's 403 permission denied", async () => {
    const bad = nodeVault({ endpoint: server.url, token: 'kh_nope', apiVersion: 'v1' });
    const err = await bad.read('kv/data/apps/db').catch((e: any) => e);
    expect(err.response.statusCode).toBe(403);
    expect(err.response.body).toEqual({ errors: ['permission denied'] });
  });
});

describe('Vault-shaped HTTP calls (Vault Agent, External Secrets Operator)', () => {
  it('probes sys/mounts, the internal mount lookup and token lookup-self', async () => {
    const mounts = await vfetch('/v1/sys/mounts');
    expect(mounts.status).toBe(200);
    expect(mounts.body.data['kv/']).toMatchObject({ type: 'kv', options: { version: '2' } });
    expect((await vfetch('/v1/sys/internal/ui/mounts/kv/apps/db')).body.data).toMatchObject({ path: 'kv/', options: { version: '2' } });
    const self = await vfetch('/v1/auth/token/lookup-self');
    expect(self.body.data.policies).toEqual(['root']);
    expect(JSON.stringify(self.body)).not.toContain(server.rootToken);
  });

  it('ESO-style read of one property, and X-Vault-Namespace selecting another tenant', async () => {
    const r = await vfetch('/v1/kv/data/apps/db', { headers: { 'x-vault-namespace': 'default' } });
    expect(r.body.data.data.password).toBe('pw2');
    const kh = createClient({ addr: server.url, token: server.rootToken });
    await kh.tenants.create('team-b');
    await createClient({ addr: server.url, token: server.rootToken, tenant: 'team-b' }).secrets.set('apps/db', { password: 'team-b-pw' });
    const b = await vfetch('/v1/kv/data/apps/db', { headers: { 'x-vault-namespace': 'team-b/' } });
    expect(b.body.data.data.password).toBe('team-b-pw');
    const unknown = await vfetch('/v1/kv/data/apps/db', { headers: { 'x-vault-namespace': 'nope' } });
    expect(unknown).toEqual({ status: 403, body: { errors: ['permission denied'] } });
  });

  it('PATCH merges into the latest version (application/merge-patch+json)', async () => {
    const res = await fetch(server.url + '/v1/kv/data/apps/db', {
      method: 'PATCH',
      headers: { 'x-vault-token': server.rootToken, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ data: { extra: 'x', user: null } }),
    });
    expect(res.status).toBe(200);
    expect((await vfetch('/v1/kv/data/apps/db')).body.data.data).toEqual({ password: 'pw2', extra: 'x' });
  });

  it('a missing path is 404 with an empty errors list; no token is 403', async () => {
    expect(await vfetch('/v1/kv/data/does/not/exist')).toEqual({ status: 404, body: { errors: [] } });
    expect(await vfetch('/v1/kv/data/apps/db', { token: null })).toEqual({ status: 403, body: { errors: ['permission denied'] } });
  });
});
