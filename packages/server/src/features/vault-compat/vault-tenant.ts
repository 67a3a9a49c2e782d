// Tenant resolution for the Vault-compatible API, run before authentication: a request under a
// configured mount acts in the tenant named by X-Vault-Namespace (Vault Enterprise namespaces), else
// by X-Tenant-ID, else by the mount's configured tenant (default: mount `kv` → tenant `default`).
import type { FastifyRequest } from 'fastify';

export interface VaultCompatSettings {
  enabled: boolean;
  mounts: Record<string, string>;
}

/** The mount of a request path `/v1/<mount>/…`, when it is a configured one. */
export const mountOf = (url: string, mounts: Record<string, string>): string | undefined => {
  const m = /^\/v1\/([^/?]+)\//.exec(url);
  return m && Object.prototype.hasOwnProperty.call(mounts, m[1]!) ? m[1] : undefined;
};

export const namespaceTenant = (ns: unknown): string | undefined =>
  typeof ns === 'string' && ns.trim() ? ns.trim().replace(/^\/+|\/+$/g, '') || undefined : undefined;

/** Synchronous: the request pipeline runs it without a promise. */
export const createVaultTenantHook = (settings: VaultCompatSettings) =>
  function vaultTenant(req: FastifyRequest): void {
    if (!settings.enabled) return;
    const mount = mountOf(req.url, settings.mounts);
    if (!mount) return;
    const tenant =
      namespaceTenant(req.headers['x-vault-namespace']) ??
      (typeof req.headers['x-tenant-id'] === 'string' && req.headers['x-tenant-id'] ? req.headers['x-tenant-id'] : settings.mounts[mount]!);
    req.headers['x-tenant-id'] = tenant;
  };
