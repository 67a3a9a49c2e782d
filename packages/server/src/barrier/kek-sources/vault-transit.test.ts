// Tests the Vault Transit KEK source against the local fake Vault with a Transit engine: derived-key
// context and associated_data modes, wrong aad, wrong token, AppRole, and Vault down.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test/support/providers/provider-conformance.js';
import { startFakeTransit } from '../../../test/support/kek-sources/fake-transit.js';
import { createVaultTransitKekSource, vaultTransitConfigSchema } from './vault-transit.js';

describe('vault-transit KEK source', () => {
  let vault: Awaited<ReturnType<typeof startFakeTransit>>;
  beforeAll(async () => {
    vault = await startFakeTransit();
    vault.createKey('derived', true);
    vault.createKey('aead', false);
  });
  afterAll(async () => vault.close());
  const source = (extra: Record<string, unknown>) =>
    createVaultTransitKekSource(
      vaultTransitConfigSchema.parse({ address: vault.url, key: 'derived', token: vault.rootToken, timeoutMs: 3000, ...extra }),
    );

  it.each([
    ['derived key with context', { key: 'derived', aadMode: 'context' }],
    ['AEAD key with associated_data', { key: 'aead', aadMode: 'associated_data' }],
  ])('round-trips and binds aad: %s', async (_t, extra) => {
    const kek = randomBytes(32);
    const s = source(extra);
    const wrapped = await s.wrap(kek, 'tenant-a/keyring/1');
    expect(wrapped).toMatch(/^vault:v1:/);
    expect(await s.unwrap(wrapped, 'tenant-a/keyring/1')).toEqual(kek);
    await expect(s.unwrap(wrapped, 'tenant-b/keyring/1')).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
    await expect(s.unwrap('not-a-ciphertext', 'tenant-a/keyring/1')).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
  });

  it('logs in with AppRole', async () => {
    const s = source({ token: undefined, roleId: vault.approle.roleId, secretId: vault.approle.secretId });
    const kek = randomBytes(32);
    expect(await s.unwrap(await s.wrap(kek, 'a'), 'a')).toEqual(kek);
  });

  it('a wrong token is KEK_SOURCE_AUTH_FAILED; Vault down is KEK_SOURCE_UNAVAILABLE', async () => {
    await expect(source({ token: 'hvs.wrong' }).wrap(randomBytes(32), 'a')).rejects.toMatchObject({ code: 'KEK_SOURCE_AUTH_FAILED' });
    const down = source({ address: `http://127.0.0.1:${await closedPort()}` });
    await expect(down.wrap(randomBytes(32), 'a')).rejects.toMatchObject({
      code: 'KEK_SOURCE_UNAVAILABLE',
      message: expect.stringContaining('could not reach Vault'),
    });
  });
});
