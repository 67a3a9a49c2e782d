// Wires the provider features (configurations, references, sync, import, master-key rewrap) for the
// composition root: one factory returning its routes, background jobs and close.
import type { Logger } from 'pino';
import type { StorageHandle } from '../../storage/database.js';
import type { Clock } from '../../lib/clock.js';
import type { EventBus } from '../../events/event-bus.js';
import type { SecretService } from '../secrets/secret-service.js';
import type { App } from '../../http/pipeline-types.js';
import { createProviderConfigService } from './provider-config-service.js';
import { providerRoutes } from './provider-routes.js';

export interface ProviderFeatureDeps {
  storage: StorageHandle;
  secrets: SecretService;
  clock: Clock;
  bus: EventBus;
  logger: Logger;
}

interface Jobs { every(name: string, ms: number, fn: () => Promise<unknown>): void }

export const createProviderFeatures = (deps: ProviderFeatureDeps) => {
  const providers = createProviderConfigService({ storage: deps.storage, secrets: deps.secrets, clock: deps.clock });
  const routes: Array<(app: App) => void> = [providerRoutes(providers)];
  return {
    providers,
    routes,
    start(_jobs: Jobs) {},
    async close() {
      await providers.close();
    },
  };
};
