// The composition root: opens storage and the barrier, then wires each feature. A list of
// create* calls and nothing else; every dependency is passed in.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { KeyhavenConfig } from './config/config-schema.js';
import type { ProviderContext } from './providers/provider-types.js';
import { isPostgresUrl, openStorage, type StorageHandle } from './storage/database.js';
import { createKeyringStore } from './storage/keyring-store.js';
import { openKeyring } from './barrier/keyring.js';
import { createBarrier, type Barrier } from './barrier/barrier.js';
import type { KekSource } from './barrier/kek-source.js';
import { localKeyDefinition } from './barrier/kek-sources/local-key.js';
import { createKekSource } from './barrier/kek-sources/registry.js';
import { systemClock, type Clock } from './lib/clock.js';
import { buildHttp } from './http/build-http.js';
import { createAuthenticateHook, createAuthorizeHook, createEarlyAuthorizeHook } from './http/auth-hook.js';
import { requestLogFields } from './http/request-log.js';
import { createAuditHooks } from './http/audit-hook.js';
import { createFailureLimiter } from './http/failure-limiter.js';
import { createAuditBroker, type AuditBroker } from './audit/broker.js';
import { deriveAuditKey } from './audit/chain.js';
import { createDatabaseSink } from './audit/sinks/database-sink.js';
import { createAnchor } from './audit/anchor.js';
import { createFileSink, createStdoutSink } from './audit/sinks/file-sinks.js';
import type { AuditSink } from './audit/audit-types.js';
import { createEventBus, type EventBus } from './events/event-bus.js';
import { createIntervalJobs } from './jobs/interval-jobs.js';
import { createMetrics, type Metrics } from './lib/metrics.js';
import { createAuditService, type AuditService } from './features/audit/audit-service.js';
import { createAnomalyDetector, type AnomalyDetector } from './features/audit/anomalies.js';
import { auditRoutes } from './features/audit/audit-routes.js';
import { openPgChangeFeed, type ChangeFeed } from './storage/change-feed.js';
import { openPgChangeLogFeed } from './storage/change-log-feed.js';
import { createPolicyService, type PolicyService } from './features/access/policy-service.js';
import { policyRoutes } from './features/access/policy-routes.js';
import { metricsRoutes } from './features/system/metrics-routes.js';
import { createDomainStateReader } from './features/system/domain-state.js';
import { logNameRoutes } from './features/system/log-name-routes.js';
import { createLogNames, deriveLogNameKey, type LogNames } from './lib/log-names.js';
import type { App } from './http/pipeline-types.js';
import { createSecretStore } from './features/secrets/secret-store.js';
import { createSecretService, type SecretService } from './features/secrets/secret-service.js';
import { secretRoutes } from './features/secrets/secret-routes.js';
import { createTenantService, type TenantService } from './features/tenants/tenant-service.js';
import { tenantRoutes } from './features/tenants/tenant-routes.js';
import { createTokenService, type TokenService } from './features/tokens/token-service.js';
import { tokenRoutes } from './features/tokens/token-routes.js';
import { healthRoutes, readiness } from './features/system/health-routes.js';
import { createRotationFeature, type RotationFeature } from './features/rotation/rotation-feature.js';
import type { SchedulerTimer } from './rotation/engine/scheduler.js';
import { createProviderFeatures } from './features/providers/provider-features.js';
import { eventsRoutes, isDeliveredEvent } from './features/events/events-routes.js'; // delivery
import { vaultCompatRoutes } from './features/vault-compat/vault-routes.js'; // delivery
import { createVaultTenantHook } from './features/vault-compat/vault-tenant.js'; // delivery
import { createVaultNotFound } from './features/vault-compat/vault-errors.js'; // delivery
import { createKeyRotation } from './features/keyring/keyring-rotation.js'; // delivery
import { adminRoutes } from './features/admin/admin-routes.js'; // delivery
import { createConsoleSessions } from './features/console/console-sessions.js';
import { consoleSessionRoutes } from './features/console/console-routes.js';
import { consoleOidcRoutes } from './features/console/console-oidc.js';
import { CONSOLE_PREFIX, consoleStaticRoutes, defaultConsoleDir, loadConsoleFiles } from './features/console/console-static.js';
import { DEFAULT_EGRESS_POLICY } from './lib/egress.js';
import { createMachineAuth } from './features/auth/machine-auth.js';
import { createAuthTenantHook } from './features/vault-compat/vault-auth-routes.js';
import { createNotificationFeature, type NotificationFeature } from './features/notifications/notification-feature.js';
import type { DeliveryObserver } from './features/notifications/delivery-worker.js';
import { featureDocs } from './features/openapi-docs.js';

