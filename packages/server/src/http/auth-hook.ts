// The access pipeline, run once for every route before its handler: authenticate the token,
// resolve the tenant from X-Tenant-ID, and check the route's action against the token's role.
// Handlers never repeat these checks.
import type { FastifyRequest } from 'fastify';
import { fail } from '../lib/errors.js';
import { roleAllows } from '../features/access/roles.js';
import type { TokenService } from '../features/tokens/token-service.js';
import type { TenantService } from '../features/tenants/tenant-service.js';

export const TENANT_HEADER = 'x-tenant-id';

/** Reads the token from `Authorization: Bearer`, `X-Keyhaven-Token` or `X-Vault-Token`. */
export const presentedToken = (req: FastifyRequest): string | undefined => {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
  const kh = req.headers['x-keyhaven-token'] ?? req.headers['x-vault-token'];
  return typeof kh === 'string' && kh.length > 0 ? kh : undefined;
};

export const createAuthHook = (deps: { tokens: TokenService; tenants: TenantService }) =>
  async function authHook(req: FastifyRequest) {
    const rule = req.routeOptions.config.access;
    if (!rule) throw fail('ROUTE_NOT_FOUND'); // a route without an access rule is never served
    if ('public' in rule) return;
    const raw = presentedToken(req);
    if (!raw) throw fail('UNAUTHENTICATED');
    if (raw.length > 512) throw fail('UNAUTHENTICATED', 'The token is not valid.');
    const token = await deps.tokens.authenticate(raw);
    req.auth = { token, role: null };
    if (rule.system && !token.isRoot) throw fail('FORBIDDEN', 'Only a root token can manage tenants.');
    if (!rule.tenant) return;
    const tenant = req.headers[TENANT_HEADER];
    if (typeof tenant !== 'string' || tenant.length === 0) throw fail('TENANT_REQUIRED');
    const role = await deps.tokens.roleIn(token, tenant);
    // A tenant the token cannot reach looks exactly like one that does not exist.
    if (!role || !(await deps.tenants.exists(tenant))) throw fail('TENANT_NOT_FOUND', `No tenant "${tenant.slice(0, 64)}", or the token has no access to it.`);
    req.auth = { token, role, scope: { tenant, actor: { tokenId: token.id, name: token.name } } };
    const action = typeof rule.action === 'function' ? rule.action(req) : rule.action;
    if (action && !roleAllows(role, action)) {
      throw fail('FORBIDDEN', `The token's role "${role}" does not allow "${action}" here; ask for a token with a role that does.`);
    }
  };
