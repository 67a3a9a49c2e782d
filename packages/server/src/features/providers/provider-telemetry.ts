// Counts every call the server makes to an external secret store (by provider kind, operation and
// outcome) by wrapping the provider instances the provider features build. A missing secret is an
// answer, not an error of the store: it is counted as outcome `not_found`, not in the errors.
import type { Provider } from '../../providers/provider-types.js';
import type { DomainMetrics } from '../../lib/domain-metrics.js';

const OPERATIONS = [
  'testConnection',
  'create',
  'read',
  'write',
  'moveLabel',
  'promote',
  'setVersionEnabled',
  'list',
  'describe',
  'delete',
] as const;

export type ProviderObserver = Pick<DomainMetrics, 'providerCall'>;

const isNotFound = (e: unknown) => (e as { code?: unknown } | null)?.code === 'PROVIDER_SECRET_NOT_FOUND';

export const instrumentProvider = (provider: Provider, observe: ProviderObserver | undefined): Provider => {
  if (!observe) return provider;
  const wrapped: Record<string, unknown> = { kind: provider.kind, close: provider.close?.bind(provider) };
  for (const op of OPERATIONS) {
    const fn = provider[op] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof fn !== 'function') continue;
    const operation =
      op === 'testConnection'
        ? 'test_connection'
        : op === 'moveLabel'
          ? 'move_label'
          : op === 'setVersionEnabled'
            ? 'set_version_enabled'
            : op;
    wrapped[op] = async (...args: unknown[]) => {
      try {
        const r = await fn.apply(provider, args);
        observe.providerCall(provider.kind, operation);
        return r;
      } catch (e) {
        if (isNotFound(e)) observe.providerCall(provider.kind, operation, null);
        else observe.providerCall(provider.kind, operation, e);
        throw e;
      }
    };
  }
  return wrapped as unknown as Provider;
};