export const VERSION = '0.1.0';

export interface KeyhavenApp {
  http: App;
  storage: StorageHandle;
  barrier: Barrier;
  services: {
    secrets: SecretService;
    tenants: TenantService;
    tokens: TokenService;
    policies: PolicyService;
    audit: AuditService;
    anomalies: AnomalyDetector;
  };
  rotation: RotationFeature;
  notifications: NotificationFeature;
  broker: AuditBroker;
  bus: EventBus;
  metrics: Metrics;
  logger: Logger;
  /** The web console's path on this server, or null when it is off or not built. */
  consolePath: string | null;
  close(): Promise<void>;
}

export interface BuildOptions {
  clock?: Clock;
  logger?: Logger;
  /** Overrides the KEK source chosen from config (tests, KMS-held master keys). */
  kekSource?: KekSource;
  /** Extra audit sinks (tests inject failing or slow sinks through here). */
  auditSinks?: AuditSink[];
  /** Where the stdout audit sink writes (defaults to process.stdout). */
  stdout?: NodeJS.WritableStream;
  /** How the in-process rotation scheduler waits (tests drive it with their own clock). */
  schedulerTimer?: SchedulerTimer;
  /** Sees each notification delivery attempt (tests). */
  notificationObserver?: DeliveryObserver;
}

export const databaseUrlOf = (config: KeyhavenConfig) => config.databaseUrl ?? path.join(config.dataDir, 'keyhaven.db');

/** Logs to standard output without ever blocking the server: asynchronous writes, a bounded buffer
 *  (16 MiB; beyond it lines are dropped), and a pipe nobody reads (EAGAIN for more than 2 s) gives up
 *  instead of retrying for ever, which with pino's synchronous default froze the whole process, and
 *  its shutdown, on a stalled pipe. */
const stdoutLogDestination = () => {
  let stalledSince = 0;
  const dest = pino.destination({
    dest: 1,
    sync: false,
    maxLength: 16 * 1024 * 1024,
    retryEAGAIN: () => {
      const now = Date.now();
      if (!stalledSince) stalledSince = now;
      return now - stalledSince < 2000;
    },
  });
  dest.on('write', () => {
    stalledSince = 0;
  });
  dest.on('error', () => {
    /* an unread pipe: the lines are dropped, the server goes on */
  });
  // pino flushes at exit; into a pipe nobody reads that flush gives up (above) and must not throw.
  const flushSync = dest.flushSync.bind(dest);
  dest.flushSync = () => {
    try {
      flushSync();
    } catch {
      /* unread output dropped at exit */
    }
  };
  return dest;
};

/** A data directory that group or others can read exposes the store and, by default, its master key. */
const warnIfOpen = (dir: string, logger: Logger) => {
  try {
    const mode = statSync(dir).mode & 0o777;
    if (mode & 0o077)
      logger.warn(
        { dataDir: dir, mode: mode.toString(8) },
        `the data directory ${dir} is readable by group or others (mode ${mode.toString(8)}); it holds the database and the master key: chmod 700 it`,
      );
  } catch {
    /* created by the storage with 0700 */
  }
};

