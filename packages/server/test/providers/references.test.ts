// Provider references through HTTP: aws-sm (moto), gcp-sm, vault, k8s, dotenv and env references
// read through configured providers, provider choice and ambiguity, and the in-memory cache.
import '../support/providers/gcp-env.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startMoto, motoSkipReason, type Moto } from '../support/providers/moto.js';
import { startFakeVault, type FakeVault } from '../support/providers/fake-vault.js';
import { startFakeK8s, type FakeK8s } from '../support/providers/fake-k8s.js';
import { startFakeGcpSm, type FakeGcpSm } from '../support/providers/fake-gcp-sm.js';
import { createProvider } from '../../src/providers/provider-registry.js';

describe('references', () => {
  let s: TestServer;
  let moto: Moto | undefined;
  let vault: FakeVault;
  let k8s: FakeK8s;
  let gcp: FakeGcpSm;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-ref-'));
  const envFile = path.join(dir, 'app.env');
  const vaultDirect = () => createProvider('vault', { address: vault.url }, { token: vault.rootToken });

  beforeAll(async () => {
    if (!motoSkipReason()) moto = await startMoto();
    [vault, k8s, gcp] = await Promise.all([startFakeVault(), startFakeK8s(), startFakeGcpSm()]);
    s = await startTestServer('sqlite', {
      config: { providers: { env: { enabled: true, allow: ['KH_REF_*'] }, dotenv: { enabled: true, directories: [dir] } } },
    });
    writeFileSync(envFile, 'DB_URL=postgres://x\nAPI_KEY=abc123\n');
    process.env.KH_REF_TOKEN = 'from-env';
    const configs = [
      { provider_name: 'vault', config: { address: vault.url, token: vault.rootToken } },
      { provider_name: 'k8s', config: { source: 'explicit', server: k8s.url, namespace: 'apps', token: k8s.token, skip_tls_verify: true } },
      {
        provider_name: 'gcp',
        config: { project_id: 'kh-test', api_endpoint: '127.0.0.1', port: gcp.port, insecure: true, access_token: gcp.token },
      },
      { provider_name: 'dotenv', config: { path: envFile } },
      { provider_name: 'env', config: {} },
      ...(moto
        ? [{ provider_name: 'aws', config: { region: 'us-east-1', endpoint: moto.url, access_key_id: 'AKID', secret_access_key: 'sk' } }]
        : []),
    ];
    for (const body of configs) expect((await s.call('POST', '/providers/configure', { body })).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    delete process.env.KH_REF_TOKEN;
    await Promise.all([moto?.stop(), vault?.close(), k8s?.close(), gcp?.close()]);
  });

  const ref = (r: string, extra = '') => s.call('GET', `/v1/references?ref=${encodeURIComponent(r)}${extra}`);

  it('reads vault://mount/path#key and caches until the cache is bypassed', async () => {
    const v = await vaultDirect();
    await v.write('app/db', JSON.stringify({ user: 'app', password: 'pw-1' }));
    const first = await ref('vault://secret/app/db#password');
    expect(first.body).toMatchObject({ provider_id: 'vault', kind: 'vault', value: 'pw-1', cached: false });
    await v.write('app/db', JSON.stringify({ user: 'app', password: 'pw-2' }));
    expect((await ref('vault://secret/app/db#password')).body).toMatchObject({ value: 'pw-1', cached: true });
    expect((await ref('vault://secret/app/db#password', '&cache=false')).body).toMatchObject({ value: 'pw-2', cached: false });
    expect((await ref('vault://secret/app/db#password')).body).toMatchObject({ value: 'pw-2', cached: true });
    const missing = await ref('vault://secret/app/db#nope', '&cache=false');
    expect(missing.body.error.code).toBe('FIELD_NOT_FOUND');
  });

  it('reconfiguring a provider drops its cached values', async () => {
    const v = await vaultDirect();
    await v.write('app/flag', 'on');
    expect((await ref('vault://secret/app/flag')).body.value).toBe('on');
    await v.write('app/flag', 'off');
    await s.call('POST', '/providers/configure', {
      body: { provider_name: 'vault', config: { address: vault.url, token: vault.rootToken, timeout_ms: 5000 } },
    });
    expect((await ref('vault://secret/app/flag')).body).toMatchObject({ value: 'off', cached: false });
  });

  it('reads gcp-sm, k8s, dotenv and env references', async () => {
    const g = await createProvider(
      'gcp-sm',
      { project: 'kh-test', apiEndpoint: '127.0.0.1', port: gcp.port, insecure: true },
      { accessToken: gcp.token },
    );
    const v1 = await g.write('stripe-key', 'sk_1');
    await g.write('stripe-key', 'sk_2');
    expect((await ref('gcp-sm://kh-test/stripe-key')).body.value).toBe('sk_2');
    expect((await ref(`gcp-sm://kh-test/stripe-key#${v1.version}`)).body.value).toBe('sk_1');
    const other = await ref('gcp-sm://other-project/stripe-key');
    expect(other.body.error.code).toBe('PROVIDER_NOT_CONFIGURED');
    const k = await createProvider(
      'k8s',
      { source: 'explicit', server: k8s.url, namespace: 'apps', skipTLSVerify: true },
      { token: k8s.token },
    );
    await k.write('web-tls', JSON.stringify({ cert: 'C', key: 'K' }));
    expect((await ref('k8s://apps/web-tls#key')).body.value).toBe('K');
    expect((await ref(`dotenv://${envFile}#API_KEY`)).body.value).toBe('abc123');
    expect((await ref('env://KH_REF_TOKEN')).body.value).toBe('from-env');
  });

  it.skipIf(Boolean(motoSkipReason()))('reads aws-sm://name#field on moto', async () => {
    const a = await createProvider('aws-sm', { region: 'us-east-1', endpoint: moto!.url }, { accessKeyId: 'AKID', secretAccessKey: 'sk' });
    await a.create('prod/db', JSON.stringify({ username: 'u', password: 'aws-pw' }));
    expect((await ref('aws-sm://prod/db#password')).body).toMatchObject({ provider_id: 'aws', value: 'aws-pw' });
    const nf = await ref('aws-sm://prod/none');
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe('PROVIDER_SECRET_NOT_FOUND');
  });

  it('asks for ?provider when several configurations could serve, and checks the kind of the one chosen', async () => {
    await s.call('POST', '/providers/configure', {
      body: { kind: 'vault', name: 'vault-2', config: { address: vault.url, token: vault.rootToken } },
    });
    expect((await ref('vault://secret/app/db#password', '&cache=false')).body.error.code).toBe('PROVIDER_AMBIGUOUS');
    expect((await ref('vault://secret/app/db#password', '&provider=vault-2')).body).toMatchObject({
      provider_id: 'vault-2',
      value: 'pw-2',
    });
    expect((await ref('vault://secret/app/db', '&provider=dotenv')).body.error.code).toBe('PROVIDER_REFERENCE_INVALID');
    expect((await ref('nope://x')).body.error.code).toBe('PROVIDER_REFERENCE_INVALID');
    await s.call('DELETE', '/v1/providers/vault-2');
  });

  it('needs read access and a tenant that configured the provider', async () => {
    await s.call('POST', '/v1/tenants', { body: { id: 'other', name: 'Other' }, tenant: null });
    expect(
      (await ref('env://KH_REF_TOKEN').then(() => s.call('GET', '/v1/references?ref=env%3A%2F%2FKH_REF_TOKEN', { tenant: 'other' }))).body
        .error.code,
    ).toBe('PROVIDER_NOT_CONFIGURED');
    expect((await s.call('GET', '/v1/references?ref=env%3A%2F%2FKH_REF_TOKEN', { token: '' })).status).toBe(401);
  });
});
