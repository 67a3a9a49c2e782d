// Issue 15, attacked as a hostile tenant admin through HTTP against the BUILT `keyhaven server` on
// SQLite and PostgreSQL: the env provider cannot import the server's own environment (KEYHAVEN_MASTER_KEY
// above all), the dotenv provider cannot read or write outside the operator's directories, and a role
// denied `read` on prod cannot PATCH a secret to dev and read it; a legitimate change still works.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { backends, createTestDatabase, type BackendName, type TestDatabase } from '../support/backends.js';
import { api, assertBuilt, cleanup, killAll, masterKey, startServerProcess, tempDir, type ServerProcess } from '../deploy/support.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });
const dbs: TestDatabase[] = [];
const dirs: string[] = [];
beforeAll(() => assertBuilt());
afterAll(async () => {
  killAll();
  for (const d of dbs) await d.drop();
  for (const d of dirs) cleanup(d);
});

const MASTER = masterKey();

/** A built server on `backend` with KEYHAVEN_MASTER_KEY (and a decoy) in its own environment. */
const start = async (backend: BackendName, extra: Record<string, string> = {}) => {
  const db = await createTestDatabase(backend);
  dbs.push(db);
  const env: Record<string, string> = {
    KEYHAVEN_MASTER_KEY: MASTER,
    KEYHAVEN_DATA_DIR: db.dataDir,
    KEYHAVEN_DATABASE_URL: db.url,
    APP_PUBLIC_URL: 'https://app.example',
    APP_INTERNAL_TOKEN: 'internal-only',
    ...extra,
  };
  const s = await startServerProcess([], env);
  const root = api(s.url, s.rootToken!);
  const t = await root('POST', '/v1/tokens', { name: 'tenant-admin', role: 'admin', kind: 'personal', ttl_seconds: 3600 });
  expect(t.status, t.text).toBe(201);
  return { s, root, admin: api(s.url, t.json.token as string), dataDir: db.dataDir };
};