/** `storeExists`: the store already has a keyring, so a missing key file is refused, not created. */
const kekSourceFor = (config: KeyhavenConfig, storeExists: boolean): Promise<KekSource> =>
  config.masterKeySource
    ? createKekSource(config.masterKeySource)
    : localKeyDefinition.create({
        key: config.masterKey,
        file: config.masterKey ? undefined : (config.masterKeyFile ?? path.join(config.dataDir, 'master.key')),
        storeExists,
      });

/** What providers that reach the host may do (operator settings), and Keyhaven's own files, which no
 *  provider may touch whatever the operator allows. */
export const providerContextOf = (config: KeyhavenConfig): ProviderContext => {
  const db = databaseUrlOf(config);
  const own = [
    config.dataDir,
    config.masterKeyFile,
    config.audit.file,
    config.tls?.certFile,
    config.tls?.keyFile,
    /^postgres(ql)?:/.test(db) || db === ':memory:' ? undefined : db.replace(/^sqlite:/, ''),
    process.env.KEYHAVEN_CONFIG,
  ]
    .filter((p): p is string => Boolean(p))
    .map((p) => path.resolve(p));
  return Object.freeze({
    host: Object.freeze({
      env: Object.freeze({ enabled: config.providers.env.enabled, allow: Object.freeze([...config.providers.env.allow]) }),
      dotenv: Object.freeze({
        enabled: config.providers.dotenv.enabled,
        directories: Object.freeze(config.providers.dotenv.directories.map((d) => path.resolve(d))),
      }),
      ambientCredentials: config.providers.ambientCredentials,
    }),
    protectedPaths: Object.freeze(own),
    egress: Object.freeze({
      allowLoopback: config.egress.allowLoopback,
      allow: config.egress.allow ? Object.freeze([...config.egress.allow]) : undefined,
      deny: Object.freeze([...config.egress.deny]),
    }),
  });
};

