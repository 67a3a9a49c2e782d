// The typed Keyhaven client over fetch: addresses the server with addr, token and tenant (or the
// KEYHAVEN_ADDR / KEYHAVEN_TOKEN / KEYHAVEN_TENANT environment), maps errors to typed exceptions.
import { KeyhavenApiError, KeyhavenUnavailableError } from './errors.js';
import { streamRequest } from './stream-request.js';
import type {
  FingerprintMatch,
  ListOptions,
  SecretDescription,
  SecretMetadata,
  SecretRead,
  SecretSummary,
  SecretValue,
  Tenant,
  TokenView,
  VersionInfo,
  WriteResult,
  Label,
  Role,
} from './types.js';
import { rotationApi } from './rotation.js';
import { providersApi } from './providers-api.js';
import { notificationsApi } from './notifications-api.js';
import { accessApi, auditApi } from './audit-api.js';
import { authApi, loginBody, loginPath, tokenSelfApi, type LoginCredentials, type LoginResponse } from './auth-api.js';

export interface ClientOptions {
  addr?: string;
  token?: string;
  tenant?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  userAgent?: string;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  tenant?: boolean;
  /** Return the body as text (exports). */ text?: boolean;
}

const encodeName = (name: string) => name.split('/').map(encodeURIComponent).join('/');

