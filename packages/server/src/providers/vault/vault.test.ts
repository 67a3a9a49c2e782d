// Runs the provider conformance suite on the Vault provider against the local fake Vault (and a real
// Vault when KEYHAVEN_TEST_VAULT_ADDR/TOKEN are set), plus AppRole, namespace and path-listing tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, runProviderConformance } from '../../../test/support/providers/provider-conformance.js';
import { startHttp } from '../../../test/support/providers/http-fake.js';
import { startFakeVault, type FakeVault } from '../../../test/support/providers/fake-vault.js';
import { createVaultProvider, vaultCapabilities, vaultConfigSchema } from './vault-provider.js';

let fake: FakeVault;
const cfg = (address: string, extra: Record<string, unknown> = {}) => vaultConfigSchema.parse({ address, timeoutMs: 3000, ...extra });

runProviderConformance('vault (local fake)', {
  capabilities: vaultCapabilities,
  start: async () => {
    fake = await startFakeVault();
  },
  stop: async () => fake.close(),
  provider: async () => createVaultProvider(cfg(fake.url), { token: fake.rootToken }),
  unavailable: async () => createVaultProvider(cfg(`http://127.0.0.1:${await closedPort()}`), { token: 'x' }),
  badCredential: async () => createVaultProvider(cfg(fake.url), { token: 'hvs.wrong' }),
  name: (parts) => parts.join('/'),
});

const realAddr = process.env.KEYHAVEN_TEST_VAULT_ADDR;
const realToken = process.env.KEYHAVEN_TEST_VAULT_TOKEN;
runProviderConformance(
  'vault (real)',
  realAddr && realToken
    ? {
        capabilities: vaultCapabilities,
        provider: async () =>
          createVaultProvider(
            cfg(realAddr, {
              mount: process.env.KEYHAVEN_TEST_VAULT_MOUNT ?? 'secret',
              namespace: process.env.KEYHAVEN_TEST_VAULT_NAMESPACE,
            }),
            { token: realToken },
          ),
        badCredential: async () => createVaultProvider(cfg(realAddr), { token: 'hvs.wrong-token' }),
        name: (parts) => parts.join('/'),
      }
    : { skip: 'set KEYHAVEN_TEST_VAULT_ADDR and KEYHAVEN_TEST_VAULT_TOKEN to run against a real Vault' },
);

describe('vault provider specifics', () => {
  let v: FakeVault;
  beforeAll(async () => {
    v = await startFakeVault({ namespace: 'team-a' });
  });
  afterAll(async () => v.close());

  it('logs in with AppRole and sends the namespace header', async () => {
    const p = createVaultProvider(cfg(v.url, { namespace: 'team-a' }), { roleId: v.approle.roleId, secretId: v.approle.secretId });
    await p.write('app/db', 's3cret');
    expect((await p.read('app/db')).value).toBe('s3cret');
    expect(v.requests.some((r) => r.path === '/v1/auth/approle/login')).toBe(true);
    expect(v.requests.filter((r) => r.path.includes('/data/')).every((r) => r.namespace === 'team-a')).toBe(true);
  });

  it('a wrong AppRole secret id is PROVIDER_AUTH_FAILED; a wrong namespace is denied', async () => {
    const bad = createVaultProvider(cfg(v.url, { namespace: 'team-a' }), { roleId: v.approle.roleId, secretId: 'nope' });
    await expect(bad.read('app/db')).rejects.toMatchObject({ code: 'PROVIDER_AUTH_FAILED' });
    const wrongNs = createVaultProvider(cfg(v.url, { namespace: 'team-b' }), { token: v.rootToken });
    await expect(wrongNs.read('app/db')).rejects.toMatchObject({ code: 'PROVIDER_AUTH_FAILED' });
  });

  it('lists nested paths under a prefix, across folders, and honours pathPrefix', async () => {
    const p = createVaultProvider(cfg(v.url, { namespace: 'team-a', pathPrefix: 'kh/' }), { token: v.rootToken });
    await p.write('svc/a', '1');
    await p.write('svc/deep/b', '2');
    await p.write('svcx', '3');
    await p.write('other/c', '4');
    expect(await p.list('svc/')).toEqual(['svc/a', 'svc/deep/b']);
    expect(await p.list('svc')).toEqual(['svc/a', 'svc/deep/b', 'svcx']);
    expect(await p.list()).toEqual(['other/c', 'svc/a', 'svc/deep/b', 'svcx']);
  });

  it('rejects "." and ".." path segments before sending', async () => {
    const p = createVaultProvider(cfg(v.url), { token: v.rootToken });
    await expect(p.read('a/../b')).rejects.toMatchObject({ code: 'PROVIDER_NAME_INVALID' });
  });

  it('retries 429 (rate limit quota) with backoff, then gives up with PROVIDER_THROTTLED', async () => {
    let calls = 0;
    let limit = 2;
    const server = await startHttp((_req, res) => {
      calls++;
      if (calls <= limit)
        return void res
          .writeHead(429, { 'content-type': 'application/json' })
          .end('{"errors":["request path \\"x\\": rate limit quota exceeded"]}');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');
    });
    try {
      const p = createVaultProvider(cfg(server.url), { token: 't' });
      await expect(p.testConnection()).resolves.toMatchObject({ ok: true });
      expect(calls).toBe(3);
      calls = 0;
      limit = 100;
      await expect(p.testConnection()).rejects.toMatchObject({ code: 'PROVIDER_THROTTLED' });
      expect(calls).toBe(5);
    } finally {
      await server.close();
    }
  });
});