export const buildApp = async (config: KeyhavenConfig, opts: BuildOptions = {}): Promise<KeyhavenApp> => {
  const clock = opts.clock ?? systemClock;
  let names: LogNames | undefined; // set once the keyring is open; request lines come after that
  const logger =
    opts.logger ??
    pino(
      {
        level: config.logLevel,
        serializers: { req: (req) => requestLogFields(req, names) },
        redact: {
          paths: ['req.headers.authorization', 'req.headers["x-keyhaven-token"]', 'req.headers["x-vault-token"]', '*.value', '*.token'],
          censor: '[redacted]',
        },
      },
      stdoutLogDestination(),
    );
  const storage = await openStorage(databaseUrlOf(config), {
    queryTimeoutMs: config.databaseQueryTimeoutMs,
    // Only the requests in flight on that connection fail (DATABASE_UNAVAILABLE); the pool opens new ones.
    onConnectionError: (e) =>
      logger.warn(
        { reason: e.message.slice(0, 200), code: (e as { code?: string }).code },
        'a database connection was lost; requests in flight on it fail with DATABASE_UNAVAILABLE',
      ),
    onCheckpointFailure: (e) =>
      logger.warn(
        { err: e.message },
        'the SQLite checkpoint worker is not running; checkpoints run inside commits (slower requests while they run, nothing is lost)',
      ),
  });
  let changes: ChangeFeed | undefined; // closed on a failed start too
  try {
    const keyringStore = createKeyringStore(storage);
    const source = opts.kekSource ?? (await kekSourceFor(config, (await keyringStore.loadKeyring()).length > 0));
    if (!isPostgresUrl(databaseUrlOf(config)) && config.dataDir && !config.dev) warnIfOpen(config.dataDir, logger);
    const keyring = await openKeyring({ store: keyringStore, source, now: () => clock.now() });
    const barrier = createBarrier(keyring);
    if (await storage.bypassesRls())
      logger.warn(
        'the PostgreSQL role bypasses row-level security (superuser or BYPASSRLS); connect as an ordinary role so RLS protects tenants',
      );

    const auditKey = deriveAuditKey(keyring.fingerprintKey);
    // Secret names in log lines: keyed hashes unless the operator asks for them in clear.
    names = createLogNames({ key: deriveLogNameKey(keyring.fingerprintKey), mode: config.logSecretNames });
    const metrics = createMetrics();
    if (storage.sqliteCheckpoints) metrics.watchSqliteCheckpoints(storage.sqliteCheckpoints);
    metrics.domain.watchState(
      createDomainStateReader({
        storage,
        clock,
        leaseMs: config.rotation.leaseSeconds * 1000,
        overdueAfterMs: config.rotation.overdueAfterMinutes * 60_000,
      }),
    );
    const bus = createEventBus();
    bus.subscribe((e) => {
      if (e.type === 'anomaly.detected' && !e.replica) metrics.domain.anomaly(String((e.data as { kind?: unknown }).kind ?? 'unknown'));
    });
    const jobs = createIntervalJobs(logger);
    const anomalies = createAnomalyDetector({ storage, clock, bus });
    const dbUrl = databaseUrlOf(config);
    const anchor = createAnchor({
      file: config.audit.anchorFile ?? (dbUrl === ':memory:' ? null : path.join(config.dataDir, 'audit-anchor.json')),
      key: auditKey,
      now: () => clock.now(),
      onError: (e) =>
        logger.error(
          { err: e.message },
          'the audit anchor file could not be written; truncation of the audit trail is detected only up to the last anchor written',
        ),
    });
    const databaseSink = config.audit.sinks.includes('database')
      ? createDatabaseSink({ storage, key: auditKey, anchor, logger })
      : undefined;
    // A damaged chain (truncated, rolled back, rows outside the head) is refused, not extended.
    await databaseSink?.check();
    const broker = createAuditBroker({
      database: databaseSink,
      streams: [
        ...(config.audit.sinks.includes('file') ? [createFileSink(config.audit.file!, { fsync: config.audit.fsync })] : []),
        ...(config.audit.sinks.includes('stdout') ? [createStdoutSink(opts.stdout)] : []),
        ...(opts.auditSinks ?? []),
      ],
      key: auditKey,
      timeoutMs: config.audit.sinkTimeoutMs,
      logger,
      onSinkResult: metrics.domain.auditSink,
      // Server-wide: queued for every tenant whose subscriptions want it (notifications).
      onSinkFailure: (sink) => bus.publish({ type: 'audit.sink_failing', time: clock.now().toISOString(), tenant: '*', data: { sink } }),
      onRecorded: (events, inDatabase) => {
        metrics.countAuditEvents(events);
        if (inDatabase) {
          anomalies.observe(events);
          metrics.domain.auditAppended(events[events.length - 1]?.seq ?? 0);
        }
      },
    });
    metrics.domain.watchAudit(() => broker.accepting().accepting);
    if (!broker.enabled) logger.warn('auditing is OFF (audit.sinks is empty): requests are not recorded');

    const tokens = createTokenService({ storage, clock });
    // Other replicas' changes of secrets, policies and tenants (PostgreSQL), so caches can be used there.
    // A change log read by every replica (ADR 0012), or a NOTIFY per change (`changeFeed.mode: notify`, ADR 0006).
    const feedConfig = config.changeFeed;
    changes =
      storage.dialect !== 'postgres'
        ? undefined
        : feedConfig.mode === 'log'
          ? await openPgChangeLogFeed({
              url: databaseUrlOf(config),
              logger,
              pollMs: feedConfig.pollMs,
              maxStalenessMs: feedConfig.maxStalenessMs,
              notifyDelayMs: feedConfig.notifyDelayMs,
              retentionSeconds: feedConfig.retentionSeconds,
            })
          : await openPgChangeFeed({ url: databaseUrlOf(config), logger });
    if (changes) {
      // Event streams on every replica hear of changes made through any of them (ADR 0006).
      const feed = changes;
      bus.subscribe((e) => {
        if (!e.replica && !e.relayed && isDeliveredEvent(e)) feed.relay(e);
      });
      feed.onEvent((e) => bus.publish(e));
    }
    const tenants = createTenantService({ storage, clock, changes });
    const policies = createPolicyService({ storage, clock, changes });
    const providerContext = providerContextOf(config);
    const notifications = createNotificationFeature({
      storage,
      barrier,
      clock,
      logger,
      bus,
      egress: providerContext.egress!,
      settings: config.notifications,
      observer: opts.notificationObserver,
      changes,
    });
    const secrets = createSecretService({
      storage,
      store: createSecretStore(storage.dialect, storage.sqliteRun),
      barrier,
      clock,
      bus,
      limits: { maxValueBytes: config.maxValueBytes, defaultMaxVersions: config.defaultMaxVersions },
      readCache: config.readCache,
      changes,
      observe: metrics.domain,
      outbox: notifications.outbox,
    });
    metrics.domain.watchCache(secrets.readCache.stats);
    const providerFeatures = createProviderFeatures({
      storage,
      secrets,
      clock,
      bus,
      logger,
      keyring,
      kekSource: source,
      settings: config.providers,
      context: providerContext,
      observe: metrics.domain,
      changes,
    });
    const audit = createAuditService({ storage, key: auditKey, clock, anchor, sink: databaseSink });
    const sessions = createConsoleSessions({
      clock,
      storage,
      barrier,
      settings: { idleSeconds: config.console.sessionIdleSeconds, maxSeconds: config.console.sessionMaxSeconds },
    });
    const consoleFiles = config.console.enabled ? loadConsoleFiles(config.console.dir ?? defaultConsoleDir()) : null;
    const access = {
      tokens,
      tenants,
      policies,
      secrets,
      sessions: config.console.enabled ? sessions : undefined,
      limiter: createFailureLimiter({ limit: config.authFailureLimit, windowSeconds: config.authFailureWindowSeconds }),
    };
    const auditHooks = createAuditHooks({ broker, clock });
    const rotation = createRotationFeature({
      storage,
      secrets,
      barrier,
      broker,
      bus,
      clock,
      logger,
      config: config.rotation,
      schedulerTimer: opts.schedulerTimer,
      resolveProvider: (scope, id) => providerFeatures.providers.resolve(scope, id),
      providers: providerContext,
      names,
      metrics: metrics.domain,
      outbox: notifications.outbox,
    });
    const keyRotation = createKeyRotation({
      storage,
      barrier,
      clock,
      logger,
      settings: { ...config.keyRotation, leaseSeconds: config.rotation.leaseSeconds },
    }); // delivery

    const http = await buildHttp({
      logger,
      version: VERSION,
      docs: featureDocs({ vaultMounts: config.vaultCompat.enabled ? Object.keys(config.vaultCompat.mounts) : [] }),
      trustProxy: config.trustProxy,
      requestLogging: config.logLevel === 'debug' || config.logLevel === 'trace',
      maxBodyBytes: Math.max(config.maxBodyBytes, config.maxValueBytes * 2 + 64 * 1024),
      https: config.tls ? { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } : undefined,
      hooks: {
        onRequestSync: [createVaultTenantHook(config.vaultCompat), createAuthTenantHook()],
        onRequest: [createAuthenticateHook(access), createEarlyAuthorizeHook(access)],
        preHandler: [createAuthorizeHook(access), auditHooks.attempt],
        preSerialization: [auditHooks.capture],
        onSend: [auditHooks.outcome],
      },
      notFound: createVaultNotFound(config.vaultCompat.enabled), // delivery
      routes: [
        healthRoutes(storage, { activeKek: () => keyring.activeKekId, audit: broker }),
        metricsRoutes(metrics),
        logNameRoutes(names),
        secretRoutes(secrets),
        tenantRoutes(tenants, tokens),
        tokenRoutes(tokens, policies),
        policyRoutes(policies),
        auditRoutes(audit, anomalies),
        rotation.routes,
        notifications.routes,
        ...providerFeatures.routes,
        ...(config.console.enabled
          ? [
              consoleSessionRoutes({ sessions, tokens, secureCookie: Boolean(config.tls) }),
              consoleStaticRoutes(consoleFiles),
              consoleOidcRoutes({ settings: config.console.oidc, sessions, tokens, broker, clock, secureCookie: Boolean(config.tls) }),
            ]
          : []),
        eventsRoutes({ bus, facts: (t, n) => secrets.facts(t, n) }),
        vaultCompatRoutes(secrets, config.vaultCompat, {
          // delivery
          ready: async () => (await readiness({ storage, activeKek: () => keyring.activeKekId, audit: broker })).ready,
          version: VERSION,
          storageType: storage.dialect === 'postgres' ? 'postgresql' : 'sqlite',
          describeToken: async (t) => {
            const d = await tokens.self(t);
            return {
              role: d.grants[0]?.role ?? null,
              metadata: d.identity?.metadata ?? null,
              ttlSeconds: d.ttl_seconds,
              maxExpiresAt: d.max_expires_at,
              createdAt: d.created_at,
            };
          },
        }),
        createMachineAuth({
          storage,
          barrier,
          clock,
          broker,
          tokens,
          tenants,
          policies,
          egress: providerContext.egress ?? DEFAULT_EGRESS_POLICY,
          limit: config.authFailureLimit,
          windowSeconds: config.authFailureWindowSeconds,
        }).routes,
        adminRoutes({
          storage,
          barrier,
          rotation: keyRotation,
          kekSource: source.kind,
          caches: [
            {
              name: 'provider-references',
              size: () => providerFeatures.references.cacheSize,
              clear: () => providerFeatures.references.invalidate(),
            },
            { name: 'secret-reads', size: secrets.readCache.entries, clear: secrets.readCache.clear },
          ],
        }), // delivery
      ],
    });

    providerFeatures.start(jobs);
    rotation.start();
    void rotation
      .resumeInterrupted()
      .catch((e: Error) =>
        logger.warn(
          { reason: e.message?.slice(0, 200) },
          'could not resume interrupted rotations; the next scheduler tick or rotate-due resumes them when their lease expires',
        ),
      );
    void keyRotation.start(); // delivery
    await notifications.start();
    jobs.every('keyring-refresh', 60_000, () => keyring.refresh()); // KEKs added by other replicas
    if (broker.enabled && config.audit.sinks.includes('database')) jobs.every('anomaly-sweep', 60_000, () => anomalies.sweep());
    // Signed digests of every chain head (ADR 0011): a deleted or rolled-back chain is named by verify.
    if (databaseSink) jobs.every('audit-digest', config.audit.digestIntervalSeconds * 1000, () => databaseSink.writeDigest());
    if (config.audit.retentionDays) jobs.every('audit-retention', 3600_000, () => audit.prune(config.audit.retentionDays!));

    return {
      http,
      storage,
      barrier,
      logger,
      broker,
      bus,
      metrics,
      services: { secrets, tenants, tokens, policies, audit, anomalies },
      rotation,
      notifications,
      consolePath: consoleFiles ? CONSOLE_PREFIX : null,
      async close() {
        jobs.stop();
        await rotation.stop();
        await keyRotation.stop(); // delivery
        await notifications.stop();
        await http.close();
        await broker.close();
        await databaseSink?.writeDigest().catch(() => null); // the last heads, signed, for the next start
        await providerFeatures.close();
        await changes?.close();
        await storage.close();
        await source.close?.();
      },
    };
  } catch (e) {
    await changes?.close();
    await storage.close();
    throw e;
  }
};

/** First start of an empty store: the default tenant and a root token (returned once, never stored). */
export const bootstrap = async (app: KeyhavenApp, opts: { rootToken?: string } = {}): Promise<{ rootToken: string } | null> => {
  if ((await app.services.tokens.count()) > 0) return null;
  if (!(await app.services.tenants.exists('default'))) await app.services.tenants.create({ id: 'default', name: 'Default tenant' });
  const created = await app.services.tokens.create({
    name: 'root',
    kind: 'root',
    isRoot: true,
    createdBy: null,
    presetToken: opts.rootToken,
  });
  return { rootToken: created.token };
};
