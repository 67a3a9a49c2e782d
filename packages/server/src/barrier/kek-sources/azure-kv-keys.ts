// The Azure Key Vault keys KEK source: small keys are wrapped with wrapKey/unwrapKey (RSA-OAEP-256)
// on a Key Vault RSA key. RSA wrap has no AAD, so `sha256(aad) || key` is wrapped and checked on unwrap.
// Imports the Azure SDKs, so only azure-kv-keys-definition.ts's create loads it (lazily); the schema lives there.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { CryptographyClient } from '@azure/keyvault-keys';
import { fail, type KeyhavenError } from '../../lib/errors.js';
import type { KekSource } from '../kek-source.js';
import { AZURE_KV_KEYS_KIND } from './azure-kv-keys-constants.js';
import type { AzureKvKeysConfig } from './azure-kv-keys-definition.js';

// Re-exported so existing importers of this module keep working (types erased, constants from
// azure-kv-keys-constants.js); the schemas and the definition object are in azure-kv-keys-definition.js.
export type { AzureKvKeysConfig } from './azure-kv-keys-definition.js';

const KIND = AZURE_KV_KEYS_KIND;
const PREFIX = 'azure-kv-keys:v1:';
const ALG = 'RSA-OAEP-256';
const CREDENTIAL_ERRORS = new Set(['AuthenticationError', 'CredentialUnavailableError', 'AggregateAuthenticationError']);
const NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'REQUEST_SEND_ERROR']);

const mapError = (e: unknown, keyId: string, unwrapping: boolean): KeyhavenError => {
  const err = (e ?? {}) as { name?: string; statusCode?: number; code?: string };
  if (CREDENTIAL_ERRORS.has(err.name ?? ''))
    return fail('KEK_SOURCE_AUTH_FAILED', 'azure-kv-keys: could not get a token for Key Vault; check the tenant, client id and secret.', {
      kind: KIND,
      azureError: err.name,
    });
  if (unwrapping && err.statusCode === 400)
    return fail(
      'MASTER_KEY_INVALID',
      'azure-kv-keys: the wrapped key does not open with this Key Vault key; start with the key the store was created with.',
      { kind: KIND },
    );
  if (err.statusCode === 401 || err.statusCode === 403 || err.statusCode === 404)
    return fail(
      'KEK_SOURCE_AUTH_FAILED',
      `azure-kv-keys: Key Vault refused to use ${keyId} (HTTP ${err.statusCode}); check the key exists and the identity may wrap and unwrap with it.`,
      { kind: KIND, status: err.statusCode },
    );
  if (err.statusCode === undefined && (NET.has(err.code ?? '') || err.name === 'AbortError'))
    return fail('KEK_SOURCE_UNAVAILABLE', `azure-kv-keys: could not reach Key Vault for ${keyId}; check the vault URL and network.`, {
      kind: KIND,
    });
  return fail(
    'KEK_SOURCE_UNAVAILABLE',
    `azure-kv-keys: Key Vault refused the request${err.statusCode ? ` (HTTP ${err.statusCode})` : ''}; retry later.`,
    { kind: KIND, ...(err.statusCode ? { status: err.statusCode } : {}) },
  );
};

const aadHash = (aad: string) => createHash('sha256').update(aad, 'utf8').digest();

/** `credential` overrides the one built from config (tests pass a static token credential). */
export const createAzureKvKeysKekSource = (config: AzureKvKeysConfig, credential?: TokenCredential): KekSource => {
  const authorityHost = config.authorityHost ? { authorityHost: config.authorityHost } : {};
  const cred =
    credential ??
    (config.clientSecret
      ? new ClientSecretCredential(config.tenantId!, config.clientId!, config.clientSecret, authorityHost)
      : new DefaultAzureCredential(authorityHost));
  const client = new CryptographyClient(config.keyId, cred, {
    allowInsecureConnection: config.allowInsecureConnection,
    disableChallengeResourceVerification: config.disableChallengeResourceVerification,
    retryOptions: { maxRetries: config.maxRetries, retryDelayInMs: 300 },
  });
  return {
    kind: KIND,
    describe: `Azure Key Vault key ${config.keyId}`,
    async wrap(plaintext, aad) {
      try {
        const r = await client.wrapKey(ALG, Buffer.concat([aadHash(aad), plaintext]));
        return PREFIX + Buffer.from(r.result).toString('base64');
      } catch (e) {
        throw mapError(e, config.keyId, false);
      }
    },
    async unwrap(wrapped, aad) {
      if (!wrapped.startsWith(PREFIX))
        throw fail('MASTER_KEY_INVALID', 'azure-kv-keys: this wrapped key was not made by the azure-kv-keys KEK source.', { kind: KIND });
      let out: Buffer;
      try {
        out = Buffer.from((await client.unwrapKey(ALG, Buffer.from(wrapped.slice(PREFIX.length), 'base64'))).result);
      } catch (e) {
        throw mapError(e, config.keyId, true);
      }
      const expected = aadHash(aad);
      if (out.length <= expected.length || !timingSafeEqual(out.subarray(0, expected.length), expected)) {
        throw fail('MASTER_KEY_INVALID', 'azure-kv-keys: the wrapped key is bound to another aad; it belongs to another record or store.', {
          kind: KIND,
        });
      }
      return out.subarray(expected.length);
    },
  };
};
