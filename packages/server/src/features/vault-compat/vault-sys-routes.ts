// The Vault system and token endpoints clients call when they start, in Vault's shapes:
// sys/health (Vault's status codes: 200 active, 503 "sealed" = Keyhaven not ready), sys/seal-status,
// sys/init, sys/mounts, sys/internal/ui/mounts/<path> (the vault CLI's KV v2 detection) and
// auth/token/lookup-self (never the token itself).
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../http/pipeline-types.js';
import type { TokenRecord } from '../tokens/token-service.js';
import { envelope } from './vault-shapes.js';
import { VaultError } from './vault-errors.js';
import type { VaultCompatSettings } from './vault-tenant.js';

export interface VaultSysDeps {
  /** True when the server can serve (database, keyring, migrations, audit): Vault's "unsealed". */
  ready: () => Promise<boolean>;
  /** Keyhaven's version; reported as build metadata of the Vault API level served. */
  version: string;
  storageType: string;
  /** The calling token's Keyhaven role and login identity, for lookup-self (machine logins). */
  describeToken?: (t: TokenRecord) => Promise<{
    role: string | null;
    metadata: Record<string, string> | null;
    ttlSeconds: number | null;
    maxExpiresAt: string | null;
    createdAt: string;
  }>;
}

/** The Vault API level Keyhaven's KV v2 surface follows; clients that gate features on the version read it. */
export const VAULT_API_LEVEL = '1.15.0';

const statusCode = (raw: unknown, fallback: number) => {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 200 && n <= 599 ? n : fallback;
};

export const vaultSysRoutes = (vault: App, settings: VaultCompatSettings, deps: VaultSysDeps) => {
  const mounts = Object.keys(settings.mounts);
  const version = `${VAULT_API_LEVEL}+keyhaven.${deps.version}`;
  // Stable across replicas that share a configuration.
  const hex = createHash('sha256')
    .update(`keyhaven:${JSON.stringify(settings.mounts)}`)
    .digest('hex');
  const cluster = {
    cluster_name: 'keyhaven',
    cluster_id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`,
  };
  const pub = (audit: string) => ({ access: { public: true as const }, audit });
  const tags = ['vault-compat'];

  vault.get(
    '/v1/sys/health',
    {
      config: pub('vault.sys.health'),
      schema: { tags, summary: 'Vault health: 200 when serving, 503 (sealed) when not ready; activecode/sealedcode override' },
    },
    async (req, reply) => {
      const q = req.query as Record<string, unknown>;
      const sealed = !(await deps.ready());
      reply.code(sealed ? statusCode(q.sealedcode, 503) : statusCode(q.activecode, 200));
      return {
        initialized: true,
        sealed,
        standby: false,
        performance_standby: false,
        replication_performance_mode: 'disabled',
        replication_dr_mode: 'disabled',
        server_time_utc: Math.floor(Date.now() / 1000),
        version,
        enterprise: false,
        ...(sealed ? {} : cluster),
      };
    },
  );
  vault.get(
    '/v1/sys/seal-status',
    { config: pub('vault.sys.seal_status'), schema: { tags, summary: 'Vault seal status: sealed while Keyhaven is not ready' } },
    async () => {
      const sealed = !(await deps.ready());
      return {
        type: 'shamir',
        initialized: true,
        sealed,
        t: 1,
        n: 1,
        progress: 0,
        nonce: '',
        version,
        build_date: '',
        migration: false,
        recovery_seal: false,
        storage_type: deps.storageType,
        ...(sealed ? {} : cluster),
      };
    },
  );
  vault.get(
    '/v1/sys/init',
    { config: pub('vault.sys.init'), schema: { tags, summary: 'Vault init status: always initialized' } },
    async () => ({ initialized: true }),
  );

  vault.get(
    '/v1/sys/mounts',
    {
      config: { access: { tenant: false }, audit: 'vault.sys.mounts' },
      schema: { tags, summary: "The configured KV v2 mounts, in Vault's shape" },
    },
    async (req) => {
      const data = Object.fromEntries(
        mounts.map((m) => [
          `${m}/`,
          {
            type: 'kv',
            description: `Keyhaven tenant ${settings.mounts[m]}`,
            accessor: `kv_${m}`,
            local: false,
            seal_wrap: false,
            external_entropy_access: false,
            options: { version: '2' },
            config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false },
            uuid: '',
            plugin_version: '',
            running_plugin_version: '',
          },
        ]),
      );
      // Vault answers with the mounts both at the top level (old clients) and under data.
      return { ...data, ...envelope(req.id, data) };
    },
  );
  vault.get(
    '/v1/sys/internal/ui/mounts/*',
    {
      config: { access: { tenant: false }, audit: 'vault.sys.mounts' },
      schema: { tags, summary: 'Mount lookup used by the Vault CLI to detect KV v2' },
    },
    async (req) => {
      const p = ((req.params as { '*': string })['*'] ?? '').replace(/^\/+/, '');
      const m = mounts.find((x) => p === x || p.startsWith(`${x}/`));
      if (!m)
        throw new VaultError(403, [
          `preflight capability check returned 403, please ensure client's policies grant access to path "${p.slice(0, 200)}/"`,
        ]);
      return envelope(req.id, {
        path: `${m}/`,
        type: 'kv',
        options: { version: '2' },
        description: `Keyhaven tenant ${settings.mounts[m]}`,
        accessor: `kv_${m}`,
        config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false },
        external_entropy_access: false,
        local: false,
        seal_wrap: false,
        uuid: '',
        plugin_version: '',
        running_plugin_version: '',
      });
    },
  );

  const lookupSelf = async (req: FastifyRequest) => {
    const t = req.auth!.token;
    const ttl = t.expiresAt ? Math.max(0, Math.floor((Date.parse(t.expiresAt) - Date.now()) / 1000)) : 0;
    // A login's token (AppRole, Kubernetes, JWT) names its Keyhaven role, metadata and renewability.
    const d = t.isRoot ? undefined : await deps.describeToken?.(t);
    const method = d?.metadata ? t.name.split(':')[0] : undefined;
    return envelope(req.id, {
      accessor: t.id,
      display_name: method ? `${method}-${d!.metadata!.role ?? ''}` : `token-${t.name}`,
      entity_id: '',
      explicit_max_ttl: d?.maxExpiresAt ? Math.max(0, Math.round((Date.parse(d.maxExpiresAt) - Date.parse(d.createdAt)) / 1000)) : 0,
      expire_time: t.expiresAt ?? null,
      meta: d?.metadata ?? null,
      num_uses: 0,
      orphan: true,
      path: method ? `auth/${method}/login` : 'auth/token/create',
      policies: [t.isRoot ? 'root' : (d?.role ?? 'default')],
      renewable: Boolean(d?.maxExpiresAt && t.expiresAt && t.expiresAt < d.maxExpiresAt),
      ttl,
      creation_ttl: d?.ttlSeconds ?? ttl,
      type: 'service',
    });
  };
  const self = {
    config: { access: { tenant: false }, audit: 'vault.token.lookup_self' },
    schema: { tags, summary: "Token self-lookup in Vault's shape (no token material returned)" },
  };
  vault.get('/v1/auth/token/lookup-self', self, lookupSelf);
  vault.post('/v1/auth/token/lookup-self', self, lookupSelf);
};
