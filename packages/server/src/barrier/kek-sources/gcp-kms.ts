// The Google Cloud KMS KEK source: small keys are wrapped with Cloud KMS Encrypt/Decrypt on a
// symmetric CryptoKey, bound to `aad` through additionalAuthenticatedData.
// Imports the Google/gRPC SDKs, so only gcp-kms-definition.ts's create loads it (lazily); the schema lives there.
import * as grpc from '@grpc/grpc-js';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { fail, type KeyhavenError } from '../../lib/errors.js';
import type { KekSource } from '../kek-source.js';
import { GCP_KMS_KIND } from './gcp-kms-constants.js';
import type { GcpKmsConfig } from './gcp-kms-definition.js';

// Re-exported so existing importers of this module keep working (types erased, constants from
// gcp-kms-constants.js); the schemas and the definition object are in gcp-kms-definition.js.
export type { GcpKmsConfig } from './gcp-kms-definition.js';

const KIND = GCP_KMS_KIND;
const PREFIX = 'gcp-kms:v1:';

const mapError = (e: unknown, where: string, unwrapping: boolean): KeyhavenError => {
  const code = (e as { code?: unknown })?.code;
  // google.rpc.Code: 3 INVALID_ARGUMENT (bad ciphertext or aad), 7/16 auth, 5 key missing, 4/14 unreachable
  if (unwrapping && code === 3)
    return fail(
      'MASTER_KEY_INVALID',
      'gcp-kms: the wrapped key does not open with this CryptoKey and aad; start with the key the store was created with.',
      { kind: KIND },
    );
  if (code === 7 || code === 16 || code === 5 || code === 9)
    return fail(
      'KEK_SOURCE_AUTH_FAILED',
      `gcp-kms: Cloud KMS refused to use the key (gRPC code ${code}); check the credential, IAM role and key state.`,
      { kind: KIND, grpcCode: code },
    );
  if (code === 14 || code === 4)
    return fail('KEK_SOURCE_UNAVAILABLE', `gcp-kms: could not reach Cloud KMS at ${where}; check the endpoint and network.`, {
      kind: KIND,
      grpcCode: code,
    });
  return fail('KEK_SOURCE_UNAVAILABLE', `gcp-kms: Cloud KMS refused the request (gRPC code ${String(code ?? 'unknown')}).`, {
    kind: KIND,
    ...(typeof code === 'number' ? { grpcCode: code } : {}),
  });
};

export const createGcpKmsKekSource = (config: GcpKmsConfig): KekSource => {
  const client = new KeyManagementServiceClient({
    ...(config.apiEndpoint ? { apiEndpoint: config.apiEndpoint } : {}),
    ...(config.port ? { port: config.port } : {}),
    ...(config.insecure
      ? { sslCreds: grpc.credentials.createInsecure() }
      : config.accessToken
        ? { sslCreds: grpc.credentials.createSsl() }
        : {}),
    ...(config.keyFilename ? { keyFilename: config.keyFilename } : {}),
  });
  const where = `${config.apiEndpoint ?? 'cloudkms.googleapis.com'}${config.port ? `:${config.port}` : ''}`;
  const opts = () => ({
    timeout: config.timeoutMs,
    retry: null,
    ...(config.accessToken ? { otherArgs: { headers: { authorization: `Bearer ${config.accessToken}` } } } : {}),
  });
  const aadBytes = (aad: string) => Buffer.from(aad, 'utf8');
  return {
    kind: KIND,
    describe: `Cloud KMS key ${config.keyName}`,
    async wrap(plaintext, aad) {
      try {
        const [r] = await client.encrypt({ name: config.keyName, plaintext, additionalAuthenticatedData: aadBytes(aad) }, opts());
        return PREFIX + Buffer.from(r.ciphertext as Uint8Array).toString('base64');
      } catch (e) {
        throw mapError(e, where, false);
      }
    },
    async unwrap(wrapped, aad) {
      if (!wrapped.startsWith(PREFIX))
        throw fail('MASTER_KEY_INVALID', 'gcp-kms: this wrapped key was not made by the gcp-kms KEK source.', { kind: KIND });
      try {
        const [r] = await client.decrypt(
          {
            name: config.keyName,
            ciphertext: Buffer.from(wrapped.slice(PREFIX.length), 'base64'),
            additionalAuthenticatedData: aadBytes(aad),
          },
          opts(),
        );
        return Buffer.from(r.plaintext as Uint8Array);
      } catch (e) {
        throw mapError(e, where, true);
      }
    },
    async close() {
      await client.close();
    },
  };
};
