// Logins of machine identities: AppRole (role_id + secret_id), Kubernetes (a service-account JWT,
// checked by the cluster's TokenReview API or configured keys) and JWT/OIDC (a CI token verified
// against a JWKS URL or PEM keys, with bound audiences and claims). Each success issues a short-lived
// Keyhaven token with the role's tenant, Keyhaven role, TTL, max TTL and CIDR binding, its identity
// recorded on the token. Every attempt is audited (never the secret_id or the JWT); failures count
// per source address in the database (shared by replicas) and a source over the limit is refused.
// An unknown role and a credential the role does not accept give the same AUTH_LOGIN_FAILED.
import type { JWTPayload } from 'jose';
import type { AuditBroker } from '../../audit/broker.js';
import type { Clock } from '../../lib/clock.js';
import { fail, KeyhavenError } from '../../lib/errors.js';
import { cidrsAllow } from '../../lib/cidr.js';
import type { EgressPolicy } from '../../lib/egress.js';
import type { TokenService } from '../tokens/token-service.js';
import type { AuthStore, RoleRow } from './auth-store.js';
import type { LoginLimiter } from './login-limiter.js';
import type { LoginMethod } from './auth-schemas.js';
import { hashSecretId } from './auth-admin-service.js';
import { claimAt, createJwtVerifier, globMatches } from './jwt-verify.js';
import { reviewToken } from './token-review.js';

export interface LoginContext {
  source: string | undefined;
  userAgent: string | null;
  requestId: string;
  tenant: string;
}
export interface LoginResult {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  lease_duration: number;
  renewable: boolean;
  metadata: Record<string, string>;
  tenant: string;
  expires_at: string | null;
}

/** Why a login was refused, for the audit log only (never shown to the client, never a credential). */
class Refused extends KeyhavenError {
  constructor(
    code: ConstructorParameters<typeof KeyhavenError>[0],
    message: string | undefined,
    readonly reason: string,
    readonly tenant = '',
    readonly role: string | null = null,
  ) {
    super(code, message);
  }
}

const MAX_JWT = 16 * 1024;

