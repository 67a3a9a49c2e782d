// Tests the Azure Key Vault keys KEK source with @azure/keyvault-keys against a local fake doing
// real RSA-OAEP-256: round trip, aad binding via the sha256 prefix, wrong key, wrong token, vault down.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test/support/providers/provider-conformance.js';
import { createAzureKvKeysKekSource } from './azure-kv-keys.js';
import { azureKvKeysConfigSchema } from './azure-kv-keys-definition.js';
import { startFakeAzureKeys } from '../../../test/support/kek-sources/fake-azure-keys.js';

const tokenCredential = (token: string) => ({ getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600e3 }) });

describe('azure-kv-keys KEK source', () => {
  let kv: Awaited<ReturnType<typeof startFakeAzureKeys>>;
  let keyA = '';
  let keyB = '';
  beforeAll(async () => {
    kv = await startFakeAzureKeys();
    keyA = kv.createKey('master-a');
    keyB = kv.createKey('master-b');
  });
  afterAll(async () => kv.close());
  const source = (keyId: string, token = kv.token) =>
    createAzureKvKeysKekSource(
      azureKvKeysConfigSchema.parse({ keyId, allowInsecureConnection: true, disableChallengeResourceVerification: true, maxRetries: 0 }),
      tokenCredential(token),
    );

  it('wraps and unwraps; the aad is bound even though RSA wrap has none', async () => {
    const kek = randomBytes(32);
    const s = source(keyA);
    const wrapped = await s.wrap(kek, 'tenant-1/keyring');
    expect(wrapped.startsWith('azure-kv-keys:v1:')).toBe(true);
    expect(await s.unwrap(wrapped, 'tenant-1/keyring')).toEqual(kek);
    await expect(s.unwrap(wrapped, 'tenant-2/keyring')).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
  });

  it('another key cannot unwrap (MASTER_KEY_INVALID); a wrong token is KEK_SOURCE_AUTH_FAILED', async () => {
    const wrapped = await source(keyA).wrap(randomBytes(32), 'a');
    await expect(source(keyB).unwrap(wrapped, 'a')).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
    await expect(source(keyA, 'wrong').wrap(randomBytes(32), 'a')).rejects.toMatchObject({ code: 'KEK_SOURCE_AUTH_FAILED' });
  });

  it('the vault down is KEK_SOURCE_UNAVAILABLE with a clear message', async () => {
    const down = source(`http://127.0.0.1:${await closedPort()}/keys/master-a/0123456789abcdef0123456789abcdef`);
    await expect(down.wrap(randomBytes(32), 'a')).rejects.toMatchObject({
      code: 'KEK_SOURCE_UNAVAILABLE',
      message: expect.stringContaining('could not reach Key Vault'),
    });
  });
});
