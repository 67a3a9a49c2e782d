// Tests the AWS KMS KEK source against moto's KMS: round trip, aad binding, wrong key, and a KMS
// endpoint that is down.
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test/support/providers/provider-conformance.js';
import { motoSkipReason, startMoto, type Moto } from '../../../test/support/providers/moto.js';
import { createAwsKmsKekSource } from './aws-kms.js';
import { awsKmsConfigSchema } from './aws-kms-definition.js';

const skip = motoSkipReason();
// A fresh object each time: the SDK annotates credential objects it is given.
const creds = () => ({ accessKeyId: 'test', secretAccessKey: 'test' });

describe.skipIf(!!skip)(`aws-kms KEK source (moto)${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let moto: Moto;
  let keyA = '';
  let keyB = '';
  beforeAll(async () => {
    moto = await startMoto();
    const kms = new KMSClient({ region: 'us-east-1', endpoint: moto.url, credentials: creds() });
    keyA = (await kms.send(new CreateKeyCommand({ Description: 'a' }))).KeyMetadata!.KeyId!;
    keyB = (await kms.send(new CreateKeyCommand({ Description: 'b' }))).KeyMetadata!.KeyId!;
    kms.destroy();
  });
  afterAll(async () => moto?.stop());
  const source = (keyId: string, endpoint = moto.url) =>
    createAwsKmsKekSource(awsKmsConfigSchema.parse({ keyId, region: 'us-east-1', endpoint, ...creds(), timeoutMs: 3000 }));

  it('wraps and unwraps with the same aad', async () => {
    const kek = randomBytes(32);
    const s = source(keyA);
    const wrapped = await s.wrap(kek, 'keyring:tenant-1:v1');
    expect(wrapped).toMatch(/^aws-kms:v1:[A-Za-z0-9+/=]+$/);
    expect(wrapped).not.toContain(kek.toString('base64'));
    expect(await s.unwrap(wrapped, 'keyring:tenant-1:v1')).toEqual(kek);
  });

  it('a different aad or a different key fails with MASTER_KEY_INVALID', async () => {
    const wrapped = await source(keyA).wrap(randomBytes(32), 'aad-1');
    await expect(source(keyA).unwrap(wrapped, 'aad-2')).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
    await expect(source(keyA).unwrap('garbage', 'aad-1')).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
    // A different key: AWS answers IncorrectKeyException (MASTER_KEY_INVALID); moto 5.2.1 answers
    // AccessDeniedException, which maps to KEK_SOURCE_AUTH_FAILED. Either way nothing is unwrapped.
    await expect(source(keyB).unwrap(wrapped, 'aad-1')).rejects.toMatchObject({ code: 'KEK_SOURCE_AUTH_FAILED' });
  });

  it('KMS down is KEK_SOURCE_UNAVAILABLE with a clear message', async () => {
    const s = source(keyA, `http://127.0.0.1:${await closedPort()}`);
    const err = await s.wrap(randomBytes(32), 'x').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KEK_SOURCE_UNAVAILABLE', message: expect.stringContaining('could not reach KMS') });
  });
});
