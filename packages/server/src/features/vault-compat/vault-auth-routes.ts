// Machine-identity logins and their administration at Vault's paths, in Vault's shapes, which are
// also Keyhaven's own API for them (the CLI and SDK call the same paths): auth/approle (role,
// role-id, secret-id, secret-id-accessor, login), auth/kubernetes and auth/jwt (config, role, login),
// and auth/token/renew-self and revoke-self. Logins are public (the login service audits and
// rate-limits them); administration needs an admin token of the tenant (X-Tenant-ID, or
// X-Vault-Namespace, default "default"). Errors carry Vault's `errors` list and Keyhaven's `error`.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../http/pipeline-types.js';
import { scopeOf, type AccessRule } from '../../http/pipeline-types.js';
import { ERRORS, fail, KeyhavenError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import { mapDriverError } from '../../storage/database.js';
import type { TokenService } from '../tokens/token-service.js';
import type { AuthAdminService } from '../auth/auth-admin-service.js';
import type { LoginService, LoginResult } from '../auth/login-service.js';
import {
  approleBody,
  duration,
  jwtConfigBody,
  jwtRoleBody,
  kubernetesConfigBody,
  kubernetesRoleBody,
  type LoginMethod,
  type StoredRole,
} from '../auth/auth-schemas.js';
import type { RoleRow, SecretIdRow } from '../auth/auth-store.js';
import { envelope } from './vault-shapes.js';
import { namespaceTenant } from './vault-tenant.js';

const DEFAULT_TENANT = 'default';

/** Synchronous request hook: auth paths (not auth/token/) take their tenant from X-Vault-Namespace,
 *  then X-Tenant-ID, then "default", as the KV mounts do. */
export const createAuthTenantHook = () =>
  function authTenant(req: FastifyRequest): void {
    if (!req.url.startsWith('/v1/auth/') || req.url.startsWith('/v1/auth/token/')) return;
    const given = req.headers['x-tenant-id'];
    req.headers['x-tenant-id'] =
      namespaceTenant(req.headers['x-vault-namespace']) ?? (typeof given === 'string' && given ? given : DEFAULT_TENANT);
  };

/** The token the pipeline authenticated, as presented (Vault's renew-self answers it back). */
const presented = (req: FastifyRequest): string => {
  const a = req.headers.authorization;
  if (typeof a === 'string' && /^bearer /i.test(a)) return a.slice(7).trim();
  const t = req.headers['x-keyhaven-token'] ?? req.headers['x-vault-token'];
  return typeof t === 'string' ? t : '';
};

const VAULT_DENIED = new Set(['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'TOKEN_REVOKED', 'FORBIDDEN', 'TENANT_NOT_FOUND', 'TENANT_REQUIRED']);

const authErrorHandler = (raw: unknown, req: FastifyRequest, reply: FastifyReply) => {
  const e = mapDriverError(raw);
  let err: KeyhavenError;
  if (e instanceof KeyhavenError) err = e;
  else if ((e as { code?: string })?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') err = fail('PAYLOAD_TOO_LARGE');
  else if ((e as { statusCode?: number })?.statusCode && (e as { statusCode: number }).statusCode < 500)
    err = fail('VALIDATION_FAILED', 'The request is not valid JSON or not a JSON object.');
  else {
    req.log.error({ err: { name: (e as Error)?.name }, reqId: req.id }, 'vault auth request failed');
    err = fail('INTERNAL', `${ERRORS.INTERNAL.message} (request id ${req.id})`);
  }
  req.auditNote = { ...req.auditNote, errorCode: err.code };
  // Vault answers 403 "permission denied" for any token problem; hvac and node-vault expect it.
  const status = VAULT_DENIED.has(err.code) ? 403 : err.status;
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({
      errors: [VAULT_DENIED.has(err.code) ? 'permission denied' : err.message],
      error: { code: err.code, message: err.message, request_id: req.id, ...(err.details !== undefined ? { details: err.details } : {}) },
    });
};

const parseWith = <T extends z.ZodTypeAny>(schema: T, body: unknown): z.infer<T> => {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const details = r.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
    throw fail('VALIDATION_FAILED', `The request is not valid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
  return r.data;
};

const bodyOf = (req: FastifyRequest): Record<string, unknown> => {
  const b = req.body;
  if (b === undefined || b === null || b === '') return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw fail('VALIDATION_FAILED', 'The request body must be a JSON object.');
  return b as Record<string, unknown>;
};

/** A role as Vault reads it back: its settings, with the Keyhaven role also as token_policies. */
const roleView = (r: RoleRow) => {
  const c: StoredRole = r.config;
  return {
    ...c,
    token_policies: [c.token_role],
    policies: [c.token_role],
    token_type: 'service',
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
};
const secretIdView = (s: SecretIdRow) => ({
  secret_id_accessor: s.accessor,
  creation_time: s.created_at,
  expiration_time: s.expiresAt ?? '',
  secret_id_num_uses: s.usesLeft ?? 0,
  cidr_list: s.boundCidrs,
  metadata: s.metadata,
});

const authEnvelope = (req: FastifyRequest, r: LoginResult) => ({
  ...envelope(req.id, null),
  auth: {
    client_token: r.client_token,
    accessor: r.accessor,
    policies: r.policies,
    token_policies: r.token_policies,
    identity_policies: null,
    metadata: r.metadata,
    lease_duration: r.lease_duration,
    renewable: r.renewable,
    entity_id: '',
    token_type: 'service',
    orphan: true,
    mfa_requirement: null,
    num_uses: 0,
  },
});

const metadataOf = (v: unknown): Record<string, string> | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  let o = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v);
    } catch {
      throw fail('VALIDATION_FAILED', '"metadata" must be a JSON object of strings (or its JSON text).');
    }
  }
  if (!o || typeof o !== 'object' || Array.isArray(o) || !Object.values(o).every((x) => typeof x === 'string'))
    throw fail('VALIDATION_FAILED', '"metadata" must be a JSON object of strings.');
  if (Object.keys(o).length > 64) throw fail('VALIDATION_FAILED', '"metadata" holds more than 64 entries.');
  return o as Record<string, string>;
};

const secretIdBody = z
  .object({
    metadata: z.unknown().optional(),
    cidr_list: z.union([z.array(z.string().max(64)).max(64), z.string().max(4096)]).optional(),
    ttl: duration().optional(),
    num_uses: z.number().int().min(0).max(1_000_000).optional(),
  })
  .passthrough();
const accessorBody = z.object({ secret_id_accessor: z.string().min(1).max(64) }).passthrough();
const renewBody = z.object({ increment: duration().optional() }).passthrough();

export interface VaultAuthDeps {
  admin: AuthAdminService;
  logins: LoginService;
  tokens: TokenService;
  clock: Clock;
}

export const vaultAuthRoutes = (deps: VaultAuthDeps) => (app: App) => {
  void app.register(async (v) => {
    v.setErrorHandler(authErrorHandler);
    const json = v.getDefaultJsonParser('error', 'error');
    v.removeContentTypeParser('text/plain');
    v.removeContentTypeParser('application/json');
    // Vault reads every body as JSON whatever its Content-Type (the Go client sends none).
    v.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
      if (typeof body !== 'string' || body.trim() === '') return done(null, undefined);
      void json(req, body, (err, parsed) =>
        err ? done(fail('MALFORMED_JSON', 'The request body is not valid JSON.'), undefined) : done(null, parsed),
      );
    });
    const tags = ['auth'];
    const admin = (audit: string, summary: string) => ({
      config: { access: { tenant: true, action: 'admin' as const }, audit },
      schema: { tags, summary },
    });
    const pub = (summary: string) => ({ config: { access: { public: true as const } }, schema: { tags, summary } });
    const nameOf = (req: FastifyRequest) => (req.params as { name: string }).name;
    const ctxOf = (req: FastifyRequest) => ({
      source: req.ip,
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
      requestId: req.id,
      tenant: String(req.headers['x-tenant-id'] ?? DEFAULT_TENANT),
    });
    const both = (
      url: string,
      opts: { config: { access: AccessRule; audit?: string }; schema: { tags: string[]; summary: string } },
      h: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
    ) => {
      v.post(url, opts, h);
      v.put(url, opts, h);
    };

    const roleSchemas: Record<LoginMethod, z.ZodTypeAny> = { approle: approleBody, kubernetes: kubernetesRoleBody, jwt: jwtRoleBody };
    for (const method of ['approle', 'kubernetes', 'jwt'] as const) {
      const base = `/v1/auth/${method}`;
      both(`${base}/role/:name`, admin(`auth.${method}.role.write`, `Create or update a ${method} login role`), async (req, reply) => {
        await deps.admin.putRole(scopeOf(req).tenant, method, nameOf(req), parseWith(roleSchemas[method], bodyOf(req)));
        return reply.code(204).send();
      });
      v.get(`${base}/role/:name`, admin(`auth.${method}.role.read`, `Read a ${method} login role`), async (req) =>
        envelope(req.id, roleView(await deps.admin.getRole(scopeOf(req).tenant, method, nameOf(req)))),
      );
      v.delete(
        `${base}/role/:name`,
        admin(`auth.${method}.role.delete`, `Delete a ${method} login role (and, for AppRole, its secret_ids)`),
        async (req, reply) => {
          await deps.admin.deleteRole(scopeOf(req).tenant, method, nameOf(req));
          return reply.code(204).send();
        },
      );
      v.get(`${base}/role`, admin(`auth.${method}.role.list`, `List ${method} login roles (LIST or ?list=true)`), async (req) => {
        const keys = await deps.admin.listRoles(scopeOf(req).tenant, method);
        if (!keys.length) throw fail('AUTH_ROLE_NOT_FOUND', `No ${method} login roles in this tenant.`);
        return envelope(req.id, { keys });
      });
      both(`${base}/login`, pub(`Log in with ${method}: answers a Keyhaven token in Vault's auth shape`), async (req) => {
        const b = bodyOf(req);
        const ctx = ctxOf(req);
        const r =
          method === 'approle'
            ? await deps.logins.approle(b, ctx)
            : method === 'kubernetes'
              ? await deps.logins.kubernetes(b, ctx)
              : await deps.logins.jwt(b, ctx);
        return authEnvelope(req, r);
      });
      if (method !== 'approle') {
        const schema = method === 'kubernetes' ? kubernetesConfigBody : jwtConfigBody;
        both(`${base}/config`, admin(`auth.${method}.config.write`, `Configure the ${method} login for the tenant`), async (req, reply) => {
          const tenant = scopeOf(req).tenant;
          if (method === 'kubernetes') await deps.admin.putKubernetesConfig(tenant, parseWith(kubernetesConfigBody, bodyOf(req)));
          else await deps.admin.putJwtConfig(tenant, parseWith(schema as typeof jwtConfigBody, bodyOf(req)));
          return reply.code(204).send();
        });
        v.get(
          `${base}/config`,
          admin(`auth.${method}.config.read`, `Read the ${method} login configuration (never the reviewer token)`),
          async (req) => envelope(req.id, await deps.admin.getConfig(scopeOf(req).tenant, method)),
        );
        v.delete(
          `${base}/config`,
          admin(`auth.${method}.config.delete`, `Remove the ${method} login configuration`),
          async (req, reply) => {
            await deps.admin.deleteConfig(scopeOf(req).tenant, method);
            return reply.code(204).send();
          },
        );
      }
    }

    const ar = '/v1/auth/approle/role/:name';
    v.get(`${ar}/role-id`, admin('auth.approle.role_id.read', 'The role_id of an AppRole role'), async (req) => {
      const r = await deps.admin.getRole(scopeOf(req).tenant, 'approle', nameOf(req));
      return envelope(req.id, { role_id: r.roleId });
    });
    both(
      `${ar}/secret-id`,
      admin('auth.approle.secret_id.create', 'Issue a secret_id (shown once; only its hash is stored)'),
      async (req) => {
        const b = parseWith(secretIdBody, bodyOf(req));
        const cidrs =
          b.cidr_list === undefined
            ? undefined
            : (Array.isArray(b.cidr_list) ? b.cidr_list : b.cidr_list.split(',')).map((s) => s.trim()).filter(Boolean);
        const s = await deps.admin.issueSecretId(scopeOf(req).tenant, nameOf(req), {
          metadata: metadataOf(b.metadata),
          cidrs,
          ttl: b.ttl,
          numUses: b.num_uses,
        });
        return envelope(req.id, s);
      },
    );
    v.get(
      `${ar}/secret-id`,
      admin('auth.approle.secret_id.list', "List the accessors of a role's secret_ids (LIST or ?list=true)"),
      async (req) => {
        const items = await deps.admin.listSecretIds(scopeOf(req).tenant, nameOf(req));
        if (!items.length) throw fail('AUTH_ROLE_NOT_FOUND', 'The role has no secret_ids.');
        return envelope(req.id, {
          keys: items.map((s) => s.accessor),
          key_info: Object.fromEntries(items.map((s) => [s.accessor, secretIdView(s)])),
        });
      },
    );
    v.post(`${ar}/secret-id-accessor/lookup`, admin('auth.approle.secret_id.read', 'Describe a secret_id by its accessor'), async (req) => {
      const b = parseWith(accessorBody, bodyOf(req));
      return envelope(req.id, secretIdView(await deps.admin.lookupSecretId(scopeOf(req).tenant, nameOf(req), b.secret_id_accessor)));
    });
    const destroy = async (req: FastifyRequest, reply: FastifyReply) => {
      const b = parseWith(accessorBody, bodyOf(req));
      await deps.admin.destroySecretId(scopeOf(req).tenant, nameOf(req), b.secret_id_accessor);
      return reply.code(204).send();
    };
    v.post(`${ar}/secret-id-accessor/destroy`, admin('auth.approle.secret_id.destroy', 'Destroy a secret_id by its accessor'), destroy);
    v.delete(`${ar}/secret-id-accessor/destroy`, admin('auth.approle.secret_id.destroy', 'Destroy a secret_id by its accessor'), destroy);

    const self = (audit: string, summary: string) => ({ config: { access: { tenant: false }, audit }, schema: { tags, summary } });
    both(
      '/v1/auth/token/renew-self',
      self('vault.token.renew_self', "Renew the calling token (up to its max TTL), in Vault's auth shape"),
      async (req) => {
        const b = parseWith(renewBody, bodyOf(req));
        const t = req.auth!.token;
        const s = await deps.tokens.renew(t, b.increment || undefined);
        const ttl = s.expires_at ? Math.max(0, Math.round((Date.parse(s.expires_at) - deps.clock.now().getTime()) / 1000)) : 0;
        const role = s.grants[0]?.role ?? (t.isRoot ? 'root' : 'default');
        return {
          ...envelope(req.id, null),
          warnings:
            s.max_expires_at && s.expires_at === s.max_expires_at
              ? ['TTL of the token is capped by its max TTL; log in again before it expires']
              : null,
          auth: {
            client_token: presented(req),
            accessor: t.id,
            policies: [role],
            token_policies: [role],
            metadata: s.identity?.metadata ?? null,
            lease_duration: ttl,
            renewable: Boolean(s.max_expires_at && s.expires_at !== s.max_expires_at),
            entity_id: '',
            token_type: 'service',
            orphan: true,
            num_uses: 0,
          },
        };
      },
    );
    both('/v1/auth/token/revoke-self', self('vault.token.revoke_self', 'Revoke the calling token'), async (req, reply) => {
      await deps.tokens.revokeSelf(req.auth!.token);
      return reply.code(204).send();
    });
  });
};
