// Provider configurations per tenant: configure (config in the table, credential as a Keyhaven secret
// through the barrier), list/get/remove, test connection, credential validation, and live provider
// instances (cached per configuration) for sync, import, references and rotation.
import type { StorageHandle } from '../../storage/database.js';
import type { Clock } from '../../lib/clock.js';
import { fail, isKeyhavenError } from '../../lib/errors.js';
import { admitIdentity, admitProvider, createProvider, getProvider, parseProviderCredential } from '../../providers/provider-registry.js';
import { DEFAULT_PROVIDER_CONTEXT, type Provider, type ProviderContext, type ProviderDefinition } from '../../providers/provider-types.js';
import type { Scope, SecretService } from '../secrets/secret-service.js';
import { splitConfigureBody, type ConfigureBody } from './provider-body.js';
import { createProviderConfigStore, type ProviderConfigRow } from './provider-config-store.js';
import { instrumentProvider, type ProviderObserver } from './provider-telemetry.js';

/** Where a configuration's credential lives; sync never replicates names under this prefix. */
export const CREDENTIAL_PREFIX = 'keyhaven/providers/';
export const credentialSecretName = (id: string) => `${CREDENTIAL_PREFIX}${id}/credential`;

export interface ProviderView {
  id: string;
  kind: string;
  display_name: string;
  config: Record<string, unknown>;
  credential: { stored: boolean; secret: string | null };
  capabilities: unknown;
  created_at: string;
  updated_at: string;
}

export interface ProviderConfigDeps {
  storage: StorageHandle;
  secrets: Pick<SecretService, 'write' | 'read' | 'remove' | 'destroy'>;
  clock: Clock;
  /** The operator's settings for providers that reach the server's own process or files (app.ts). */
  context?: ProviderContext;
  /** Metrics: every call to an external store, by kind, operation and outcome. */
  observe?: ProviderObserver;
}

const safeError = (e: unknown) =>
  isKeyhavenError(e)
    ? { code: e.code, message: e.message }
    : { code: 'PROVIDER_ERROR', message: 'The external store returned an unexpected error.' };

