// Maps Azure SDK errors (RestError statusCode/code, @azure/identity error names) to catalogue
// codes. RestError messages are dropped: they can quote request content.
import type { KeyhavenError } from '../../lib/errors.js';
import { isConnectionError, notFound, providerError, unavailable } from '../provider-support.js';

const KIND = 'azure-kv';
const CREDENTIAL_ERRORS = new Set([
  'AuthenticationError',
  'CredentialUnavailableError',
  'AggregateAuthenticationError',
  'AuthenticationRequiredError',
]);

interface AzureErrorShape {
  name?: string;
  statusCode?: number;
  code?: string;
  details?: { error?: { innererror?: { code?: string }; innerError?: { code?: string } } };
}

export const mapAzureError = (e: unknown, vaultUrl: string, name: string, ref?: { version?: string }): KeyhavenError => {
  const err = (e ?? {}) as AzureErrorShape;
  const status = err.statusCode;
  const diag = { ...(status ? { status } : {}), ...(err.code ? { azureCode: err.code } : {}) };
  if (CREDENTIAL_ERRORS.has(err.name ?? ''))
    return providerError(
      'PROVIDER_AUTH_FAILED',
      KIND,
      'could not get a token for Key Vault; check tenantId, clientId, clientSecret and authorityHost.',
      { azureError: err.name },
    );
  if (status === 404) return notFound(KIND, name, ref);
  const inner = err.details?.error?.innerError?.code ?? err.details?.error?.innererror?.code;
  if (status === 403 && inner === 'SecretDisabled') {
    return providerError(
      'PROVIDER_SECRET_NOT_FOUND',
      KIND,
      `version ${ref?.version ?? 'latest'} of ${JSON.stringify(name)} is disabled; enable it to read it.`,
      { ...diag, name },
    );
  }
  if (status === 401 || status === 403)
    return providerError(
      'PROVIDER_AUTH_FAILED',
      KIND,
      `Key Vault refused the token or denied access (HTTP ${status}); check the credential and the vault's access policy or RBAC role.`,
      diag,
    );
  if (status === 409)
    return providerError(
      'PROVIDER_SECRET_EXISTS',
      KIND,
      `${JSON.stringify(name)} exists or is deleted but recoverable; recover or purge it first.`,
      { ...diag, name },
    );
  if (status === 429)
    return providerError('PROVIDER_THROTTLED', KIND, 'Key Vault kept throttling the request after retries; wait and retry.', diag);
  if (status !== undefined && status >= 500)
    return providerError('PROVIDER_UNAVAILABLE', KIND, `Key Vault answered HTTP ${status}; retry later.`, diag);
  if (status === undefined && (isConnectionError(e) || err.code === 'REQUEST_SEND_ERROR' || err.name === 'AbortError'))
    return unavailable(KIND, vaultUrl, e);
  return providerError(
    'PROVIDER_ERROR',
    KIND,
    status ? `Key Vault refused the request (HTTP ${status}${err.code ? `, ${err.code}` : ''}).` : 'the request to Key Vault failed.',
    diag,
  );
};
