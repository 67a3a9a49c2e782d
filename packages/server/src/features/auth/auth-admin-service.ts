// Administration of machine-identity logins inside a tenant: roles of each method (normalized to
// StoredRole, their Keyhaven role checked to exist), the Kubernetes and JWT configuration (the
// reviewer token is write-only), and AppRole secret_ids: issued once (only a SHA-256 is stored),
// listed by accessor, destroyed by accessor.
import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { fail } from '../../lib/errors.js';
import { randomBase62 } from '../../lib/ids.js';
import type { Clock } from '../../lib/clock.js';
import { checkEgress, type EgressPolicy } from '../../lib/egress.js';
import { invalidCidrs } from '../../lib/cidr.js';
import type { AuthStore, RoleRow, SecretIdRow } from './auth-store.js';
import {
  DEFAULT_MAX_TTL,
  DEFAULT_TTL,
  ROLE_NAME,
  type approleBody,
  type jwtConfigBody,
  type jwtRoleBody,
  type kubernetesConfigBody,
  type kubernetesRoleBody,
  type LoginMethod,
  type StoredRole,
} from './auth-schemas.js';

export const hashSecretId = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

type RoleInput = z.infer<typeof approleBody> | z.infer<typeof kubernetesRoleBody> | z.infer<typeof jwtRoleBody>;

export const checkRoleName = (name: string) => {
  if (!ROLE_NAME.test(name))
    throw fail('VALIDATION_FAILED', 'A role name is 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit.');
};

