// Maps @kubernetes/client-node errors to catalogue codes by HTTP status (ApiException.code) or
// network error code, never by message (ApiException messages embed response bodies), with a timeout.
import { fail, isKeyhavenError, type KeyhavenError } from '../../lib/errors.js';
import { isConnectionError, providerError, unavailable, withRetry } from '../provider-support.js';

const KIND = 'k8s';

export const mapK8sError = (e: unknown, where: string, notFound: () => KeyhavenError): KeyhavenError => {
  const status = typeof (e as { code?: unknown })?.code === 'number' ? (e as { code: number }).code : undefined;
  if (status === 404) return notFound();
  if (status === 401 || status === 403)
    return providerError(
      'PROVIDER_AUTH_FAILED',
      KIND,
      `the API server refused the credential or RBAC denied access (HTTP ${status}); check the token and its Role for secrets.`,
      { status },
    );
  if (status === 409) return providerError('PROVIDER_ERROR', KIND, 'the API server reported a conflict (HTTP 409).', { status });
  if (status === 429)
    return providerError('PROVIDER_THROTTLED', KIND, 'the API server kept throttling the request; wait and retry.', { status });
  if (status !== undefined && status >= 500)
    return providerError('PROVIDER_UNAVAILABLE', KIND, `the API server answered HTTP ${status}; retry later.`, { status });
  if (status === undefined && isConnectionError(e)) return unavailable(KIND, where, e);
  return providerError(
    'PROVIDER_ERROR',
    KIND,
    status ? `the API server refused the request (HTTP ${status}).` : 'the request to the API server failed.',
    status ? { status } : {},
  );
};

export const k8sCall = <T>(fn: () => Promise<T>, o: { where: string; timeoutMs: number; notFound: () => KeyhavenError }): Promise<T> =>
  withRetry(
    () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              fail('PROVIDER_UNAVAILABLE', `k8s: ${o.where} did not answer within ${o.timeoutMs} ms; check the address and network.`, {
                kind: KIND,
              }),
            ),
          o.timeoutMs,
        );
      });
      return Promise.race([fn(), timeout]).finally(() => clearTimeout(timer));
    },
    {
      attempts: 4,
      baseMs: 200,
      isRetryable: (e) => (e as { code?: unknown }).code === 429,
      onExhausted: (e) => mapK8sError(e, o.where, o.notFound),
    },
  ).catch((e: unknown) => {
    throw isKeyhavenError(e) ? e : mapK8sError(e, o.where, o.notFound);
  });
