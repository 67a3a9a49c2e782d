// Runs the provider conformance suite on Azure Key Vault against the local fake (challenge flow,
// real HTTP) driven by @azure/keyvault-secrets, and against a real vault when configured; plus name mapping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, runProviderConformance } from '../../../test/support/providers/provider-conformance.js';
import { startFakeAzureKv, type FakeAzureKv } from '../../../test/support/providers/fake-azure-kv.js';
import { azureKvCapabilities, createAzureKvProvider } from './azure-kv-provider.js';
import { azureKvConfigSchema } from './azure-kv-definition.js';

const tokenCredential = (token: string) => ({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600e3 }) });
const local = (vaultUrl: string, extra: Record<string, unknown> = {}) =>
  azureKvConfigSchema.parse({
    vaultUrl,
    allowInsecureConnection: true,
    disableChallengeResourceVerification: true,
    maxRetries: 1,
    timeoutMs: 4000,
    ...extra,
  });
let fake: FakeAzureKv;

runProviderConformance('azure-kv (local fake)', {
  capabilities: azureKvCapabilities,
  start: async () => {
    fake = await startFakeAzureKv();
    fake.pageSize = 3; // exercise nextLink paging in list and describe
  },
  stop: async () => fake.close(),
  provider: async () => createAzureKvProvider(local(fake.url), tokenCredential(fake.token)),
  unavailable: async () => createAzureKvProvider(local(`http://127.0.0.1:${await closedPort()}`), tokenCredential('x')),
  badCredential: async () => createAzureKvProvider(local(fake.url), tokenCredential('wrong')),
});

const realVault = process.env.KEYHAVEN_TEST_AZURE_VAULT_URL;
const { AZURE_TENANT_ID: tenantId, AZURE_CLIENT_ID: clientId, AZURE_CLIENT_SECRET: clientSecret } = process.env;
runProviderConformance(
  'azure-kv (real vault)',
  realVault && tenantId && clientId && clientSecret
    ? {
        capabilities: azureKvCapabilities,
        provider: async () =>
          createAzureKvProvider(azureKvConfigSchema.parse({ vaultUrl: realVault }), { tenantId, clientId, clientSecret }),
        badCredential: async () =>
          createAzureKvProvider(azureKvConfigSchema.parse({ vaultUrl: realVault }), { tenantId, clientId, clientSecret: 'wrong' }),
      }
    : {
        skip: 'set KEYHAVEN_TEST_AZURE_VAULT_URL with AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET to run against a real vault',
      },
);

describe('azure-kv names, versions and challenge', () => {
  let kv: FakeAzureKv;
  beforeAll(async () => {
    kv = await startFakeAzureKv('tok');
  });
  afterAll(async () => kv.close());
  const provider = () => createAzureKvProvider(local(kv.url), tokenCredential('tok'));

  it('maps "/" and "_" to "-" and lists by the Keyhaven name', async () => {
    const p = provider();
    await p.create('app/db_pass', 'v1');
    expect(kv.requests).toContain('PUT /secrets/app-db-pass');
    expect(await p.list('app/')).toEqual(['app/db_pass']);
    expect((await p.read('app/db_pass')).value).toBe('v1');
  });

  it('refuses a second name that maps to the same Azure secret, never overwriting it', async () => {
    const p = provider();
    await p.create('svc/token', 'owner');
    for (const other of ['svc_token', 'svc-token', 'SVC/token']) {
      await expect(p.write(other, 'intruder')).rejects.toMatchObject({ code: 'PROVIDER_NAME_COLLISION' });
      await expect(p.read(other)).rejects.toMatchObject({ code: 'PROVIDER_NAME_COLLISION' });
    }
    expect((await p.read('svc/token')).value).toBe('owner');
  });

  it('rejects names Azure cannot hold', async () => {
    await expect(provider().read('has.dot')).rejects.toMatchObject({ code: 'PROVIDER_NAME_INVALID' });
    await expect(provider().read('x'.repeat(128))).rejects.toMatchObject({ code: 'PROVIDER_NAME_INVALID' });
  });

  it('disables and re-enables a version', async () => {
    const p = provider();
    const a = await p.create('toggle', 'old');
    await p.write('toggle', 'new');
    await p.setVersionEnabled!('toggle', a.version, false);
    await expect(p.read('toggle', { version: a.version })).rejects.toMatchObject({ code: 'PROVIDER_SECRET_NOT_FOUND' });
    expect((await p.describe('toggle')).versions?.find((v) => v.version === a.version)?.enabled).toBe(false);
    await p.setVersionEnabled!('toggle', a.version, true);
    expect((await p.read('toggle', { version: a.version })).value).toBe('old');
  });

  it('answers the 401 challenge and then sends the bearer token', async () => {
    const fresh = await startFakeAzureKv('tok2');
    try {
      const p = createAzureKvProvider(local(fresh.url), tokenCredential('tok2'));
      await p.testConnection();
      expect(fresh.requests.filter((r) => r === 'GET /secrets').length).toBe(2); // challenge, then with token
    } finally {
      await fresh.close();
    }
  });
});
