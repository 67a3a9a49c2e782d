// The provider registry: a typed map from kind to definition. Adding a provider means adding its
// folder and one line here. Lookups, config parsing and listings all go through this map. Cloud
// providers are registered by their *-definition.js (no SDK); their SDKs load on first create().
import { checkEgressAll } from '../lib/egress.js';
import { fail } from '../lib/errors.js';
import { awsSmDefinition } from './aws-sm/aws-sm-definition.js';
import { azureKvDefinition } from './azure-kv/azure-kv-definition.js';
import { dotenvDefinition } from './dotenv/dotenv-provider.js';
import { envDefinition } from './env/env-provider.js';
import { gcpSmDefinition } from './gcp-sm/gcp-sm-definition.js';
import { k8sDefinition } from './k8s/k8s-definition.js';
import { DEFAULT_PROVIDER_CONTEXT, type ProviderContext, type ProviderDefinition } from './provider-types.js';
import { vaultDefinition } from './vault/vault-provider.js';

export const providers = {
  'aws-sm': awsSmDefinition,
  'gcp-sm': gcpSmDefinition,
  'azure-kv': azureKvDefinition,
  vault: vaultDefinition,
  k8s: k8sDefinition,
  dotenv: dotenvDefinition,
  env: envDefinition,
  // Each definition has its own config type; `any` here only erases it for the map's constraint.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
} as const satisfies Record<string, ProviderDefinition<any>>;

export type ProviderKind = keyof typeof providers;
export type ProviderConfig<K extends ProviderKind> = (typeof providers)[K] extends ProviderDefinition<infer C> ? C : never;

export const isProviderKind = (kind: string): kind is ProviderKind => Object.hasOwn(providers, kind);

export const getProvider = <K extends ProviderKind>(kind: K | string): (typeof providers)[K] => {
  if (!isProviderKind(kind)) {
    throw fail('PROVIDER_UNKNOWN', `No provider of kind ${JSON.stringify(kind)}; known kinds: ${Object.keys(providers).join(', ')}.`, {
      known: Object.keys(providers),
    });
  }
  return providers[kind] as (typeof providers)[K];
};

export const listProviders = (): Array<Pick<ProviderDefinition, 'kind' | 'displayName' | 'description' | 'capabilities'>> =>
  Object.values(providers).map(({ kind, displayName, description, capabilities }) => ({ kind, displayName, description, capabilities }));

/** Validates a raw config block for `kind`, listing every problem (path and message) at once. */
export const parseProviderConfig = <K extends ProviderKind>(kind: K | string, raw: unknown): ProviderConfig<K> => {
  const def = getProvider(kind) as ProviderDefinition<unknown>;
  const r = def.configSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
    throw fail(
      'PROVIDER_CONFIG_INVALID',
      `The ${kind} provider config has ${problems.length} problem(s): ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}.`,
      {
        kind,
        problems,
      },
    );
  }
  return r.data as ProviderConfig<K>;
};

/** Validates a credential block; problems name the fields only, never their values. */
export const parseProviderCredential = (kind: string, raw: unknown): unknown => {
  const def = getProvider(kind) as ProviderDefinition<unknown>;
  const r = def.credentialSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.code }));
    throw fail('PROVIDER_CONFIG_INVALID', `The ${kind} provider credential is invalid at: ${problems.map((p) => p.path).join(', ')}.`, {
      kind,
      problems,
    });
  }
  return r.data;
};

/** Refuses a provider the operator has not enabled (PROVIDER_DISABLED), then parses its config and
 *  checks it against the operator's settings (PROVIDER_PATH_FORBIDDEN…). Nothing is opened. */
export const admitProvider = async (
  kind: string,
  rawConfig: unknown,
  ctx: ProviderContext = DEFAULT_PROVIDER_CONTEXT,
): Promise<unknown> => {
  const def = getProvider(kind) as ProviderDefinition<unknown>;
  if (def.hostAccess && !ctx.host[def.hostAccess].enabled) {
    throw fail(
      'PROVIDER_DISABLED',
      `The ${def.kind} provider is disabled on this server (it reaches the server's own ${def.hostAccess === 'env' ? 'process environment' : 'file system'}); an operator enables it with providers.${def.hostAccess}.enabled in the server config.`,
      { kind: def.kind, setting: `providers.${def.hostAccess}.enabled` },
    );
  }
  const config = parseProviderConfig(kind, rawConfig);
  await def.admit?.(config, ctx);
  await checkEgressAll(
    ctx.egress,
    (def.destinations?.(config) ?? []).map(([d, field]) => [d, `The ${def.kind} provider's ${field}`] as const),
  );
  return config;
};

/** Admits config and credential against the operator's settings, then builds the provider. Without
 *  a context nothing on the host is reachable (DEFAULT_PROVIDER_CONTEXT). */
export const createProvider = async (
  kind: string,
  rawConfig: unknown,
  rawCredential?: unknown,
  ctx: ProviderContext = DEFAULT_PROVIDER_CONTEXT,
) => {
  const def = getProvider(kind) as ProviderDefinition<unknown>;
  const config = await admitProvider(kind, rawConfig, ctx);
  const credential = rawCredential === undefined ? undefined : parseProviderCredential(kind, rawCredential);
  admitIdentity(def, config, credential, ctx);
  return def.create(config, credential, ctx);
};

/** Refuses a provider that would act with the server's own cloud or cluster identity unless the
 *  operator allows it (providers.ambientCredentials): a tenant supplies its own credential. */
export const admitIdentity = (def: ProviderDefinition<unknown>, config: unknown, credential: unknown, ctx: ProviderContext) => {
  const ambient = def.ambientIdentity?.(config, credential);
  if (ambient && !ctx.host.ambientCredentials) {
    throw fail(
      'PROVIDER_CREDENTIAL_REQUIRED',
      `The ${def.kind} provider has no credential of its own, so it would use ${ambient}, the server's identity rather than the tenant's; supply a credential, or an operator allows it with providers.ambientCredentials in the server config.`,
      { kind: def.kind, setting: 'providers.ambientCredentials' },
    );
  }
};
