// Maps Google Cloud client (gRPC) errors to catalogue codes by their numeric status code, never by
// message, and retries RESOURCE_EXHAUSTED with jittered backoff.
import { isKeyhavenError, type KeyhavenError } from '../../lib/errors.js';
import { providerError, unavailable, withRetry } from '../provider-support.js';

const KIND = 'gcp-sm';
// google.rpc.Code values
const NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  UNAVAILABLE = 14,
  DEADLINE_EXCEEDED = 4,
  UNAUTHENTICATED = 16;

const codeOf = (e: unknown) => (typeof (e as { code?: unknown })?.code === 'number' ? (e as { code: number }).code : undefined);

export const mapGcpError = (e: unknown, endpoint: string, notFound: () => KeyhavenError): KeyhavenError => {
  const code = codeOf(e);
  const diag = code !== undefined ? { grpcCode: code } : {};
  if (code === NOT_FOUND) return notFound();
  if (code === FAILED_PRECONDITION) {
    const nf = notFound();
    return providerError(
      'PROVIDER_SECRET_NOT_FOUND',
      KIND,
      'the requested version is disabled or destroyed; enable it or pick another version.',
      { ...(nf.details as object), ...diag },
    );
  }
  if (code === ALREADY_EXISTS)
    return providerError('PROVIDER_SECRET_EXISTS', KIND, 'a secret with this name already exists; write a new version instead.', diag);
  if (code === PERMISSION_DENIED || code === UNAUTHENTICATED)
    return providerError(
      'PROVIDER_AUTH_FAILED',
      KIND,
      'Secret Manager refused the credential or IAM denied access; check the service account and its roles.',
      diag,
    );
  if (code === RESOURCE_EXHAUSTED)
    return providerError('PROVIDER_THROTTLED', KIND, 'Secret Manager quota was exhausted after retries; wait and retry.', diag);
  if (code === UNAVAILABLE || code === DEADLINE_EXCEEDED) return unavailable(KIND, endpoint);
  if (code === undefined && (e as { name?: string })?.name === 'AuthError')
    return providerError('PROVIDER_AUTH_FAILED', KIND, 'no usable Google credential; configure a service account key or access token.', {});
  return providerError('PROVIDER_ERROR', KIND, `Secret Manager refused the request (gRPC code ${code ?? 'unknown'}).`, diag);
};

export const gcpCall = <T>(fn: () => Promise<T>, endpoint: string, notFound: () => KeyhavenError): Promise<T> =>
  withRetry(fn, {
    attempts: 4,
    baseMs: 250,
    isRetryable: (e) => codeOf(e) === RESOURCE_EXHAUSTED,
    onExhausted: (e) => mapGcpError(e, endpoint, notFound),
  }).catch((e: unknown) => {
    throw isKeyhavenError(e) ? e : mapGcpError(e, endpoint, notFound);
  });
