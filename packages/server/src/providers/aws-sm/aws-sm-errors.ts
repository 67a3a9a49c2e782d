// Maps AWS SDK errors to catalogue codes by error name and HTTP status (never by message text) and
// wraps calls with bounded, jittered retries on throttling. SDK messages are dropped: they may echo input.
import { isKeyhavenError, type KeyhavenError } from '../../lib/errors.js';
import { isConnectionError, providerError, unavailable, withRetry } from '../provider-support.js';

const KIND = 'aws-sm';
const AUTH = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'AccessDeniedException',
  'ExpiredTokenException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
  'AccessDenied',
]);
const THROTTLE = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'RequestLimitExceeded',
  'LimitExceededException',
]);

interface AwsErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

export const isThrottle = (e: unknown) => {
  const err = e as AwsErrorShape;
  return THROTTLE.has(err?.name ?? '') || err?.$metadata?.httpStatusCode === 429;
};

/** Converts an SDK error to a KeyhavenError; `notFound` builds the not-found error for this call. */
export const mapAwsError = (e: unknown, service: string, endpoint: string, notFound: () => KeyhavenError): KeyhavenError => {
  const err = e as AwsErrorShape;
  const name = err?.name ?? 'Error';
  const status = err?.$metadata?.httpStatusCode;
  const diag = { awsError: name, ...(status ? { status } : {}) };
  if (name === 'ResourceNotFoundException' || name === 'NotFoundException') return notFound();
  if (name === 'ResourceExistsException')
    return providerError('PROVIDER_SECRET_EXISTS', KIND, 'a secret with this name already exists; write a new version instead.', diag);
  if (AUTH.has(name) || status === 401 || status === 403)
    return providerError(
      'PROVIDER_AUTH_FAILED',
      KIND,
      `${service} rejected the credential or denied access (${name}); check the access key and the IAM policy.`,
      diag,
    );
  if (isConnectionError(e) || name === 'TimeoutError' || name === 'RequestTimeout') return unavailable(KIND, endpoint, e);
  if (status !== undefined && status >= 500)
    return providerError('PROVIDER_UNAVAILABLE', KIND, `${service} answered HTTP ${status} (${name}); retry later.`, diag);
  if (isThrottle(e)) return providerError('PROVIDER_THROTTLED', KIND, `${service} kept throttling the request; wait and retry.`, diag);
  return providerError('PROVIDER_ERROR', KIND, `${service} refused the request (${name}).`, diag);
};

export const awsCall = <T>(fn: () => Promise<T>, attempts: number, map: (e: unknown) => KeyhavenError): Promise<T> =>
  withRetry(fn, { attempts, baseMs: 100, maxMs: 5000, isRetryable: isThrottle, onExhausted: map }).catch((e: unknown) => {
    throw isKeyhavenError(e) ? e : map(e);
  });