export const createProviderConfigService = (deps: ProviderConfigDeps) => {
  const { storage, secrets, clock } = deps;
  const context = deps.context ?? DEFAULT_PROVIDER_CONTEXT;
  const store = createProviderConfigStore();
  const instances = new Map<string, { updatedAt: string; provider: Promise<Provider> }>();
  const listeners: Array<(tenant: string, id: string) => void> = [];
  const key = (tenant: string, id: string) => `${tenant}\u0000${id}`;

  const view = (r: ProviderConfigRow): ProviderView => {
    const def = getProvider(r.kind);
    return {
      id: r.id,
      kind: r.kind,
      display_name: def.displayName,
      config: JSON.parse(r.config) as Record<string, unknown>,
      credential: { stored: r.credential_secret !== null, secret: r.credential_secret },
      capabilities: def.capabilities,
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
  };

  const evict = async (tenant: string, id: string) => {
    const cached = instances.get(key(tenant, id));
    instances.delete(key(tenant, id));
    for (const l of listeners) l(tenant, id);
    if (cached) await (await cached.provider.catch(() => undefined))?.close?.().catch(() => {});
  };

  const requireRow = async (scope: Scope, id: string) => {
    const row = await storage.withTenant(scope.tenant, (ex) => store.get(ex, scope.tenant, id));
    if (!row)
      throw fail('PROVIDER_CONFIG_NOT_FOUND', `No provider configuration "${id}" in this tenant; list them with GET /v1/providers.`);
    return row;
  };

  const credentialOf = async (scope: Scope, row: ProviderConfigRow): Promise<unknown> =>
    row.credential_secret ? (await secrets.read(scope, row.credential_secret)).value : undefined;

  const connect = async (kind: string, config: unknown, credential: unknown) =>
    instrumentProvider(await createProvider(kind, config, credential, context), deps.observe);
  const build = async (scope: Scope, row: ProviderConfigRow) => connect(row.kind, JSON.parse(row.config), await credentialOf(scope, row));

  const tryConnect = async (provider: Provider) => {
    try {
      const r = await provider.testConnection();
      return { ok: true as const, details: r.details };
    } catch (e) {
      return { ok: false as const, error: safeError(e) };
    } finally {
      await provider.close?.().catch(() => {});
    }
  };

  return {
    onChange(listener: (tenant: string, id: string) => void) {
      listeners.push(listener);
    },

    /** Creates or replaces a configuration. mode 'create' refuses an existing id. */
    async configure(scope: Scope, body: ConfigureBody, mode: 'create' | 'upsert' = 'upsert') {
      const split = splitConfigureBody(body);
      // A provider the operator has not enabled, or a config outside what they allow, is never stored.
      const admitted = await admitProvider(split.kind, split.config, context);
      admitIdentity(
        getProvider(split.kind) as ProviderDefinition<unknown>,
        admitted,
        split.credential === undefined ? undefined : parseProviderCredential(split.kind, split.credential),
        context,
      );
      if (body.test_connection) {
        const r = await tryConnect(await connect(split.kind, split.config, split.credential));
        if (!r.ok)
          throw fail(r.error.code as 'PROVIDER_ERROR', `Test connection failed, nothing was saved: ${r.error.message}`, {
            kind: split.kind,
          });
      }
      const existing = await storage.withTenant(scope.tenant, (ex) => store.get(ex, scope.tenant, split.id));
      if (existing && mode === 'create')
        throw fail(
          'PROVIDER_CONFIG_EXISTS',
          `A provider configuration "${split.id}" already exists; remove it first or choose another name.`,
        );
      if (existing && existing.kind !== split.kind)
        throw fail(
          'PROVIDER_CONFIG_EXISTS',
          `The configuration "${split.id}" is of kind ${existing.kind}; remove it before reusing its name for ${split.kind}.`,
        );
      let credentialSecret: string | null = null;
      if (split.credential !== undefined) {
        credentialSecret = credentialSecretName(split.id);
        await secrets.write(scope, credentialSecret, split.credential, {
          create: true,
          metadata: { type: 'service_account_key', description: `Credential of the ${split.kind} provider configuration "${split.id}"` },
        });
      } else if (existing?.credential_secret) {
        await secrets.remove(scope, existing.credential_secret).catch(() => {});
      }
      const at = clock.now().toISOString();
      const row: ProviderConfigRow = {
        tenant_id: scope.tenant,
        id: split.id,
        kind: split.kind,
        config: JSON.stringify(split.config),
        credential_secret: credentialSecret,
        created_at: existing?.created_at ?? at,
        updated_at: at,
      };
      await storage.transaction(scope.tenant, async (trx) => {
        if (existing)
          await store.update(trx, scope.tenant, split.id, { config: row.config, credential_secret: credentialSecret, updated_at: at });
        else await store.insert(trx, row);
      });
      await evict(scope.tenant, split.id);
      return { ...view(row), credential_fields: split.credentialFields, created: !existing };
    },

    async list(scope: Scope, kind?: string) {
      return (await storage.withTenant(scope.tenant, (ex) => store.list(ex, scope.tenant, kind))).map(view);
    },

    async get(scope: Scope, id: string) {
      return view(await requireRow(scope, id));
    },

    async remove(scope: Scope, id: string) {
      const row = await requireRow(scope, id);
      const used = await storage.withTenant(scope.tenant, (ex) => store.destinationsUsing(ex, scope.tenant, id));
      if (used > 0)
        throw fail('PROVIDER_IN_USE', `${used} sync destination(s) still use "${id}"; remove them first.`, { destinations: used });
      await storage.transaction(scope.tenant, (trx) => store.remove(trx, scope.tenant, id));
      if (row.credential_secret) {
        await secrets.remove(scope, row.credential_secret).catch(() => {});
        await secrets.destroy(scope, row.credential_secret).catch(() => {});
      }
      await evict(scope.tenant, id);
      return { id, deleted: true };
    },

    /** A live provider for the configuration, built once and reused until the configuration changes. */
    async instance(scope: Scope, id: string): Promise<Provider> {
      const row = await requireRow(scope, id);
      const k = key(scope.tenant, id);
      const cached = instances.get(k);
      if (cached && cached.updatedAt === row.updated_at) return cached.provider;
      const provider = build(scope, row);
      instances.set(k, { updatedAt: row.updated_at, provider });
      provider.catch(() => {
        if (instances.get(k)?.provider === provider) instances.delete(k);
      });
      return provider;
    },

    /** Kind, config and credential of a configuration, for plugins that build their own client (rotators). */
    async resolve(scope: Scope, id: string) {
      const row = await requireRow(scope, id);
      return { id, kind: row.kind, config: JSON.parse(row.config) as Record<string, unknown>, credentialSecret: row.credential_secret };
    },

    async test(scope: Scope, id: string) {
      const row = await requireRow(scope, id);
      let provider: Provider;
      try {
        provider = await build(scope, row);
      } catch (e) {
        return { id, kind: row.kind, ok: false, error: safeError(e) };
      }
      return { id, kind: row.kind, ...(await tryConnect(provider)) };
    },

    /** Seed 003: checks the stored credential (or a candidate, which is not saved) for shape and against the store. */
    async validateCredential(scope: Scope, id: string, candidate?: Record<string, unknown>) {
      const row = await requireRow(scope, id);
      const checks: Array<{ check: string; ok: boolean; error?: { code: string; message: string } }> = [];
      let credential: unknown;
      try {
        credential = parseProviderCredential(row.kind, candidate ?? (await credentialOf(scope, row)));
        checks.push({ check: 'shape', ok: true });
      } catch (e) {
        checks.push({ check: 'shape', ok: false, error: safeError(e) });
        return { provider_id: id, kind: row.kind, source: candidate ? 'candidate' : 'stored', valid: false, checks };
      }
      let provider: Provider | undefined;
      try {
        provider = await connect(row.kind, JSON.parse(row.config), credential);
      } catch (e) {
        checks.push({ check: 'connection', ok: false, error: safeError(e) });
      }
      if (provider) {
        const r = await tryConnect(provider);
        checks.push(r.ok ? { check: 'connection', ok: true } : { check: 'connection', ok: false, error: r.error });
      }
      return { provider_id: id, kind: row.kind, source: candidate ? 'candidate' : 'stored', valid: checks.every((c) => c.ok), checks };
    },

    async close() {
      for (const [k, v] of instances) {
        instances.delete(k);
        await (await v.provider.catch(() => undefined))?.close?.().catch(() => {});
      }
    },
  };
};

export type ProviderConfigService = ReturnType<typeof createProviderConfigService>;
