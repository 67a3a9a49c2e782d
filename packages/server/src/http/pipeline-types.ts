// Types of the request pipeline: what a route declares about access, and what the pipeline attaches
// to the request (authenticated token, tenant scope). Route files import these, never the framework.
import type {
  FastifyContextConfig,
  FastifyInstance,
  FastifyRequest,
  FastifyBaseLogger,
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Action } from '../features/access/roles.js';
import type { ResourceFacts } from '../features/access/policy.js';
import type { TokenRecord, RoleName } from '../features/tokens/token-service.js';
import type { Scope } from '../features/secrets/secret-service.js';

export type AccessRule =
  | { public: true }
  | {
      /** Whether the route acts inside a tenant chosen by X-Tenant-ID. */
      tenant: boolean;
      /** The action checked against the token's role; a function when it depends on the request. */
      action?: Action | ((req: FastifyRequest) => Action);
      /** Only root tokens (system administration such as tenants). */
      system?: boolean;
      /** The secret a request acts on, for name-pattern and condition policies; null = tenant-wide. */
      resource?: (req: FastifyRequest) => (Partial<ResourceFacts> & { name: string }) | null;
    };

export interface AuthContext {
  token: TokenRecord;
  role: RoleName | null;
  scope?: Scope;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessRule;
    /** The audit event name, e.g. `secret.read`; a function when it depends on the request. */
    audit?: string | ((req: FastifyRequest) => string);
    /** The route runs even when the audit chain is damaged (AUDIT_CHAIN_DAMAGED): verify and seal only. */
    auditOnDamagedChain?: boolean;
    /** The role is checked before the body is read (onRequest, not preHandler), so a token that may
     *  not call the route cannot upload to it. Only for routes whose access rule reads nothing from
     *  the body (no `resource`). */
    authorizeBeforeBody?: boolean;
  }
  interface FastifyRequest {
    auth?: AuthContext | null;
    /** The route config, read once (routeConfig). */
    khRouteConfig?: (FastifyContextConfig & { url?: string }) | null;
    /** A secret route's parsed path, read once (secret-routes.ts). */
    khSecretPath?: { name: string; suffix: string | null } | null;
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
export type Request = FastifyRequest;

/** The tenant scope of an authenticated tenant route; the pipeline guarantees it is present. */
export const scopeOf = (req: FastifyRequest): Scope => {
  const scope = req.auth?.scope;
  if (!scope) throw new Error('route declared no tenant access rule');
  return scope;
};

/** What the access pipeline needs to know of a secret for condition policies. */
export interface SecretLookup {
  facts(tenant: string, name: string): Promise<{ environment: string | null; tags: string[] } | null>;
}

/** The route's config (access rule, audit name, and Fastify's `url` template), looked up once per
 *  request: Fastify's `request.routeOptions` builds a new object on every access. Kept on the request
 *  itself (a decorated property, see PER_REQUEST), not in a WeakMap keyed by it: every request's entry
 *  in a WeakMap made each young-generation GC walk an ephemeron table, which tripled its pauses. */
export const routeConfig = (req: FastifyRequest): FastifyContextConfig & { url?: string } => {
  let c = req.khRouteConfig;
  if (!c) {
    c = req.routeOptions.config as FastifyContextConfig & { url?: string };
    req.khRouteConfig = c;
  }
  return c;
};

/** Properties the pipeline sets on a request, declared up front (decorateRequest with null) so every
 *  request object has one shape from its construction. */
export const PER_REQUEST = ['auth', 'auditNote', 'khRouteConfig', 'khSecretPath'] as const;
