// The access pipeline, run once for every route before its handler. onRequest: authenticate the
// token (with brute-force limiting per source), resolve the tenant from X-Tenant-ID and the token's
// role there. preHandler (after the body is parsed): check the route's action against the role's
// policies for the secret the request names. Handlers never repeat these checks.
import type { FastifyRequest } from 'fastify';
import { fail, KeyhavenError } from '../lib/errors.js';
import type { TokenService } from '../features/tokens/token-service.js';
import type { TenantService } from '../features/tenants/tenant-service.js';
import type { PolicyService } from '../features/access/policy-service.js';
import { isBuiltinRole, type ResourceFacts } from '../features/access/policy.js';
import { routeConfig, type SecretLookup } from './pipeline-types.js';
import type { FailureLimiter } from './failure-limiter.js';
import { cookieValue, CSRF_HEADER, SESSION_COOKIE, type ConsoleSessions } from '../features/console/console-sessions.js';

export const TENANT_HEADER = 'x-tenant-id';

/** Reads the token from `Authorization: Bearer`, `X-Keyhaven-Token` or `X-Vault-Token`. */
export const presentedToken = (req: FastifyRequest): string | undefined => {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
  const kh = req.headers['x-keyhaven-token'] ?? req.headers['x-vault-token'];
  return typeof kh === 'string' && kh.length > 0 ? kh : undefined;
};

export interface AccessDeps {
  tokens: TokenService;
  tenants: TenantService;
  policies: PolicyService;
  secrets: SecretLookup;
  limiter: FailureLimiter;
  sessions?: ConsoleSessions;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A browser's cross-origin request carries an Origin that names another host. */
const crossOrigin = (req: FastifyRequest): boolean => {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === '') return false;
  try {
    const o = new URL(origin);
    // Parsed alike, so a default port (Host: example.org:443 against Origin https://example.org) matches.
    return o.host !== new URL(`${o.protocol}//${req.headers.host ?? ''}`).host;
  } catch {
    return true;
  }
};

/** The token behind the console's session cookie, when the request sends no token of its own.
 *  Changes need the session's CSRF token in X-Keyhaven-CSRF and no foreign Origin. */
const sessionToken = async (req: FastifyRequest, sessions: ConsoleSessions | undefined): Promise<string | undefined> => {
  if (!sessions) return undefined;
  const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (cookie === undefined) return undefined;
  const unsafe = !SAFE_METHODS.has(req.method);
  if (unsafe && crossOrigin(req)) throw fail('CSRF_CHECK_FAILED');
  const csrf = req.headers[CSRF_HEADER];
  return (await sessions.resolve(cookie, { unsafe, csrf: typeof csrf === 'string' ? csrf : undefined })).token;
};

export const createAuthenticateHook = (deps: AccessDeps) =>
  async function authenticate(req: FastifyRequest) {
    const rule = routeConfig(req).access;
    if (!rule) throw fail('ROUTE_NOT_FOUND'); // a route without an access rule is never served
    if (/%00|\u0000/i.test(req.url)) throw fail('VALIDATION_FAILED', 'The request path or query holds a NUL character.');
    if ('public' in rule) return;
    // Failures are limited per source for credentials that do not authenticate, and per token for a
    // valid token probing tenants it cannot reach. A blocked source still lets a valid token through:
    // guessing a 256-bit token is what the limit stops, not the holders of real ones behind one address.
    const source = req.ip;
    const sourceBlocked = deps.limiter.blocked(`ip:${source}`);
    let token;
    try {
      const raw = presentedToken(req) ?? (await sessionToken(req, deps.sessions));
      if (!raw) throw fail('UNAUTHENTICATED');
      if (raw.length > 512) throw fail('UNAUTHENTICATED', 'The token is not valid.');
      token = await deps.tokens.authenticate(raw, source);
    } catch (e) {
      if (e instanceof KeyhavenError && e.status === 401) {
        if (sourceBlocked)
          throw fail('RATE_LIMITED', `Too many failed attempts from ${source}; wait ${deps.limiter.windowSeconds} seconds and try again.`);
        deps.limiter.fail(`ip:${source}`);
      }
      throw e;
    }
    req.auth = { token, role: null };
    if (rule.system && !token.isRoot) throw fail('FORBIDDEN', 'Only a root token can do this (system administration).');
    if (!rule.tenant) return;
    const tenant = req.headers[TENANT_HEADER];
    if (typeof tenant !== 'string' || tenant.length === 0) throw fail('TENANT_REQUIRED');
    const tokenKey = `token:${token.id}`;
    const role = await deps.tokens.roleIn(token, tenant);
    // A tenant the token cannot reach looks exactly like one that does not exist.
    if (!role || !(await deps.tenants.exists(tenant))) {
      if (deps.limiter.blocked(tokenKey))
        throw fail(
          'RATE_LIMITED',
          `Too many requests for tenants this token cannot reach; wait ${deps.limiter.windowSeconds} seconds and try again.`,
        );
      deps.limiter.fail(tokenKey);
      throw fail('TENANT_NOT_FOUND', `No tenant "${tenant.slice(0, 64)}", or the token has no access to it.`);
    }
    req.auth = { token, role, scope: { tenant, actor: { tokenId: token.id, name: token.name } } };
  };

