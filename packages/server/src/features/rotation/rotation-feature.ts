// Wires the rotation feature: engine (with its ports), batch runner, service, routes and the
// in-process scheduler. The composition root calls this once; tests and tools may pass their own
// rotator factory (e.g. a fault-injecting wrapper) through the same door.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { StorageHandle } from '../../storage/database.js';
import type { Barrier } from '../../barrier/barrier.js';
import type { AuditBroker } from '../../audit/broker.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Clock } from '../../lib/clock.js';
import type { KeyhavenConfig } from '../../config/config-schema.js';
import type { SecretService } from '../secrets/secret-service.js';
import { createRotator, getRotator } from '../../rotation/rotator-registry.js';
import { generateValue } from '../../rotation/generators/registry.js';
import { createRotationStore } from '../../rotation/engine/rotation-store.js';
import { createRotationEngine } from '../../rotation/engine/rotation-engine.js';
import { createBatchRunner } from '../../rotation/engine/batch-runner.js';
import { startRotationScheduler, type SchedulerTimer } from '../../rotation/engine/scheduler.js';
import { createTargetLimiter } from '../../rotation/engine/target-limiter.js';
import type { EngineDeps, RotatorFactory } from '../../rotation/engine/engine-types.js';
import { newLeaseOwner, releaseDeadLeases } from '../../jobs/leases.js';
import type { ProviderContext } from '../../providers/provider-types.js';
import { createRotationService, type RotationServiceDeps } from './rotation-service.js';
import { rotationRoutes } from './rotation-routes.js';
import { createRotationTelemetry } from './rotation-telemetry.js';
import { createLogNames, type LogNames } from '../../lib/log-names.js';
import type { DomainMetrics } from '../../lib/domain-metrics.js';

/** Without a configured hasher, names are left out of log lines (a random key: hashes nobody can match). */
const anonymousNames = (): LogNames => createLogNames({ key: randomBytes(32), mode: 'hashed' });

/** Both observers see every event, the outside one (tests, fault injection) first. */
const both = (a: EngineDeps['observer'], b: NonNullable<EngineDeps['observer']>): NonNullable<EngineDeps['observer']> =>
  a
    ? {
        runStarted: (run, type) => {
          a.runStarted?.(run, type);
          b.runStarted?.(run, type);
        },
        stepPersisted: (run) => {
          a.stepPersisted?.(run);
          b.stepPersisted?.(run);
        },
        suspended: (run, code) => {
          a.suspended?.(run, code);
          b.suspended?.(run, code);
        },
      }
    : b;

export interface RotationFeatureDeps {
  storage: StorageHandle;
  secrets: SecretService;
  barrier: Barrier;
  broker: AuditBroker;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  config: KeyhavenConfig['rotation'];
  rotators?: RotatorFactory;
  owner?: string;
  observer?: EngineDeps['observer'];
  /** How secret names appear in the rotation's log lines (hashed by default; app.ts). Without it the
   *  lines carry no name at all. */
  names?: LogNames;
  /** Rotation metrics (lib/domain-metrics.ts). */
  metrics?: Pick<DomainMetrics, 'rotationStarted' | 'rotationStep' | 'rotationFinished'>;
  resolveProvider?: RotationServiceDeps['resolveProvider'];
  /** The operator's settings for providers that reach the server's process or files (provider rotator). */
  providers?: ProviderContext;
  /** How the in-process scheduler waits (default: the process's timers). */
  schedulerTimer?: SchedulerTimer;
  /** Notifications: run outcomes are queued in the run's closing transaction. */
  outbox?: EngineDeps['outbox'];
}

export const createRotationFeature = (deps: RotationFeatureDeps) => {
  const cfg = deps.config;
  const owner = deps.owner ?? newLeaseOwner('rotation');
  const leaseMs = cfg.leaseSeconds * 1000;
  const store = createRotationStore(deps.storage);
  const names = deps.names ?? anonymousNames();
  const telemetry = createRotationTelemetry({ logger: deps.logger, names, metrics: deps.metrics });
  // eslint-disable-next-line prefer-const
  let service: ReturnType<typeof createRotationService>;
  const engine = createRotationEngine({
    storage: deps.storage,
    store,
    secrets: deps.secrets,
    rotators: deps.rotators ?? ((kind, opts) => createRotator(kind, { ...opts, providers: deps.providers })),
    generate: generateValue,
    fingerprint: (v) => deps.barrier.fingerprint(v),
    audit: (e) => deps.broker.record(e),
    publish: (e) => deps.bus.publish(e),
    clock: deps.clock,
    owner,
    leaseMs,
    retry: { baseMs: cfg.retryBaseSeconds * 1000, maxMs: cfg.retryMaxSeconds * 1000 },
    timeoutMs: cfg.targetTimeoutMs,
    valueOnly: (kind) => {
      try {
        return getRotator(kind).capabilities.valueOnly === true;
      } catch {
        return false;
      }
    },
    nextRotationAt: (c, from, expiresAt) => service.nextFor(c, from, expiresAt),
    limiter: createTargetLimiter({ clock: deps.clock, perMinute: cfg.maxRotationsPerTargetPerMinute }),
    targetOf: (kind, config, admin) => {
      try {
        return getRotator(kind).target?.(config as never, admin) ?? null;
      } catch {
        return null;
      }
    },
    observer: both(deps.observer, telemetry),
    outbox: deps.outbox,
  });
  const batch = createBatchRunner({
    engine,
    store,
    storage: deps.storage,
    clock: deps.clock,
    owner,
    leaseMs,
    concurrency: cfg.concurrency,
    batchSize: cfg.batchSize,
  });
  service = createRotationService({
    storage: deps.storage,
    store,
    secrets: deps.secrets,
    engine,
    batch,
    clock: deps.clock,
    owner,
    leaseMs,
    defaults: { intervalDays: cfg.defaultIntervalDays, concurrency: cfg.concurrency, maxPerCall: cfg.maxPerCall },
    resolveProvider: deps.resolveProvider,
    providers: deps.providers,
  });
  let scheduler: ReturnType<typeof startRotationScheduler> | null = null;
  return {
    owner,
    store,
    engine,
    batch,
    service,
    routes: rotationRoutes(service),
    start() {
      if (!cfg.enabled || scheduler) return;
      scheduler = startRotationScheduler(
        { engine, batch, logger: deps.logger, clock: deps.clock, timer: deps.schedulerTimer },
        { ...cfg.schedules, recoveryEveryMs: Math.max(1000, leaseMs / 2) },
      );
    },
    /** At start: runs (and claims) left by a crashed process of this server are resumed at once, not
     *  when their lease runs out (their target may already hold the new credential). Runs whether or
     *  not the scheduler is enabled: it finishes work already begun. */
    async resumeInterrupted() {
      const freed =
        (await releaseDeadLeases(deps.storage, 'rotation_runs', owner)) +
        (await releaseDeadLeases(deps.storage, 'rotation_configs', owner));
      const resumed = freed > 0 ? await engine.recover() : [];
      if (resumed.length > 0)
        deps.logger.info(
          { resumed: resumed.length, succeeded: resumed.filter((r) => r.status === 'success').length },
          'resumed rotations interrupted by a crash (each run logs its steps)',
        );
      return resumed;
    },
    async stop() {
      await scheduler?.stop();
      scheduler = null;
    },
  };
};

export type RotationFeature = ReturnType<typeof createRotationFeature>;
