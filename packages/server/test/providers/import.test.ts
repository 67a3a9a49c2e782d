// Import through HTTP on every backend: a dry run reports created/updated/unchanged/skipped and
// writes nothing; applying creates and (with overwrite) updates; values never appear in the report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startFakeVault, type FakeVault } from '../support/providers/fake-vault.js';
import { startMoto, motoSkipReason, type Moto } from '../support/providers/moto.js';
import { createProvider } from '../../src/providers/provider-registry.js';

describe.each(backends())('import (%s)', (backend) => {
  let s: TestServer;
  let vault: FakeVault;
  let moto: Moto | undefined;

  beforeAll(async () => {
    vault = await startFakeVault();
    if (!motoSkipReason()) moto = await startMoto();
    s = await startTestServer(backend);
    await s.call('POST', '/providers/configure', {
      body: { provider_name: 'vault', config: { address: vault.url, token: vault.rootToken } },
    });
    const v = await createProvider('vault', { address: vault.url }, { token: vault.rootToken });
    for (let i = 0; i < 5; i++) await v.write(`legacy/app-${i}`, `legacy-value-${i}`);
    await v.write('legacy/bad name!', 'x');
    await s.call('PUT', '/v1/secrets/migrated/legacy/app-0', { body: { value: 'legacy-value-0' } });
    await s.call('PUT', '/v1/secrets/migrated/legacy/app-1', { body: { value: 'kept-locally' } });
  });
  afterAll(async () => {
    await s?.close();
    await Promise.all([vault?.close(), moto?.stop()]);
  });

  const imp = (body: Record<string, unknown>, id = 'vault') => s.call('POST', `/v1/providers/${id}/import`, { body });

  it('dry run lists what would change and writes nothing', async () => {
    const r = await imp({ prefix: 'legacy/', dry_run: true, target_prefix: 'migrated/' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      dry_run: true,
      created: ['migrated/legacy/app-2', 'migrated/legacy/app-3', 'migrated/legacy/app-4'],
      unchanged: ['migrated/legacy/app-0'],
      counts: { created: 3, updated: 0, unchanged: 1, skipped: 2 },
    });
    expect(r.body.skipped.map((x: { remote_name: string }) => x.remote_name).sort()).toEqual(['legacy/app-1', 'legacy/bad name!']);
    expect(r.text).not.toMatch(/legacy-value|kept-locally/);
    expect((await s.call('GET', '/v1/secrets/migrated/legacy/app-2')).status).toBe(404);
  });

  it('applies, and overwrite replaces differing values', async () => {
    const r = await imp({ prefix: 'legacy/', dry_run: false, target_prefix: 'migrated/' });
    expect(r.body.counts).toEqual({ created: 3, updated: 0, unchanged: 1, skipped: 2 });
    expect((await s.call('GET', '/v1/secrets/migrated/legacy/app-3')).body.value).toBe('legacy-value-3');
    expect((await s.call('GET', '/v1/secrets/migrated/legacy/app-1')).body.value).toBe('kept-locally');
    const o = await imp({ prefix: 'legacy/', dry_run: false, overwrite: true, target_prefix: 'migrated/' });
    expect(o.body).toMatchObject({ updated: ['migrated/legacy/app-1'], counts: { created: 0, updated: 1, unchanged: 4, skipped: 1 } });
    expect((await s.call('GET', '/v1/secrets/migrated/legacy/app-1')).body.value).toBe('legacy-value-1');
  });

  it.skipIf(Boolean(motoSkipReason()))('imports from AWS Secrets Manager on moto', async () => {
    await s.call('POST', '/providers/configure', {
      body: { provider_name: 'aws', config: { region: 'us-east-1', endpoint: moto!.url, access_key_id: 'a', secret_access_key: 'b' } },
    });
    const a = await createProvider('aws-sm', { region: 'us-east-1', endpoint: moto!.url }, { accessKeyId: 'a', secretAccessKey: 'b' });
    await a.create('prod/api-key', 'k-1');
    await a.create('prod/db', JSON.stringify({ u: 'x', p: 'y' }));
    const dry = await imp({ prefix: 'prod/', dry_run: true }, 'aws');
    expect(dry.body.created).toEqual(['prod/api-key', 'prod/db']);
    await imp({ prefix: 'prod/', dry_run: false }, 'aws');
    expect((await s.call('GET', '/v1/secrets/prod/api-key')).body.value).toBe('k-1');
  });

  it('unknown provider is not found', async () => {
    expect((await imp({ dry_run: true }, 'nope')).body.error.code).toBe('PROVIDER_CONFIG_NOT_FOUND');
  });
});
