// Tests the Cloud KMS KEK source with the official client against a local gRPC fake: round trip,
// aad binding, wrong key, wrong token, and KMS down.
import '../../../test/support/providers/gcp-env.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test/support/providers/provider-conformance.js';
import { createGcpKmsKekSource } from './gcp-kms.js';
import { gcpKmsConfigSchema } from './gcp-kms-definition.js';
import { startFakeGcpKms } from '../../../test/support/kek-sources/fake-gcp-kms.js';

const KEY = 'projects/p/locations/global/keyRings/kh/cryptoKeys/master';

describe('gcp-kms KEK source', () => {
  let kms: Awaited<ReturnType<typeof startFakeGcpKms>>;
  beforeAll(async () => {
    kms = await startFakeGcpKms();
  });
  afterAll(async () => kms.close());
  const source = (extra: Record<string, unknown> = {}) =>
    createGcpKmsKekSource(
      gcpKmsConfigSchema.parse({
        keyName: KEY,
        apiEndpoint: '127.0.0.1',
        port: kms.port,
        insecure: true,
        accessToken: kms.token,
        timeoutMs: 3000,
        ...extra,
      }),
    );

  it('wraps and unwraps with the same aad; another aad or key fails with MASTER_KEY_INVALID', async () => {
    const kek = randomBytes(32);
    const s = source();
    const wrapped = await s.wrap(kek, 'tenant-1/keyring');
    expect(wrapped.startsWith('gcp-kms:v1:')).toBe(true);
    expect(await s.unwrap(wrapped, 'tenant-1/keyring')).toEqual(kek);
    await expect(s.unwrap(wrapped, 'tenant-2/keyring')).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
    await expect(source({ keyName: `${KEY}-other` }).unwrap(wrapped, 'tenant-1/keyring')).rejects.toMatchObject({
      code: 'MASTER_KEY_INVALID',
    });
    await s.close?.();
  });

  it('a wrong token is KEK_SOURCE_AUTH_FAILED; KMS down is KEK_SOURCE_UNAVAILABLE', async () => {
    await expect(source({ accessToken: 'wrong' }).wrap(randomBytes(32), 'a')).rejects.toMatchObject({ code: 'KEK_SOURCE_AUTH_FAILED' });
    const down = source({ port: await closedPort() });
    await expect(down.wrap(randomBytes(32), 'a')).rejects.toMatchObject({
      code: 'KEK_SOURCE_UNAVAILABLE',
      message: expect.stringContaining('could not reach Cloud KMS'),
    });
  });
});