describe.each(backends())('a tenant admin does not reach the host (%s)', (backend) => {
  let servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
    servers = [];
  });

  it("a provider without a credential of its own cannot act with the server's cloud or cluster identity unless the operator allows it", async () => {
    const { s, admin } = await start(backend, { AWS_ACCESS_KEY_ID: 'AKIASERVERSOWNKEY000', AWS_SECRET_ACCESS_KEY: 'server-own-secret' });
    servers.push(s);
    for (const body of [
      { provider_name: 'aws-sm', config: { region: 'us-east-1' } },
      { provider_name: 'gcp-sm', config: { project: 'tenant-project-1' } },
      { provider_name: 'k8s', config: { source: 'default' } },
      { provider_name: 'k8s', config: { source: 'file', kubeconfigPath: '/root/.kube/config' } },
      { provider_name: 'k8s', config: { source: 'in-cluster' }, test_connection: true },
    ]) {
      const r = await admin('POST', '/providers/configure', body);
      expect({ body, status: r.status, code: r.json?.error?.code }).toEqual({ body, status: 403, code: 'PROVIDER_CREDENTIAL_REQUIRED' });
      expect(r.json.error.message).toMatch(/providers\.ambientCredentials/);
    }
    expect((await admin('GET', '/v1/providers')).json.items).toEqual([]);
    // With a credential of its own the same provider is accepted.
    const own = await admin('POST', '/providers/configure', {
      provider_name: 'aws-sm',
      name: 'aws-own',
      config: { region: 'us-east-1' },
      credential: { accessKeyId: 'AKIATENANT0000000000', secretAccessKey: 'tenant-secret' },
    });
    expect(own.status, own.text).toBeLessThan(300);
    const allowed = await start(backend, { KEYHAVEN_PROVIDERS_AMBIENT_CREDENTIALS: 'true' });
    servers.push(allowed.s);
    const ok = await allowed.admin('POST', '/providers/configure', { provider_name: 'aws-sm', config: { region: 'us-east-1' } });
    expect(ok.status, ok.text).toBeLessThan(300);
  });

  it('env and dotenv are disabled by default with a clear error, and nothing is stored', async () => {
    const { s, admin } = await start(backend);
    servers.push(s);
    for (const body of [
      { provider_name: 'env', config: {} },
      { provider_name: 'env', config: { prefix: 'KEYHAVEN_' }, test_connection: true },
      { provider_name: 'dotenv', config: { path: '/etc/passwd' } },
    ]) {
      const r = await admin('POST', '/providers/configure', body);
      expect(r.status, r.text).toBe(403);
      expect(r.json.error.code).toBe('PROVIDER_DISABLED');
      expect(r.json.error.message).toMatch(/providers\.(env|dotenv)\.enabled/);
    }
    expect((await admin('GET', '/v1/providers')).json.items).toEqual([]);
    const ref = await admin('GET', `/v1/references?ref=${encodeURIComponent('env://KEYHAVEN_MASTER_KEY')}`);
    expect(ref.status).toBe(404);
    expect(ref.text).not.toContain(MASTER);
    // the provider rotator cannot reach them either
    await admin('POST', '/v1/secrets', { name: 'rot/x', value: 'v' });
    const rot = await admin('POST', '/v1/rotation/register', {
      secret_name: 'rot/x',
      rotator: 'provider',
      rotator_config: { provider_kind: 'env', remote_name: 'KEYHAVEN_MASTER_KEY' },
    });
    expect(rot.text).not.toContain(MASTER);
    expect(rot.status, rot.text).toBe(403);
    expect(rot.json.error.code).toBe('PROVIDER_DISABLED');
  });

  it('env enabled with an allow-list serves only allowed names, never KEYHAVEN_*', async () => {
    const { s, admin } = await start(backend, { KEYHAVEN_PROVIDERS_ENV_ENABLED: 'true', KEYHAVEN_PROVIDERS_ENV_ALLOW: 'APP_PUBLIC_*' });
    servers.push(s);
    expect((await admin('POST', '/providers/configure', { provider_name: 'env', config: {} })).status).toBe(201);
    expect(
      (await admin('POST', '/providers/configure', { provider_name: 'env', name: 'kh', config: { prefix: 'KEYHAVEN_' } })).status,
    ).toBe(201);
    const ok = await admin('GET', `/v1/references?ref=${encodeURIComponent('env://APP_PUBLIC_URL')}&provider=env`);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.value).toBe('https://app.example');
    for (const [ref, provider] of [
      ['env://KEYHAVEN_MASTER_KEY', 'env'],
      ['env://MASTER_KEY', 'kh'],
      ['env://APP_INTERNAL_TOKEN', 'env'],
    ]) {
      const r = await admin('GET', `/v1/references?ref=${encodeURIComponent(ref!)}&provider=${provider}`);
      expect(r.status, ref).toBe(403);
      expect(r.json.error.code).toBe('PROVIDER_NAME_FORBIDDEN');
      expect(r.text).not.toContain(MASTER);
      expect(r.text).not.toContain('internal-only');
    }
    // import of everything the provider lists: only the allowed name arrives
    const imp = await admin('POST', '/v1/providers/env/import', { prefix: '', target_prefix: 'imported/' });
    const listed = await admin('GET', '/v1/secrets?prefix=imported/');
    const text = JSON.stringify({ imp: imp.json, listed: listed.json });
    expect(text).not.toContain(MASTER);
    expect(text).not.toContain('KEYHAVEN_');
    expect(text).not.toContain('APP_INTERNAL_TOKEN');
    expect(imp.status, imp.text).toBe(200);
    expect(listed.json.items.map((i: { name: string }) => i.name)).toEqual(['imported/APP_PUBLIC_URL']);
  });

  it('dotenv enabled: reads and writes outside the allowed directory are refused (.., absolute, symlink)', async () => {
    const root = tempDir('kh-dotenv-confine-');
    dirs.push(root);
    const allowed = path.join(root, 'allowed');
    const outside = path.join(root, 'outside');
    mkdirSync(allowed);
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'victim.env'), 'SECRET=outside\n');
    symlinkSync(path.join(outside, 'victim.env'), path.join(allowed, 'link.env'));
    symlinkSync(outside, path.join(allowed, 'linkdir'));
    const { s, admin, dataDir } = await start(backend, {
      KEYHAVEN_PROVIDERS_DOTENV_ENABLED: 'true',
      KEYHAVEN_PROVIDERS_DOTENV_DIRECTORIES: allowed,
    });
    servers.push(s);
    const attempts = [
      path.join(allowed, '..', 'outside', 'victim.env'),
      '../outside/victim.env',
      path.join(outside, 'victim.env'),
      '/etc/passwd',
      path.join(allowed, 'link.env'),
      path.join(allowed, 'linkdir', 'new.env'),
      path.join(dataDir, 'keyhaven.env'),
    ];
    for (const [i, p] of attempts.entries()) {
      const r = await admin('POST', '/providers/configure', { provider_name: 'dotenv', name: `bad-${i}`, config: { path: p } });
      expect(r.status, p).toBe(403);
      expect(r.json.error.code, p).toBe('PROVIDER_PATH_FORBIDDEN');
      expect(r.json.error.message).toContain('providers.dotenv.directories');
    }
    // a legitimate file inside works, and sync writes there
    expect(
      (
        await admin('POST', '/providers/configure', {
          provider_name: 'dotenv',
          name: 'good',
          config: { path: path.join(allowed, 'app.env') },
        })
      ).status,
    ).toBe(201);
    expect((await admin('POST', '/v1/secrets', { name: 'apps/api', value: 'v1' })).status).toBe(201);
    const dest = await admin('POST', '/v1/sync/destinations', {
      id: 'd',
      secret_name: 'apps/api',
      provider_id: 'good',
      template: '{{basename|upper}}',
    });
    expect(dest.status, dest.text).toBeLessThan(300);
    await vi.waitFor(
      () => expect(existsSync(path.join(allowed, 'app.env')) && readFileSync(path.join(allowed, 'app.env'), 'utf8')).toContain('API=v1'),
      { timeout: 20_000, interval: 100 },
    );
    expect(readFileSync(path.join(outside, 'victim.env'), 'utf8')).toBe('SECRET=outside\n');
    expect(existsSync(path.join(outside, 'new.env'))).toBe(false);
  });
});