/** The role check in preHandler, after the body is parsed (a rule's `resource` may read it); routes
 *  that declare `authorizeBeforeBody` are checked by the onRequest hook from `createEarlyAuthorizeHook`
 *  instead, before their body is read. */
export const createAuthorizeHook = (deps: AccessDeps) => {
  const check = authorizeRequest(deps);
  return async function authorize(req: FastifyRequest) {
    if (!routeConfig(req).authorizeBeforeBody) await check(req);
  };
};

/** Runs after authentication, in onRequest: the role check of routes that declare `authorizeBeforeBody`. */
export const createEarlyAuthorizeHook = (deps: AccessDeps) => {
  const check = authorizeRequest(deps);
  return async function authorizeBeforeBody(req: FastifyRequest) {
    const c = routeConfig(req);
    if (!c.authorizeBeforeBody) return;
    if (c.access && 'resource' in c.access && c.access.resource)
      throw new Error('authorizeBeforeBody on a route whose rule reads a resource');
    await check(req);
  };
};

const authorizeRequest = (deps: AccessDeps) =>
  async function authorize(req: FastifyRequest) {
    const rule = routeConfig(req).access;
    if (!rule || 'public' in rule || !rule.tenant || !rule.action) return;
    const auth = req.auth!;
    const scope = auth.scope!;
    const action = typeof rule.action === 'function' ? rule.action(req) : rule.action;
    const authz = await deps.policies.authorizerFor(scope.tenant, auth.role!);
    const named = rule.resource?.(req) ?? null;
    let allowed: boolean;
    if (!named) {
      allowed = action === 'list' ? authz.mayAllow('list') : authz.allows(action, null);
    } else {
      // Stored facts decide for an existing secret; facts in the body (a new secret, or metadata
      // being changed) must be allowed too, so nobody moves a secret into or out of their reach.
      const stored = authz.needsFacts ? await deps.secrets.facts(scope.tenant, named.name) : null;
      const checks: ResourceFacts[] = [];
      if (stored) checks.push({ name: named.name, ...stored });
      if (!stored || named.environment !== undefined || named.tags !== undefined) {
        checks.push({
          name: named.name,
          environment: named.environment ?? stored?.environment ?? null,
          tags: named.tags ?? stored?.tags ?? [],
        });
      }
      allowed = checks.every((f) => authz.allows(action, f));
    }
    if (!allowed) {
      throw fail(
        'FORBIDDEN',
        `The token's role "${auth.role}" does not allow "${action}"${named ? ` on "${named.name}"` : ''}; ask for a token with a role that does.`,
      );
    }
    // Lists and fingerprint matches return only what a custom role may see; a change of the facts
    // a policy tests is checked against old and new facts by the service (fact-change.ts).
    if (!isBuiltinRole(auth.role!)) {
      scope.canSee = (f) => authz.allows('list', f);
      scope.may = { role: auth.role!, allows: (a, f) => authz.allows(a, f) };
    }
  };
