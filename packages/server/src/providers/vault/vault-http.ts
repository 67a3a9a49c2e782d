// A minimal Vault HTTP client on fetch: token or AppRole auth (token cached until its lease ends),
// namespace header, timeouts, retry on 429, and Vault status codes mapped to catalogue errors.
import { fail } from '../../lib/errors.js';
import { isConnectionError, providerError, unavailable, withRetry } from '../provider-support.js';

const KIND = 'vault';

export interface VaultHttpOptions {
  address: string;
  namespace?: string;
  timeoutMs: number;
  auth: { token: string } | { roleId: string; secretId: string; mount: string };
}

export interface VaultResponse {
  status: number;
  body: Record<string, unknown> | undefined;
}

export const createVaultHttp = (o: VaultHttpOptions) => {
  const base = o.address.replace(/\/+$/, '');
  let cached: { token: string; expiresAt: number } | undefined =
    'token' in o.auth ? { token: o.auth.token, expiresAt: Infinity } : undefined;

  const raw = async (method: string, path: string, body?: unknown, token?: string): Promise<VaultResponse> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers['x-vault-token'] = token;
    if (o.namespace) headers['x-vault-namespace'] = o.namespace;
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(o.timeoutMs),
      });
    } catch (e) {
      if (isConnectionError(e) || e instanceof TypeError) throw unavailable(KIND, base, e);
      throw e;
    }
    const text = await res.text();
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed };
  };

  const token = async (): Promise<string> => {
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    const a = o.auth as { roleId: string; secretId: string; mount: string };
    const r = await raw('POST', `/v1/auth/${a.mount}/login`, { role_id: a.roleId, secret_id: a.secretId });
    const auth = r.body?.auth as { client_token?: string; lease_duration?: number } | undefined;
    if (r.status >= 500)
      throw providerError(
        'PROVIDER_UNAVAILABLE',
        KIND,
        'the AppRole login failed on the server side; check that Vault is unsealed and healthy.',
        { status: r.status },
      );
    if (r.status !== 200 || !auth?.client_token) {
      throw providerError('PROVIDER_AUTH_FAILED', KIND, 'AppRole login was refused; check the role_id, secret_id and auth mount.', {
        status: r.status,
      });
    }
    const ttl = auth.lease_duration ? auth.lease_duration * 1000 * 0.8 : 5 * 60_000;
    cached = { token: auth.client_token, expiresAt: Date.now() + ttl };
    return cached.token;
  };

  /** Sends an authenticated request; returns 2xx and 404 responses, maps everything else to an error. */
  const request = (method: string, path: string, body?: unknown): Promise<VaultResponse> =>
    withRetry(
      async () => {
        const r = await raw(method, path, body, await token());
        if (r.status === 403 && !('token' in o.auth)) cached = undefined; // the AppRole token may have expired early
        if (r.status < 300 || r.status === 404 || r.status === 400) return r;
        if (r.status === 429) throw Object.assign(new Error('throttled'), { throttled: true });
        if (r.status === 401 || r.status === 403)
          throw providerError(
            'PROVIDER_AUTH_FAILED',
            KIND,
            'Vault denied the request; check the token or role and its policy for this path.',
            { status: r.status },
          );
        if (r.status === 503)
          throw providerError('PROVIDER_UNAVAILABLE', KIND, 'Vault is sealed or in standby; unseal it or point at the active node.', {
            status: r.status,
          });
        throw providerError('PROVIDER_ERROR', KIND, `Vault answered HTTP ${r.status}.`, { status: r.status });
      },
      {
        attempts: 5,
        baseMs: 200,
        isRetryable: (e) => (e as { throttled?: boolean }).throttled === true,
        onExhausted: () =>
          providerError('PROVIDER_THROTTLED', KIND, 'Vault kept answering 429 (rate limit quota); wait and retry.', { status: 429 }),
      },
    );

  return { request, errors: (r: VaultResponse) => (r.body?.errors as string[] | undefined) ?? [], fail };
};