export const createLoginService = (deps: {
  store: AuthStore;
  tokens: TokenService;
  tenantExists: (t: string) => Promise<boolean>;
  roleExists: (t: string, r: string) => Promise<boolean>;
  broker: AuditBroker;
  clock: Clock;
  limiter: LoginLimiter;
  egress: EgressPolicy;
}) => {
  const { store, clock } = deps;
  const jwtVerifier = createJwtVerifier({ clock, egress: deps.egress, what: 'The JWT login' });
  const k8sVerifier = createJwtVerifier({ clock, egress: deps.egress, what: 'The Kubernetes login' });

  const denied = (method: LoginMethod, reason: string, tenant = '', role: string | null = null) =>
    new Refused(
      'AUTH_LOGIN_FAILED',
      method === 'approle'
        ? 'The login was refused: the role_id or the secret_id is not valid.'
        : `The login was refused: the role${role ? ` "${role.slice(0, 128)}"` : ''} does not exist in this tenant, or the token does not match its bindings (${method === 'jwt' ? 'bound_audiences, bound_subject, bound_claims' : 'bound service account names and namespaces, audience'}).`,
      reason,
      tenant,
      role,
    );

  const record = (
    method: LoginMethod,
    ctx: LoginContext,
    o: {
      outcome: 'success' | 'denied' | 'error';
      status: number;
      tenant: string;
      role: string | null;
      code?: string;
      tokenId?: string;
      tokenName?: string;
      details: Record<string, unknown>;
    },
  ) =>
    deps.broker.record({
      time: clock.now().toISOString(),
      tenant: o.tenant,
      actor_id: o.tokenId ?? null,
      actor_name: o.tokenName ?? null,
      actor_kind: o.tokenId ? 'service' : 'anonymous',
      action: `auth.${method}.login`,
      resource: o.role,
      outcome: o.outcome,
      status: o.status,
      error_code: o.code ?? null,
      source_ip: ctx.source ?? null,
      user_agent: ctx.userAgent ? ctx.userAgent.slice(0, 256).replace(/[\u0000-\u001f\u007f]/g, '\ufffd') : null,
      request_id: ctx.requestId.slice(0, 64),
      version: null,
      value_hmac: null,
      details: { method, ...o.details },
    });

  /** Issues the token for a role that accepted the credential. */
  const issue = async (
    method: LoginMethod,
    role: RoleRow,
    subject: string,
    metadata: Record<string, string>,
    ctx: LoginContext,
  ): Promise<LoginResult> => {
    const c = role.config;
    if (!(await deps.tenantExists(role.tenant))) throw denied(method, 'tenant deleted', role.tenant, role.name);
    if (!(await deps.roleExists(role.tenant, c.token_role)))
      throw new Refused(
        'AUTH_LOGIN_FAILED',
        `The login role "${role.name}" gives a Keyhaven role "${c.token_role}" that no longer exists in the tenant; an administrator updates the login role.`,
        'token_role missing',
        role.tenant,
        role.name,
      );
    if (!cidrsAllow(c.token_bound_cidrs, ctx.source))
      throw new Refused(
        'AUTH_SOURCE_NOT_ALLOWED',
        "The role's tokens may only be used from its token_bound_cidrs, and this request comes from outside them.",
        'token_bound_cidrs',
        role.tenant,
        role.name,
      );
    const meta = { role: role.name, ...metadata };
    const t = await deps.tokens.create({
      name: `${method}:${role.name}:${subject}`.slice(0, 128),
      kind: 'service',
      tenant: role.tenant,
      role: c.token_role,
      ttlSeconds: c.token_ttl,
      createdBy: null,
      login: {
        identity: { method, role: role.name, subject, metadata: meta },
        maxTtlSeconds: c.token_max_ttl,
        boundCidrs: c.token_bound_cidrs,
      },
    });
    return {
      client_token: t.token,
      accessor: t.id,
      policies: [c.token_role],
      token_policies: [c.token_role],
      lease_duration: c.token_ttl,
      renewable: c.token_max_ttl > c.token_ttl,
      metadata: meta,
      tenant: role.tenant,
      expires_at: t.expires_at,
    };
  };

  /** Rate limit, audit and uniform failure around one login. */
  const run = async (
    method: LoginMethod,
    ctx: LoginContext,
    attempt: () => Promise<{ role: RoleRow; subject: string; metadata: Record<string, string>; details: Record<string, unknown> }>,
  ): Promise<LoginResult> => {
    const key = `login:${ctx.source ?? 'unknown'}`;
    if (await deps.limiter.blocked(key)) {
      const e = fail(
        'RATE_LIMITED',
        `Too many failed logins from ${ctx.source}; wait ${deps.limiter.windowSeconds} seconds and try again.`,
      );
      await record(method, ctx, {
        outcome: 'denied',
        status: 429,
        tenant: '',
        role: null,
        code: 'RATE_LIMITED',
        details: { reason: 'rate limited' },
      });
      throw e;
    }
    let ok: Awaited<ReturnType<typeof attempt>>;
    let result: LoginResult;
    try {
      ok = await attempt();
      result = await issue(method, ok.role, ok.subject, ok.metadata, ctx);
    } catch (e) {
      const err = e instanceof KeyhavenError ? e : fail('INTERNAL');
      const refusal = e instanceof Refused ? e : null;
      if (err.status === 401 || err.status === 403) await deps.limiter.fail(key);
      await record(method, ctx, {
        outcome: err.status < 500 ? 'denied' : 'error',
        status: err.status,
        tenant: refusal?.tenant ?? '',
        role: refusal?.role ?? null,
        code: err.code,
        details: { reason: refusal?.reason ?? err.message.slice(0, 200) },
      });
      if (refusal) throw new KeyhavenError(refusal.code, refusal.message);
      throw e;
    }
    try {
      await record(method, ctx, {
        outcome: 'success',
        status: 200,
        tenant: result.tenant,
        role: ok.role.name,
        tokenId: result.accessor,
        tokenName: `${method}:${ok.role.name}`,
        details: { identity: ok.subject, ...ok.details },
      });
    } catch (e) {
      // Fail closed: a login nobody could record gives no usable token.
      await deps.tokens.revoke(result.tenant, result.accessor).catch(() => {});
      throw e;
    }
    return result;
  };

  const requireString = (v: unknown, field: string, max: number): string => {
    if (typeof v !== 'string' || v.length === 0) throw fail('VALIDATION_FAILED', `"${field}" is required (a string).`);
    if (v.length > max) throw fail('VALIDATION_FAILED', `"${field}" is longer than ${max} characters.`);
    return v;
  };

  return {
    approle(body: { role_id?: unknown; secret_id?: unknown }, ctx: LoginContext) {
      const roleId = requireString(body.role_id, 'role_id', 256);
      const secretId = requireString(body.secret_id, 'secret_id', 256);
      return run('approle', ctx, async () => {
        const role = await store.roleByRoleId(roleId);
        // An unknown role_id costs the same lookups as a known one, so timing does not tell them apart.
        const hash = hashSecretId(secretId);
        if (!role) {
          await store.secretIdByHash('-', '-', hash);
          throw denied('approle', 'unknown role_id');
        }
        const sid = await store.secretIdByHash(role.tenant, role.name, hash);
        if (!sid) throw denied('approle', 'secret_id not issued for this role', role.tenant, role.name);
        if (sid.expiresAt && sid.expiresAt <= clock.now().toISOString())
          throw new Refused(
            'AUTH_CREDENTIAL_EXPIRED',
            `The secret_id expired at ${sid.expiresAt}; issue a new one.`,
            'secret_id expired',
            role.tenant,
            role.name,
          );
        if (!cidrsAllow(sid.boundCidrs, ctx.source))
          throw new Refused(
            'AUTH_SOURCE_NOT_ALLOWED',
            'The secret_id may only be used from its bound CIDRs, and this request comes from outside them.',
            'secret_id_bound_cidrs',
            role.tenant,
            role.name,
          );
        if (sid.usesLeft !== null && !(await store.takeUse(role.tenant, sid.accessor)))
          throw new Refused('AUTH_CREDENTIAL_USED', undefined, 'secret_id use count exhausted (replay)', role.tenant, role.name);
        return {
          role,
          subject: sid.accessor,
          metadata: { ...sid.metadata, secret_id_accessor: sid.accessor },
          details: { secret_id_accessor: sid.accessor },
        };
      });
    },

    kubernetes(body: { role?: unknown; jwt?: unknown }, ctx: LoginContext) {
      const roleName = requireString(body.role, 'role', 128);
      const jwt = requireString(body.jwt, 'jwt', MAX_JWT);
      return run('kubernetes', ctx, async () => {
        const cfg = await store.getConfig<{
          kubernetes_host?: string;
          kubernetes_ca_cert?: string;
          pem_keys?: string[];
          issuer?: string;
          disable_iss_validation?: boolean;
        }>(ctx.tenant, 'kubernetes');
        if (!cfg || !(await deps.tenantExists(ctx.tenant)))
          throw new Refused(
            'AUTH_METHOD_NOT_CONFIGURED',
            `The kubernetes login is not configured for tenant "${ctx.tenant.slice(0, 64)}" (or there is no such tenant).`,
            'not configured',
            '',
            roleName,
          );
        const c = cfg.config;
        let account: { namespace: string; name: string; uid: string | null; audiences: string[] };
        if (c.pem_keys?.length) {
          // A projected token names its account under `kubernetes.io`; a legacy (secret-based) one in flat claims.
          const claims = (await k8sVerifier.verify(jwt, {
            pems: c.pem_keys,
            issuer: c.disable_iss_validation ? undefined : c.issuer,
          })) as JWTPayload & {
            'kubernetes.io'?: { namespace?: string; serviceaccount?: { name?: string; uid?: string } };
            'kubernetes.io/serviceaccount/service-account.uid'?: string;
          };
          const kio = claims['kubernetes.io'];
          const ns = kio?.namespace ?? claims['kubernetes.io/serviceaccount/namespace'];
          const sa = kio?.serviceaccount?.name ?? claims['kubernetes.io/serviceaccount/service-account.name'];
          if (typeof ns !== 'string' || typeof sa !== 'string')
            throw new Refused(
              'AUTH_JWT_INVALID',
              'The JWT is not a Kubernetes service-account token (no namespace and service account claims).',
              'no service account claims',
              ctx.tenant,
              roleName,
            );
          const aud = claims.aud;
          account = {
            namespace: ns,
            name: sa,
            uid: kio?.serviceaccount?.uid ?? claims['kubernetes.io/serviceaccount/service-account.uid'] ?? null,
            audiences: Array.isArray(aud) ? aud : typeof aud === 'string' ? [aud] : [],
          };
        } else {
          account = await reviewToken({
            host: c.kubernetes_host!,
            ca: c.kubernetes_ca_cert,
            reviewerJwt: cfg.secret,
            jwt,
            egress: deps.egress,
          });
        }
        const role = await store.getRole(ctx.tenant, 'kubernetes', roleName);
        const who = `${account.namespace}/${account.name}`;
        if (!role) throw denied('kubernetes', `unknown role (service account ${who})`, ctx.tenant, roleName);
        const rc = role.config;
        const nameOk = rc.bound_service_account_names!.some((p) => globMatches(p, account.name));
        const nsOk = rc.bound_service_account_namespaces!.some((p) => globMatches(p, account.namespace));
        if (!nameOk || !nsOk)
          throw denied('kubernetes', `service account ${who} not bound (${!nsOk ? 'namespace' : 'name'})`, ctx.tenant, roleName);
        if (rc.audience && !account.audiences.includes(rc.audience))
          throw denied('kubernetes', `audience ${rc.audience} not in token`, ctx.tenant, roleName);
        return {
          role,
          subject: who,
          metadata: {
            service_account_name: account.name,
            service_account_namespace: account.namespace,
            ...(account.uid ? { service_account_uid: account.uid } : {}),
          },
          details: { namespace: account.namespace, service_account: account.name, via: c.pem_keys?.length ? 'keys' : 'tokenreview' },
        };
      });
    },

    jwt(body: { role?: unknown; jwt?: unknown }, ctx: LoginContext) {
      const roleName = requireString(body.role, 'role', 128);
      const jwt = requireString(body.jwt, 'jwt', MAX_JWT);
      return run('jwt', ctx, async () => {
        const cfg = await store.getConfig<{
          jwks_url?: string;
          jwt_validation_pubkeys?: string[];
          bound_issuer?: string;
          jwt_supported_algs?: string[];
        }>(ctx.tenant, 'jwt');
        if (!cfg || !(await deps.tenantExists(ctx.tenant)))
          throw new Refused(
            'AUTH_METHOD_NOT_CONFIGURED',
            `The jwt login is not configured for tenant "${ctx.tenant.slice(0, 64)}" (or there is no such tenant).`,
            'not configured',
            '',
            roleName,
          );
        const c = cfg.config;
        const claims = (await jwtVerifier.verify(jwt, {
          jwksUrl: c.jwks_url,
          pems: c.jwt_validation_pubkeys,
          issuer: c.bound_issuer,
          algorithms: c.jwt_supported_algs,
        })) as Record<string, unknown>;
        const role = await store.getRole(ctx.tenant, 'jwt', roleName);
        const sub = typeof claims.sub === 'string' ? claims.sub.slice(0, 256) : '';
        if (!role) throw denied('jwt', `unknown role (sub ${sub})`, ctx.tenant, roleName);
        const rc = role.config;
        const aud = Array.isArray(claims.aud) ? claims.aud.map(String) : typeof claims.aud === 'string' ? [claims.aud] : [];
        if (rc.bound_audiences?.length && !rc.bound_audiences.some((a) => aud.includes(a)))
          throw denied('jwt', `aud ${aud.join(',').slice(0, 200)} not in bound_audiences`, ctx.tenant, roleName);
        if (rc.bound_subject && rc.bound_subject !== sub) throw denied('jwt', `sub ${sub} is not bound_subject`, ctx.tenant, roleName);
        for (const [claim, allowed] of Object.entries(rc.bound_claims ?? {})) {
          const have = claimAt(claims, claim);
          const values = (Array.isArray(have) ? have : [have]).filter((v) => v !== undefined && v !== null).map(String);
          const wanted = (Array.isArray(allowed) ? allowed : [allowed]).map(String);
          if (!values.some((v) => wanted.some((w) => globMatches(w, v))))
            throw denied('jwt', `claim ${claim} (${values.join(',').slice(0, 200) || 'missing'}) not bound`, ctx.tenant, roleName);
        }
        const userClaim = claimAt(claims, rc.user_claim ?? 'sub');
        if (typeof userClaim !== 'string' && typeof userClaim !== 'number')
          throw denied('jwt', `user_claim ${rc.user_claim} missing`, ctx.tenant, roleName);
        const metadata: Record<string, string> = {};
        for (const [claim, key] of Object.entries(rc.claim_mappings ?? {})) {
          const v = claimAt(claims, claim);
          if (v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v))) continue;
          metadata[key] = (Array.isArray(v) ? v.map(String).join(',') : String(v)).slice(0, 512);
        }
        return {
          role,
          subject: String(userClaim).slice(0, 256),
          metadata,
          details: { sub, iss: typeof claims.iss === 'string' ? claims.iss.slice(0, 256) : null },
        };
      });
    },
  };
};
export type LoginService = ReturnType<typeof createLoginService>;
