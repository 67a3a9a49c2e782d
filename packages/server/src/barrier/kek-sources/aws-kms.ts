// The AWS KMS KEK source: the master key never leaves KMS; small keys are wrapped with
// Encrypt/Decrypt and bound to `aad` through the EncryptionContext.
// Imports the AWS SDK, so only aws-kms-definition.ts's create loads it (lazily); the schema lives there.
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { fail, type KeyhavenError } from '../../lib/errors.js';
import type { KekSource } from '../kek-source.js';
import { AWS_KMS_KIND } from './aws-kms-constants.js';
import type { AwsKmsConfig } from './aws-kms-definition.js';

// Re-exported so existing importers of this module keep working (types erased, constants from
// aws-kms-constants.js); the schemas and the definition object are in aws-kms-definition.js.
export type { AwsKmsConfig } from './aws-kms-definition.js';

const KIND = AWS_KMS_KIND;
const PREFIX = 'aws-kms:v1:';
const CONTEXT_KEY = 'keyhaven:aad';
const NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'TimeoutError']);
const AUTH = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'AccessDeniedException',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'KMSInvalidStateException',
  'DisabledException',
  'NotFoundException',
]);

const mapError = (e: unknown, where: string, unwrapping: boolean): KeyhavenError => {
  const err = e as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = err?.name ?? 'Error';
  if (unwrapping && (name === 'InvalidCiphertextException' || name === 'IncorrectKeyException'))
    return fail(
      'MASTER_KEY_INVALID',
      'aws-kms: the wrapped key does not open with this KMS key and context; start with the key the store was created with.',
      { kind: KIND },
    );
  if (AUTH.has(name) || err?.$metadata?.httpStatusCode === 403)
    return fail(
      'KEK_SOURCE_AUTH_FAILED',
      `aws-kms: KMS refused to use the key (${name}); check the credential, key policy and key state.`,
      { kind: KIND, awsError: name },
    );
  if (NET.has(name) || NET.has(err?.code ?? '') || (err?.$metadata?.httpStatusCode ?? 0) >= 500)
    return fail('KEK_SOURCE_UNAVAILABLE', `aws-kms: could not reach KMS at ${where}; check the region, endpoint and network.`, {
      kind: KIND,
      awsError: name,
    });
  return fail('KEK_SOURCE_UNAVAILABLE', `aws-kms: KMS refused the request (${name}).`, { kind: KIND, awsError: name });
};

export const createAwsKmsKekSource = (config: AwsKmsConfig): KekSource => {
  const client = new KMSClient({
    region: config.region,
    endpoint: config.endpoint,
    credentials: config.accessKeyId
      ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey!, sessionToken: config.sessionToken }
      : undefined,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: Math.min(5000, config.timeoutMs), requestTimeout: config.timeoutMs },
  });
  const where = config.endpoint ?? config.region;
  const context = (aad: string) => ({ [CONTEXT_KEY]: aad });
  return {
    kind: KIND,
    describe: `AWS KMS key ${config.keyId} in ${config.region}`,
    async wrap(plaintext, aad) {
      try {
        const r = await client.send(new EncryptCommand({ KeyId: config.keyId, Plaintext: plaintext, EncryptionContext: context(aad) }));
        return PREFIX + Buffer.from(r.CiphertextBlob!).toString('base64');
      } catch (e) {
        throw mapError(e, where, false);
      }
    },
    async unwrap(wrapped, aad) {
      if (!wrapped.startsWith(PREFIX))
        throw fail('MASTER_KEY_INVALID', 'aws-kms: this wrapped key was not made by the aws-kms KEK source.', { kind: KIND });
      try {
        const r = await client.send(
          new DecryptCommand({
            KeyId: config.keyId,
            CiphertextBlob: Buffer.from(wrapped.slice(PREFIX.length), 'base64'),
            EncryptionContext: context(aad),
          }),
        );
        return Buffer.from(r.Plaintext!);
      } catch (e) {
        throw mapError(e, where, true);
      }
    },
    async close() {
      client.destroy();
    },
  };
};
