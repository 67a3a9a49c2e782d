// Reads secrets by provider reference (`aws-sm://name#field`, `gcp-sm://project/name#version`,
// `azure-kv://vault/name`, `vault://mount/path#key`, `k8s://ns/name#key`, `dotenv://file#KEY`,
// `env://NAME`) through a configured provider of that kind, with a TTL- and size-bounded cache.
import path from 'node:path';
import { fail } from '../../lib/errors.js';
import { parseReference, type ProviderReference } from '../../providers/provider-reference.js';
import type { Scope } from '../secrets/secret-service.js';
import type { ProviderConfigService, ProviderView } from '../providers/provider-config-service.js';
import { createTtlCache } from './ttl-cache.js';

export interface ReferenceRead {
  ref: string;
  provider_id: string;
  kind: string;
  value: unknown;
  version: string;
  cached: boolean;
}

/** Whether a configuration serves the location a reference names (project, mount, namespace, file). */
const serves = (p: ProviderView, r: ProviderReference, explicit: boolean): boolean => {
  const c = p.config;
  switch (r.kind) {
    case 'gcp-sm':
      return c.project === r.project;
    case 'vault':
      return c.mount === r.mount || (!explicit && p.id === r.mount);
    case 'k8s':
      return c.namespace === r.namespace;
    case 'dotenv':
      return path.resolve(String(c.path)) === path.resolve(r.path) || p.id === r.path;
    case 'azure-kv': {
      if (explicit || p.id === r.vault) return true;
      const host = new URL(String(c.vaultUrl)).hostname.toLowerCase();
      return host === r.vault.toLowerCase() || host.split('.')[0] === r.vault.toLowerCase();
    }
    default:
      return true;
  }
};

const pick = (value: string, key: string, what: string): unknown => {
  let obj: unknown;
  try {
    obj = JSON.parse(value);
  } catch {
    obj = undefined;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || !Object.hasOwn(obj, key)) {
    throw fail('FIELD_NOT_FOUND', `The value of ${what} is not a JSON object with the field "${key}".`);
  }
  return (obj as Record<string, unknown>)[key];
};

export const createReferenceService = (deps: { providers: ProviderConfigService; ttlMs: number; maxEntries: number }) => {
  const cache = createTtlCache<Omit<ReferenceRead, 'cached'>>({ ttlMs: deps.ttlMs, maxEntries: deps.maxEntries });
  deps.providers.onChange((tenant, id) => cache.clear(`${tenant}\u0000${id}\u0000`));

  const choose = async (scope: Scope, r: ProviderReference, providerId?: string): Promise<ProviderView> => {
    if (providerId) {
      const p = await deps.providers.get(scope, providerId);
      if (p.kind !== r.kind)
        throw fail('PROVIDER_REFERENCE_INVALID', `The provider "${providerId}" is of kind ${p.kind}, but the reference is ${r.kind}://.`);
      if (!serves(p, r, true))
        throw fail('PROVIDER_REFERENCE_INVALID', `The provider "${providerId}" is not configured for the location this reference names.`);
      return p;
    }
    const candidates = (await deps.providers.list(scope, r.kind)).filter((p) => serves(p, r, false));
    if (candidates.length === 0)
      throw fail(
        'PROVIDER_NOT_CONFIGURED',
        `No ${r.kind} provider configured in this tenant serves this reference; configure one or pass ?provider=<id>.`,
      );
    if (candidates.length > 1)
      throw fail(
        'PROVIDER_AMBIGUOUS',
        `${candidates.length} ${r.kind} providers could serve this reference (${candidates.map((c) => c.id).join(', ')}); pass ?provider=<id>.`,
      );
    return candidates[0]!;
  };

  const fetchValue = async (scope: Scope, view: ProviderView, r: ProviderReference) => {
    const provider = await deps.providers.instance(scope, view.id);
    switch (r.kind) {
      case 'aws-sm': {
        const v = await provider.read(r.name);
        return { value: r.field === undefined ? v.value : pick(v.value, r.field, r.name), version: v.version };
      }
      case 'gcp-sm':
      case 'azure-kv': {
        const v = await provider.read(r.name, r.version ? { version: r.version } : undefined);
        return { value: v.value, version: v.version };
      }
      case 'vault': {
        const v = await provider.read(r.path);
        return { value: r.key === undefined ? v.value : pick(v.value, r.key, r.path), version: v.version };
      }
      case 'k8s': {
        const v = await provider.read(r.name);
        return { value: r.key === undefined ? v.value : pick(v.value, r.key, r.name), version: v.version };
      }
      case 'dotenv': {
        const v = await provider.read(r.key);
        return { value: v.value, version: v.version };
      }
      case 'env': {
        const v = await provider.read(r.name);
        return { value: v.value, version: v.version };
      }
    }
  };

  return {
    async read(scope: Scope, ref: string, opts: { provider?: string; cache?: boolean } = {}): Promise<ReferenceRead> {
      const r = parseReference(ref);
      const view = await choose(scope, r, opts.provider);
      const key = `${scope.tenant}\u0000${view.id}\u0000${ref}`;
      if (opts.cache !== false) {
        const hit = cache.get(key);
        if (hit) return { ...hit, cached: true };
      }
      const { value, version } = await fetchValue(scope, view, r);
      const out = { ref, provider_id: view.id, kind: view.kind, value, version };
      cache.set(key, out);
      return { ...out, cached: false };
    },
    /** Drops cached values of a tenant (all tenants when omitted). */
    invalidate(tenant?: string) {
      cache.clear(tenant ? `${tenant}\u0000` : '');
    },
    get cacheSize() {
      return cache.size;
    },
  };
};

export type ReferenceService = ReturnType<typeof createReferenceService>;
