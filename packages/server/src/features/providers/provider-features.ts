// Wires the provider features (configurations, references, sync, import, master-key rewrap) for the
// composition root: one factory returning its routes, background jobs and close.
import type { Logger } from 'pino';
import type { StorageHandle } from '../../storage/database.js';
import type { Clock } from '../../lib/clock.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Keyring } from '../../barrier/keyring.js';
import type { KekSource } from '../../barrier/kek-source.js';
import { createMasterKeyRewrap, masterKeyRoutes } from './master-key-rewrap.js';
import type { SecretService } from '../secrets/secret-service.js';
import type { App } from '../../http/pipeline-types.js';
import type { ProviderContext } from '../../providers/provider-types.js';
import { createProviderConfigService } from './provider-config-service.js';
import { providerRoutes } from './provider-routes.js';
import { createProviderImporter } from './provider-import.js';
import { createReferenceService } from '../references/reference-service.js';
import { referenceRoutes } from '../references/reference-routes.js';
import { createSyncWorker } from '../sync/sync-worker.js';
import { createSyncService } from '../sync/sync-service.js';
import type { ChangeFeed } from '../../storage/change-feed.js';
import { syncRoutes } from '../sync/sync-routes.js';
import type { DomainMetrics } from '../../lib/domain-metrics.js';

export interface ProviderSettings {
  referenceCacheTtlSeconds: number;
  referenceCacheMaxEntries: number;
  syncIntervalSeconds: number;
  syncConcurrency: number;
  syncRetryBaseSeconds: number;
  syncRetryMaxSeconds: number;
}

export interface ProviderFeatureDeps {
  storage: StorageHandle;
  secrets: SecretService;
  clock: Clock;
  bus: EventBus;
  logger: Logger;
  keyring: Keyring;
  kekSource: KekSource;
  settings: ProviderSettings;
  /** The operator's settings for providers that reach the server's own process or files. */
  context?: ProviderContext;
  /** Metrics of provider calls and sync operations. */
  observe?: Pick<DomainMetrics, 'providerCall' | 'syncOperation'>;
  /** PostgreSQL: other replicas' changes, so tenants without sync destinations skip the lookup. */
  changes?: ChangeFeed;
}

interface Jobs {
  every(name: string, ms: number, fn: () => Promise<unknown>): void;
}

export const createProviderFeatures = (deps: ProviderFeatureDeps) => {
  const { storage, secrets, clock, logger, settings } = deps;
  const providers = createProviderConfigService({ storage, secrets, clock, context: deps.context, observe: deps.observe });
  const references = createReferenceService({
    providers,
    ttlMs: settings.referenceCacheTtlSeconds * 1000,
    maxEntries: settings.referenceCacheMaxEntries,
  });
  const worker = createSyncWorker({
    storage,
    secrets,
    providers,
    clock,
    logger,
    observe: deps.observe,
    onProviderUnreachable: (tenant, providerId, code) =>
      deps.bus.publish({
        type: 'provider.unreachable',
        time: clock.now().toISOString(),
        tenant,
        data: { provider: providerId, error_code: code, during: 'sync' },
      }),
    settings: {
      concurrency: settings.syncConcurrency,
      retryBaseSeconds: settings.syncRetryBaseSeconds,
      retryMaxSeconds: settings.syncRetryMaxSeconds,
    },
  });
  const sync = createSyncService({ storage, secrets, providers, worker, clock, logger, changes: deps.changes });
  const unsubscribe = sync.subscribe(deps.bus);
  const importer = createProviderImporter({ providers, secrets });
  const rewrap = createMasterKeyRewrap({ keyring: deps.keyring, current: deps.kekSource, logger });
  const routes: Array<(app: App) => void> = [
    providerRoutes(providers, importer),
    referenceRoutes(references),
    syncRoutes(sync),
    masterKeyRoutes(rewrap),
  ];
  return {
    providers,
    references,
    sync,
    importer,
    routes,
    start(jobs: Jobs) {
      jobs.every('provider-sync', settings.syncIntervalSeconds * 1000, () => sync.runDue());
    },
    async close() {
      unsubscribe();
      await sync.stop();
      await providers.close();
      await rewrap.close();
    },
  };
};
