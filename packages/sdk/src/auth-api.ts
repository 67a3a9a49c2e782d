// SDK methods for machine identities: logins (AppRole, Kubernetes, JWT/OIDC) at the Vault-shaped
// auth paths, administration of login roles, secret_ids and method configuration, and token
// renew-self / revoke-self. `loginClient` logs in and returns a client holding the token that can
// renew it (once, or on a timer before it expires).
type Request = <T>(
  method: string,
  path: string,
  o?: { query?: Record<string, string | number | boolean | undefined>; body?: unknown; tenant?: boolean; text?: boolean },
) => Promise<T>;

export type LoginMethod = 'approle' | 'kubernetes' | 'jwt';
export interface LoginAuth {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  metadata: Record<string, string>;
  lease_duration: number;
  renewable: boolean;
  token_type: string;
}
export interface LoginResponse {
  request_id: string;
  auth: LoginAuth;
  warnings: string[] | null;
}
export type LoginCredentials =
  | { method: 'approle'; roleId: string; secretId: string }
  | { method: 'kubernetes'; role: string; jwt: string }
  | { method: 'jwt' | 'oidc'; role: string; jwt: string };

export interface LoginRoleSettings {
  token_role?: string;
  token_policies?: string[] | string;
  token_ttl?: number | string;
  token_max_ttl?: number | string;
  token_bound_cidrs?: string[] | string;
  secret_id_ttl?: number | string;
  secret_id_num_uses?: number;
  secret_id_bound_cidrs?: string[] | string;
  bound_service_account_names?: string[] | string;
  bound_service_account_namespaces?: string[] | string;
  audience?: string;
  bound_audiences?: string[] | string;
  bound_subject?: string;
  bound_claims?: Record<string, string | number | boolean | Array<string | number | boolean>>;
  claim_mappings?: Record<string, string>;
  user_claim?: string;
}
export interface SecretIdIssued {
  secret_id: string;
  secret_id_accessor: string;
  secret_id_ttl: number;
  secret_id_num_uses: number;
  expires_at: string | null;
}
export interface SecretIdInfo {
  secret_id_accessor: string;
  creation_time: string;
  expiration_time: string;
  secret_id_num_uses: number;
  cidr_list: string[];
  metadata: Record<string, string>;
}

const seg = encodeURIComponent;
const data = async <T>(p: Promise<{ data: T }>): Promise<T> => (await p).data;
/** A Vault list answers 404 when empty; an empty list here. */
const keysOr404 = async (p: Promise<{ data: { keys: string[] } }>): Promise<string[]> => {
  try {
    return (await p).data.keys;
  } catch (e) {
    if ((e as { status?: number }).status === 404) return [];
    throw e;
  }
};

export const loginBody = (c: LoginCredentials) =>
  c.method === 'approle' ? { role_id: c.roleId, secret_id: c.secretId } : { role: c.role, jwt: c.jwt };
export const loginPath = (c: LoginCredentials) => `/v1/auth/${c.method === 'oidc' ? 'jwt' : c.method}/login`;

export const authApi = (request: Request) => {
  const roles = (method: LoginMethod) => ({
    put: (name: string, settings: LoginRoleSettings) => request<void>('POST', `/v1/auth/${method}/role/${seg(name)}`, { body: settings }),
    get: (name: string) =>
      data(request<{ data: LoginRoleSettings & { token_role: string } }>('GET', `/v1/auth/${method}/role/${seg(name)}`)),
    list: () => keysOr404(request('GET', `/v1/auth/${method}/role`, { query: { list: true } })),
    delete: (name: string) => request<void>('DELETE', `/v1/auth/${method}/role/${seg(name)}`),
  });
  const config = (method: 'kubernetes' | 'jwt') => ({
    put: (settings: Record<string, unknown>) => request<void>('POST', `/v1/auth/${method}/config`, { body: settings }),
    get: () => data(request<{ data: Record<string, unknown> }>('GET', `/v1/auth/${method}/config`)),
    delete: () => request<void>('DELETE', `/v1/auth/${method}/config`),
  });
  return {
    auth: {
      /** Logs in and answers the issued token (Vault's auth object). */
      login: (c: LoginCredentials) => request<LoginResponse>('POST', loginPath(c), { body: loginBody(c) }),
      approle: {
        roles: roles('approle'),
        roleId: async (name: string) =>
          (await data(request<{ data: { role_id: string } }>('GET', `/v1/auth/approle/role/${seg(name)}/role-id`))).role_id,
        issueSecretId: (
          name: string,
          o: { metadata?: Record<string, string>; cidr_list?: string[]; ttl?: number | string; num_uses?: number } = {},
        ) => data(request<{ data: SecretIdIssued }>('POST', `/v1/auth/approle/role/${seg(name)}/secret-id`, { body: o })),
        listSecretIds: async (name: string) => {
          try {
            return Object.values(
              (
                await request<{ data: { key_info: Record<string, SecretIdInfo> } }>('GET', `/v1/auth/approle/role/${seg(name)}/secret-id`, {
                  query: { list: true },
                })
              ).data.key_info,
            );
          } catch (e) {
            if ((e as { status?: number }).status === 404) return [];
            throw e;
          }
        },
        destroySecretId: (name: string, accessor: string) =>
          request<void>('POST', `/v1/auth/approle/role/${seg(name)}/secret-id-accessor/destroy`, {
            body: { secret_id_accessor: accessor },
          }),
      },
      kubernetes: { roles: roles('kubernetes'), config: config('kubernetes') },
      jwt: { roles: roles('jwt'), config: config('jwt') },
    },
  };
};

/** Token self-service at Vault's paths (renew-self answers the new lease). */
export const tokenSelfApi = (request: Request) => ({
  renewSelf: (increment?: number) =>
    request<LoginResponse>('POST', '/v1/auth/token/renew-self', { body: increment ? { increment } : {}, tenant: false }),
  revokeSelf: () => request<void>('POST', '/v1/auth/token/revoke-self', { tenant: false }),
});