export const createAuthAdminService = (deps: {
  store: AuthStore;
  clock: Clock;
  roleExists: (tenant: string, role: string) => Promise<boolean>;
  egress: EgressPolicy;
}) => {
  const { store, clock } = deps;

  const tokenRoleOf = (b: RoleInput, previous?: StoredRole): string => {
    const listed = b.token_policies ?? b.policies;
    if (b.token_role) return b.token_role;
    if (listed && listed.length === 1) return listed[0]!;
    if (listed && listed.length > 1)
      throw fail(
        'VALIDATION_FAILED',
        'A Keyhaven token has one role per tenant: give token_policies (or token_role) a single role such as "read".',
      );
    if (previous) return previous.token_role;
    throw fail(
      'VALIDATION_FAILED',
      'Give the role\'s tokens a Keyhaven role: token_role (or token_policies) such as "read", "write" or a custom role.',
    );
  };

  const normalize = async (tenant: string, method: LoginMethod, b: RoleInput, previous?: StoredRole): Promise<StoredRole> => {
    const token_role = tokenRoleOf(b, previous);
    if (!(await deps.roleExists(tenant, token_role)))
      throw fail('ROLE_NOT_FOUND', `No role "${token_role.slice(0, 63)}" in this tenant; use read, write, delete, admin or a custom role.`);
    const token_ttl = b.token_ttl || previous?.token_ttl || DEFAULT_TTL;
    const token_max_ttl = b.token_max_ttl || previous?.token_max_ttl || Math.max(DEFAULT_MAX_TTL, token_ttl);
    if (token_ttl > token_max_ttl)
      throw fail('VALIDATION_FAILED', `token_ttl (${token_ttl}s) cannot be longer than token_max_ttl (${token_max_ttl}s).`);
    const base: StoredRole = {
      token_role,
      token_ttl,
      token_max_ttl,
      token_bound_cidrs: b.token_bound_cidrs ?? previous?.token_bound_cidrs ?? [],
    };
    if (method === 'approle') {
      const a = b as z.infer<typeof approleBody>;
      if (a.bind_secret_id === false)
        throw fail('VALIDATION_FAILED', 'Keyhaven AppRole roles always require a secret_id (bind_secret_id cannot be false).');
      return {
        ...base,
        bind_secret_id: true,
        secret_id_ttl: a.secret_id_ttl ?? previous?.secret_id_ttl ?? 0,
        secret_id_num_uses: a.secret_id_num_uses ?? previous?.secret_id_num_uses ?? 0,
        secret_id_bound_cidrs: a.secret_id_bound_cidrs ?? previous?.secret_id_bound_cidrs ?? [],
      };
    }
    if (method === 'kubernetes') {
      const k = b as z.infer<typeof kubernetesRoleBody>;
      if (!k.bound_service_account_names.length || !k.bound_service_account_namespaces.length)
        throw fail(
          'VALIDATION_FAILED',
          'bound_service_account_names and bound_service_account_namespaces each need at least one entry ("*" for any).',
        );
      if (k.bound_service_account_names.includes('*') && k.bound_service_account_namespaces.includes('*'))
        throw fail(
          'VALIDATION_FAILED',
          'bound_service_account_names and bound_service_account_namespaces cannot both be "*": any pod of the cluster could log in.',
        );
      return {
        ...base,
        bound_service_account_names: k.bound_service_account_names,
        bound_service_account_namespaces: k.bound_service_account_namespaces,
        audience: k.audience,
      };
    }
    const j = b as z.infer<typeof jwtRoleBody>;
    if (!j.bound_audiences?.length && !j.bound_subject && !Object.keys(j.bound_claims ?? {}).length)
      throw fail(
        'VALIDATION_FAILED',
        'A JWT role must bind something: bound_audiences, bound_subject or bound_claims; otherwise any token of the issuer could log in.',
      );
    return {
      ...base,
      bound_audiences: j.bound_audiences ?? [],
      bound_subject: j.bound_subject,
      bound_claims: j.bound_claims ?? {},
      claim_mappings: j.claim_mappings ?? {},
      user_claim: j.user_claim ?? 'sub',
    };
  };

  return {
    async putRole(tenant: string, method: LoginMethod, name: string, body: RoleInput): Promise<RoleRow> {
      checkRoleName(name);
      const previous = await store.getRole(tenant, method, name);
      return store.putRole(tenant, method, name, await normalize(tenant, method, body, previous?.config));
    },
    getRole: (tenant: string, method: LoginMethod, name: string) => store.mustGetRole(tenant, method, name),
    listRoles: (tenant: string, method: LoginMethod) => store.listRoles(tenant, method),
    async deleteRole(tenant: string, method: LoginMethod, name: string) {
      await store.mustGetRole(tenant, method, name);
      await store.deleteRole(tenant, method, name);
    },

    /** Issues a secret_id; the value is returned here only. */
    async issueSecretId(
      tenant: string,
      name: string,
      o: { metadata?: Record<string, string>; cidrs?: string[]; ttl?: number; numUses?: number },
    ) {
      const role = await store.mustGetRole(tenant, 'approle', name);
      const c = role.config;
      const ttl = o.ttl !== undefined && o.ttl > 0 ? (c.secret_id_ttl ? Math.min(o.ttl, c.secret_id_ttl) : o.ttl) : (c.secret_id_ttl ?? 0);
      const uses =
        o.numUses !== undefined && o.numUses > 0
          ? c.secret_id_num_uses
            ? Math.min(o.numUses, c.secret_id_num_uses)
            : o.numUses
          : (c.secret_id_num_uses ?? 0);
      const cidrs = o.cidrs?.length ? o.cidrs : (c.secret_id_bound_cidrs ?? []);
      if (invalidCidrs(cidrs).length) throw fail('VALIDATION_FAILED', 'cidr_list holds an entry that is not a CIDR or an address.');
      const secretId = `khs_${randomBase62(40)}`;
      const accessor = randomUUID();
      const expiresAt = ttl ? new Date(clock.now().getTime() + ttl * 1000).toISOString() : null;
      await store.addSecretId({
        accessor,
        tenant,
        role: name,
        hash: hashSecretId(secretId),
        usesLeft: uses || null,
        expiresAt,
        boundCidrs: cidrs,
        metadata: o.metadata ?? {},
      });
      return { secret_id: secretId, secret_id_accessor: accessor, secret_id_ttl: ttl, secret_id_num_uses: uses, expires_at: expiresAt };
    },
    async listSecretIds(tenant: string, name: string): Promise<SecretIdRow[]> {
      await store.mustGetRole(tenant, 'approle', name);
      return store.listSecretIds(tenant, name);
    },
    async lookupSecretId(tenant: string, name: string, accessor: string): Promise<SecretIdRow> {
      await store.mustGetRole(tenant, 'approle', name);
      const s = await store.secretIdByAccessor(tenant, name, accessor);
      if (!s) throw fail('AUTH_ROLE_NOT_FOUND', `No secret_id with accessor "${accessor.slice(0, 64)}" on role "${name}".`);
      return s;
    },
    async destroySecretId(tenant: string, name: string, accessor: string) {
      await this.lookupSecretId(tenant, name, accessor);
      await store.deleteSecretId(tenant, name, accessor);
    },

    async putKubernetesConfig(tenant: string, b: z.infer<typeof kubernetesConfigBody>) {
      if (b.kubernetes_host) await checkEgress(deps.egress, b.kubernetes_host, 'The Kubernetes auth kubernetes_host');
      const previous = await store.getConfig<Record<string, unknown>>(tenant, 'kubernetes');
      const { token_reviewer_jwt: reviewer, ...rest } = b;
      const config = {
        kubernetes_host: rest.kubernetes_host,
        kubernetes_ca_cert: rest.kubernetes_ca_cert,
        pem_keys: rest.pem_keys ?? [],
        issuer: rest.issuer,
        disable_iss_validation: rest.disable_iss_validation ?? !rest.issuer,
      };
      // The reviewer token is kept when a later write does not repeat it (it is never read back).
      await store.putConfig(tenant, 'kubernetes', config, reviewer ?? previous?.secret ?? undefined);
    },
    async putJwtConfig(tenant: string, b: z.infer<typeof jwtConfigBody>) {
      if (b.jwks_url) await checkEgress(deps.egress, b.jwks_url, 'The JWT auth jwks_url');
      await store.putConfig(
        tenant,
        'jwt',
        {
          jwks_url: b.jwks_url,
          jwt_validation_pubkeys: b.jwt_validation_pubkeys ?? [],
          bound_issuer: b.bound_issuer,
          jwt_supported_algs: b.jwt_supported_algs ?? [],
        },
        undefined,
      );
    },
    async getConfig(tenant: string, method: LoginMethod) {
      const c = await store.getConfig<Record<string, unknown>>(tenant, method);
      if (!c) throw fail('AUTH_METHOD_NOT_CONFIGURED', `The ${method} login is not configured for this tenant.`);
      return { ...c.config, ...(method === 'kubernetes' ? { token_reviewer_jwt_set: Boolean(c.secret) } : {}) };
    },
    async deleteConfig(tenant: string, method: LoginMethod) {
      await store.deleteConfig(tenant, method);
    },
  };
};
export type AuthAdminService = ReturnType<typeof createAuthAdminService>;
