// The composition root: opens storage and the barrier, then wires each feature. A list of
// create* calls and nothing else; every dependency is passed in.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { KeyhavenConfig } from './config/config-schema.js';
import { openStorage, type StorageHandle } from './storage/database.js';
import { createKeyringStore } from './storage/keyring-store.js';
import { openKeyring } from './barrier/keyring.js';
import { createBarrier, type Barrier } from './barrier/barrier.js';
import type { KekSource } from './barrier/kek-source.js';
import { localKeyDefinition } from './barrier/kek-sources/local-key.js';
import { systemClock, type Clock } from './lib/clock.js';
import { buildHttp } from './http/build-http.js';
import { createAuthHook } from './http/auth-hook.js';
import type { App } from './http/pipeline-types.js';
import { createSecretStore } from './features/secrets/secret-store.js';
import { createSecretService, type SecretService } from './features/secrets/secret-service.js';
import { secretRoutes } from './features/secrets/secret-routes.js';
import { createTenantService, type TenantService } from './features/tenants/tenant-service.js';
import { tenantRoutes } from './features/tenants/tenant-routes.js';
import { createTokenService, type TokenService } from './features/tokens/token-service.js';
import { tokenRoutes } from './features/tokens/token-routes.js';
import { healthRoutes } from './features/system/health-routes.js';

export const VERSION = '0.1.0';

export interface KeyhavenApp {
  http: App;
  storage: StorageHandle;
  barrier: Barrier;
  services: { secrets: SecretService; tenants: TenantService; tokens: TokenService };
  logger: Logger;
  close(): Promise<void>;
}

export interface BuildOptions {
  clock?: Clock;
  logger?: Logger;
  /** Overrides the KEK source chosen from config (tests, KMS-held master keys). */
  kekSource?: KekSource;
}

export const databaseUrlOf = (config: KeyhavenConfig) => config.databaseUrl ?? path.join(config.dataDir, 'keyhaven.db');

const kekSourceFor = (config: KeyhavenConfig): Promise<KekSource> =>
  localKeyDefinition.create({ key: config.masterKey, file: config.masterKey ? undefined : (config.masterKeyFile ?? path.join(config.dataDir, 'master.key')) });

export const buildApp = async (config: KeyhavenConfig, opts: BuildOptions = {}): Promise<KeyhavenApp> => {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? pino({ level: config.logLevel, redact: { paths: ['req.headers.authorization', 'req.headers["x-keyhaven-token"]', 'req.headers["x-vault-token"]', '*.value', '*.token'], censor: '[redacted]' } });
  const source = opts.kekSource ?? (await kekSourceFor(config));
  const storage = await openStorage(databaseUrlOf(config));
  try {
    const keyring = await openKeyring({ store: createKeyringStore(storage), source, now: () => clock.now() });
    const barrier = createBarrier(keyring);
    if (await storage.bypassesRls()) logger.warn('the PostgreSQL role bypasses row-level security (superuser or BYPASSRLS); connect as an ordinary role so RLS protects tenants');

    const tenants = createTenantService({ storage, clock });
    const tokens = createTokenService({ storage, clock });
    const secrets = createSecretService({ storage, store: createSecretStore(), barrier, clock, limits: { maxValueBytes: config.maxValueBytes, defaultMaxVersions: config.defaultMaxVersions } });

    const http = await buildHttp({
      logger,
      version: VERSION,
      maxBodyBytes: Math.max(config.maxBodyBytes, config.maxValueBytes * 2 + 64 * 1024),
      https: config.tls ? { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } : undefined,
      authHook: createAuthHook({ tokens, tenants }),
      routes: [healthRoutes(storage), secretRoutes(secrets), tenantRoutes(tenants, tokens), tokenRoutes(tokens)],
    });

    return {
      http, storage, barrier, logger, services: { secrets, tenants, tokens },
      async close() {
        await http.close();
        await storage.close();
        await source.close?.();
      },
    };
  } catch (e) {
    await storage.close();
    throw e;
  }
};

/** First start of an empty store: the default tenant and a root token (returned once, never stored). */
export const bootstrap = async (app: KeyhavenApp, opts: { rootToken?: string } = {}): Promise<{ rootToken: string } | null> => {
  if ((await app.services.tokens.count()) > 0) return null;
  if (!(await app.services.tenants.exists('default'))) await app.services.tenants.create({ id: 'default', name: 'Default tenant' });
  const created = await app.services.tokens.create({ name: 'root', kind: 'root', isRoot: true, createdBy: null, presetToken: opts.rootToken });
  return { rootToken: created.token };
};