export const createClient = (opts: ClientOptions = {}) => {
  const addr = (opts.addr ?? process.env.KEYHAVEN_ADDR ?? 'http://127.0.0.1:8377').replace(/\/+$/, '');
  const token = opts.token ?? process.env.KEYHAVEN_TOKEN;
  const tenant = opts.tenant ?? process.env.KEYHAVEN_TENANT ?? 'default';
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const doFetch = opts.fetch ?? fetch;

  const request = async <T>(method: string, path: string, o: RequestOptions = {}): Promise<T> => {
    const url = new URL(addr + path);
    for (const [k, v] of Object.entries(o.query ?? {})) {
      if (v === undefined) continue;
      url.searchParams.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': opts.userAgent ?? 'keyhaven-sdk/0.1' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (o.tenant !== false) headers['x-tenant-id'] = tenant;
    let body: string | undefined;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await doFetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const reason =
        (e as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : ((e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message);
      throw new KeyhavenUnavailableError(
        `Keyhaven server at ${addr} is unreachable (${reason}); check KEYHAVEN_ADDR and that the server runs.`,
        { cause: e },
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      // Keyhaven's error shape (docs/errors.md), when the answer has one.
      const err = (json as { error?: { code?: string; message?: string; request_id?: string; details?: unknown } } | null | undefined)
        ?.error;
      throw new KeyhavenApiError({
        code: err?.code ?? `HTTP_${res.status}`,
        status: res.status,
        message: err?.message ?? `The server answered ${res.status}.`,
        requestId: err?.request_id ?? res.headers.get('x-request-id') ?? undefined,
        details: err?.details,
      });
    }
    return (o.text ? text : json) as T;
  };

  /** A raw authenticated request without timeout (for streams such as GET /v1/events); the caller owns the body. */
  const openStream = async (path: string, signal: AbortSignal): Promise<Response> => {
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      'user-agent': opts.userAgent ?? 'keyhaven-sdk/0.1',
      'x-tenant-id': tenant,
    };
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      // A custom fetch (tests, proxies) is honoured; otherwise a dedicated connection (see stream-request.ts).
      return opts.fetch
        ? await opts.fetch(new URL(addr + path), { method: 'GET', headers, signal })
        : await streamRequest(new URL(addr + path), headers, signal);
    } catch (e) {
      throw new KeyhavenUnavailableError(
        `Keyhaven server at ${addr} is unreachable (${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name}).`,
        { cause: e },
      );
    }
  };

  const secretPath = (name: string, suffix = '') => `/v1/secrets/${encodeName(name)}${suffix}`;

  return {
    addr,
    tenant,
    request,
    openStream,
    health: () => request<{ status: string; database: string }>('GET', '/health', { tenant: false }),
    secrets: {
      /** Reads a value; `name#field` reads one field of a JSON value. */
      get(ref: string, o: { version?: number; label?: Label; field?: string } = {}) {
        const i = ref.indexOf('#');
        const name = i < 0 ? ref : ref.slice(0, i);
        const field = o.field ?? (i < 0 ? undefined : ref.slice(i + 1));
        return request<SecretRead>('GET', secretPath(name), { query: { version: o.version, label: o.label, field } });
      },
      set: (name: string, value: SecretValue, o: SecretMetadata & { cas?: number; label?: 'current' | 'pending' } = {}) =>
        request<WriteResult>('PUT', secretPath(name), { body: { value, ...o } }),
      create: (name: string, value: SecretValue, meta: SecretMetadata = {}) =>
        request<WriteResult>('POST', '/v1/secrets', { body: { name, value, ...meta } }),
      list: (o: ListOptions = {}) =>
        request<{ items: SecretSummary[]; next_cursor: string | null }>('GET', '/v1/secrets', {
          query: {
            prefix: o.prefix,
            type: o.type,
            tag: o.tags,
            service: o.service,
            environment: o.environment,
            criticality: o.criticality,
            include_deleted: o.include_deleted,
            limit: o.limit,
            cursor: o.cursor,
          },
        }),
      /** Every secret matching the filter, following pagination. */
      async listAll(o: Omit<ListOptions, 'cursor'> = {}) {
        const out: SecretSummary[] = [];
        let cursor: string | undefined;
        do {
          const page = await this.list({ ...o, cursor, limit: o.limit ?? 1000 });
          out.push(...page.items);
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
        return out;
      },
      describe: (name: string) => request<SecretDescription>('GET', secretPath(name, ':describe')),
      history: (name: string) => request<{ name: string; versions: VersionInfo[] }>('GET', secretPath(name, ':versions')),
      update: (name: string, meta: SecretMetadata) => request<SecretDescription>('PATCH', secretPath(name), { body: meta }),
      delete: (name: string) => request<{ name: string; deleted_at: string }>('DELETE', secretPath(name)),
      restore: (name: string) => request<{ name: string; restored: boolean }>('POST', secretPath(name, ':restore')),
      destroy: (name: string, versions?: number[]) =>
        request<{ name: string; destroyed: 'all' | number[] }>('POST', secretPath(name, ':destroy'), {
          body: versions ? { versions } : {},
        }),
    },
    fingerprints: {
      match: async (sha256: string[]) =>
        (await request<{ matches: FingerprintMatch[] }>('POST', '/v1/fingerprints/match', { body: { sha256 } })).matches,
    },
    tenants: {
      list: () => request<{ items: Tenant[] }>('GET', '/v1/tenants', { tenant: false }),
      get: (id: string) => request<Tenant>('GET', `/v1/tenants/${encodeURIComponent(id)}`, { tenant: false }),
      create: (id: string, name?: string) => request<Tenant>('POST', '/v1/tenants', { body: { id, name }, tenant: false }),
      delete: (id: string) =>
        request<{ id: string; deleted: boolean }>('DELETE', `/v1/tenants/${encodeURIComponent(id)}`, { tenant: false }),
    },
    rotation: rotationApi(request),
    audit: auditApi(request),
    ...accessApi(request),
    ...providersApi(request),
    ...authApi(request),
    ...notificationsApi(request),
    tokens: {
      ...tokenSelfApi(request),
      create: (o: { name: string; role: Role | (string & {}); kind?: 'personal' | 'service'; ttl_seconds?: number }) =>
        request<TokenView & { token: string }>('POST', '/v1/tokens', { body: o }),
      list: () => request<{ items: TokenView[] }>('GET', '/v1/tokens'),
      get: (id: string) => request<TokenView>('GET', `/v1/tokens/${encodeURIComponent(id)}`),
      revoke: (id: string) => request<TokenView>('DELETE', `/v1/tokens/${encodeURIComponent(id)}`),
      self: () => request<TokenView & { grants: Array<{ tenant: string; role: Role }> }>('GET', '/v1/tokens/self', { tenant: false }),
    },
  };
};
export type KeyhavenClient = ReturnType<typeof createClient>;

export interface LoggedInClient {
  client: KeyhavenClient;
  /** The login's answer (token, accessor, Keyhaven role, lease). */
  auth: LoginResponse['auth'];
  /** Renews the token (up to its max TTL); answers the new lease in seconds. */
  renew(): Promise<number>;
  /** Renews the token on a timer at two thirds of each lease until stop() or the max TTL; `onError`
   *  hears of a failed renewal (the caller logs in again). */
  keepRenewed(o?: { onError?: (e: unknown) => void }): { stop(): void };
  /** Revokes the token. */
  logout(): Promise<void>;
}

/** Logs in with a machine identity (AppRole, Kubernetes service account, JWT/OIDC) and answers a
 *  client that uses the issued token. */
export const loginClient = async (credentials: LoginCredentials, opts: Omit<ClientOptions, 'token'> = {}): Promise<LoggedInClient> => {
  const anonymous = createClient({ ...opts, token: '' });
  const r = await anonymous.request<LoginResponse>('POST', loginPath(credentials), { body: loginBody(credentials) });
  const client = createClient({ ...opts, token: r.auth.client_token });
  const renew = async () => (await client.tokens.renewSelf()).auth.lease_duration;
  return {
    client,
    auth: r.auth,
    renew,
    keepRenewed(o = {}) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let stopped = false;
      const schedule = (lease: number) => {
        if (stopped || lease <= 0) return;
        timer = setTimeout(
          () => {
            client.tokens.renewSelf().then(
              (next) => schedule(next.auth.renewable ? next.auth.lease_duration : 0),
              (e: unknown) => o.onError?.(e),
            );
          },
          Math.max(1000, Math.floor((lease * 2000) / 3)),
        );
        timer.unref?.();
      };
      schedule(r.auth.renewable ? r.auth.lease_duration : 0);
      return {
        stop: () => {
          stopped = true;
          if (timer) clearTimeout(timer);
        },
      };
    },
    logout: () => client.tokens.revokeSelf(),
  };
};
