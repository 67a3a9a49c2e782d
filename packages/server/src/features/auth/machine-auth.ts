// Composition of machine-identity logins (AppRole, Kubernetes, JWT/OIDC): the store, the admin and
// login services and their routes at Vault's auth paths, built from the app's narrow dependencies.
import type { StorageHandle } from '../../storage/database.js';
import type { Barrier } from '../../barrier/barrier.js';
import type { Clock } from '../../lib/clock.js';
import type { AuditBroker } from '../../audit/broker.js';
import type { EgressPolicy } from '../../lib/egress.js';
import type { TokenService } from '../tokens/token-service.js';
import type { TenantService } from '../tenants/tenant-service.js';
import type { PolicyService } from '../access/policy-service.js';
import { createAuthStore } from './auth-store.js';
import { createAuthAdminService } from './auth-admin-service.js';
import { createLoginService } from './login-service.js';
import { createLoginLimiter } from './login-limiter.js';
import { vaultAuthRoutes } from '../vault-compat/vault-auth-routes.js';

export const createMachineAuth = (deps: {
  storage: StorageHandle;
  barrier: Barrier;
  clock: Clock;
  broker: AuditBroker;
  tokens: TokenService;
  tenants: Pick<TenantService, 'exists'>;
  policies: Pick<PolicyService, 'roleExists'>;
  egress: EgressPolicy;
  limit: number;
  windowSeconds: number;
}) => {
  const store = createAuthStore({ storage: deps.storage, barrier: deps.barrier, clock: deps.clock });
  const roleExists = (t: string, r: string) => deps.policies.roleExists(t, r);
  const admin = createAuthAdminService({ store, clock: deps.clock, roleExists, egress: deps.egress });
  const logins = createLoginService({
    store,
    tokens: deps.tokens,
    tenantExists: (t) => deps.tenants.exists(t),
    roleExists,
    broker: deps.broker,
    clock: deps.clock,
    egress: deps.egress,
    limiter: createLoginLimiter({ storage: deps.storage, clock: deps.clock, limit: deps.limit, windowSeconds: deps.windowSeconds }),
  });
  return { admin, logins, routes: vaultAuthRoutes({ admin, logins, tokens: deps.tokens, clock: deps.clock }) };
};