describe.each(backends())('a change of the facts a policy tests is authorized on old and new facts (%s)', (backend) => {
  let s: ServerProcess;
  let root: ReturnType<typeof api>;
  let dev: ReturnType<typeof api>;
  beforeAll(async () => {
    ({ s, root } = await start(backend));
    expect(
      (
        await root('PUT', '/v1/policies/no-prod-reads', {
          rules: [
            { effect: 'allow', actions: ['write', 'list'], paths: ['**'] },
            { effect: 'allow', actions: ['read'], paths: ['**'], environments: ['dev', 'staging'] },
            { effect: 'deny', actions: ['read'], paths: ['**'], environments: ['prod'] },
            { effect: 'deny', actions: ['read'], paths: ['**'], tags: ['pci'] },
          ],
        })
      ).status,
    ).toBe(200);
    expect((await root('PUT', '/v1/roles/writer', { policies: ['no-prod-reads'] })).status).toBe(200);
    const t = await root('POST', '/v1/tokens', { name: 'writer', role: 'writer', kind: 'personal', ttl_seconds: 3600 });
    dev = api(s.url, t.json.token as string);
    expect((await root('POST', '/v1/secrets', { name: 'apps/db', value: 'prod-password', environment: 'prod' })).status).toBe(201);
    expect((await root('POST', '/v1/secrets', { name: 'apps/cache', value: 'dev-value', environment: 'dev' })).status).toBe(201);
    expect(
      (await root('POST', '/v1/secrets', { name: 'apps/card', value: 'card-key', environment: 'dev', tags: ['pci', 'payments'] })).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('PATCH prod → dev then read is refused with FORBIDDEN_FACTS_CHANGE; the secret stays prod and unread', async () => {
    expect((await dev('GET', '/v1/secrets/apps/db')).status).toBe(403);
    const move = await dev('PATCH', '/v1/secrets/apps/db', { environment: 'dev' });
    expect(move.status, move.text).toBe(403);
    expect(move.json.error.code).toBe('FORBIDDEN_FACTS_CHANGE');
    expect(move.json.error.message).toMatch(/"read"/);
    const read = await dev('GET', '/v1/secrets/apps/db');
    expect(read.status).toBe(403);
    expect(read.text).not.toContain('prod-password');
    expect((await root('GET', '/v1/secrets/apps/db:describe')).json.environment).toBe('prod');
    // dropping a tag that a deny tests is the same attack
    const untag = await dev('PATCH', '/v1/secrets/apps/card', { tags: ['payments'] });
    expect(untag.status, untag.text).toBe(403);
    expect(untag.json.error.code).toBe('FORBIDDEN_FACTS_CHANGE');
    expect((await dev('GET', '/v1/secrets/apps/card')).status).toBe(403);
    expect((await root('GET', '/v1/secrets/apps/card:describe')).json.tags).toEqual(['payments', 'pci']);
    // clearing the environment gives no read here (reads are allowed on dev and staging only): allowed
    expect((await dev('PATCH', '/v1/secrets/apps/db', { environment: null })).status).toBe(200);
    expect((await dev('GET', '/v1/secrets/apps/db')).status).toBe(403);
    expect((await dev('PATCH', '/v1/secrets/apps/db', { environment: 'dev' })).json.error.code).toBe('FORBIDDEN_FACTS_CHANGE');
    // a PATCH that leaves environment and tags alone is not a change of facts
    expect((await dev('PATCH', '/v1/secrets/apps/db', { description: 'the prod database' })).status).toBe(200);
  });

  it('a legitimate change still works: dev → staging (no new action), and prod gains nothing by staying', async () => {
    const r = await dev('PATCH', '/v1/secrets/apps/cache', { environment: 'staging', tags: ['team-a'] });
    expect(r.status, r.text).toBe(200);
    expect(r.json.environment).toBe('staging');
    expect((await dev('GET', '/v1/secrets/apps/cache')).json.value).toBe('dev-value');
    // dev → prod loses read, gains nothing: allowed
    const down = await dev('PATCH', '/v1/secrets/apps/cache', { environment: 'prod' });
    expect(down.status, down.text).toBe(200);
    expect((await dev('GET', '/v1/secrets/apps/cache')).status).toBe(403);
    // the root token (built-in admin) changes anything
    expect((await root('PATCH', '/v1/secrets/apps/cache', { environment: 'dev' })).status).toBe(200);
  });
});
