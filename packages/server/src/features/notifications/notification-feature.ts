// Wires notifications: the outbox (features record into it inside their transactions), subscriptions,
// the leased delivery worker (polls, and is kicked after each committed domain event), reminder
// sweeps, dead letters and routes. Domain events without a change of their own (anomalies, provider
// and audit-sink failures) are queued from the event bus in a transaction of their own.
import type { Logger } from 'pino';
import type { Barrier } from '../../barrier/barrier.js';
import type { StorageHandle } from '../../storage/database.js';
import { createFixedSql } from '../../storage/database.js';
import { knownEmpty, type ChangeFeed } from '../../storage/change-feed.js';
import type { Clock } from '../../lib/clock.js';
import { fail } from '../../lib/errors.js';
import type { EgressPolicy } from '../../lib/egress.js';
import type { EventBus } from '../../events/event-bus.js';
import type { KeyhavenConfig } from '../../config/config-schema.js';
import type { Scope } from '../secrets/secret-service.js';
import { newId } from '../../lib/ids.js';
import { createOutbox } from './outbox.js';
import { createSubscriptionService } from './subscription-service.js';
import { createDeliveryWorker, type DeliveryObserver } from './delivery-worker.js';
import { createDeadLetters } from './dead-letters.js';
import { createReminders } from './reminders.js';
import { notificationRoutes } from './notification-routes.js';
import type { NotificationPayload } from './notification-types.js';

export interface NotificationFeatureDeps {
  storage: StorageHandle;
  barrier: Barrier;
  clock: Clock;
  logger: Logger;
  bus: EventBus;
  egress: EgressPolicy;
  settings: KeyhavenConfig['notifications'];
  observer?: DeliveryObserver;
  /** PostgreSQL: other replicas' changes, so tenants without subscriptions can skip the lookup. */
  changes?: ChangeFeed;
}

/** Events of the bus with no transaction of their own, queued as they are published. */
const BUS_EVENTS = new Set(['anomaly.detected', 'provider.unreachable', 'audit.sink_failing']);
const THROTTLE_MS = 10 * 60_000;
/** How long after the outbox wrote rows a committed event still wakes the delivery worker. */
const KICK_WINDOW_MS = 30_000;

export const createNotificationFeature = (deps: NotificationFeatureDeps) => {
  const { storage, settings } = deps;
  const now = () => deps.clock.now().toISOString();
  const noSubscriptions = storage.dialect === 'postgres' ? knownEmpty(deps.changes, 'notification_subscriptions') : undefined;
  const outbox = createOutbox({ fixed: createFixedSql(storage.dialect, storage.sqliteRun), now, noSubscriptions });
  const subscriptions = createSubscriptionService({
    storage,
    barrier: deps.barrier,
    clock: deps.clock,
    egress: deps.egress,
    noSubscriptions,
  });
  const worker = createDeliveryWorker({
    storage,
    clock: deps.clock,
    logger: deps.logger,
    subscriptions,
    egress: deps.egress,
    observer: deps.observer,
    settings: {
      maxAttempts: settings.maxAttempts,
      retryBaseMs: settings.retryBaseMs,
      retryMaxMs: settings.retryMaxMs,
      timeoutMs: settings.timeoutMs,
      leaseMs: settings.leaseSeconds * 1000,
      batchSize: settings.batchSize,
      concurrency: settings.concurrency,
    },
  });
  const deadLetters = createDeadLetters({ storage, clock: deps.clock, kick: () => worker.kick() });
  const reminders = createReminders({
    storage,
    clock: deps.clock,
    outbox,
    settings: { reminderDays: settings.reminderDays, overdueGraceMinutes: settings.overdueGraceMinutes },
  });
  const timers: NodeJS.Timeout[] = [];
  const throttled = new Map<string, number>();
  /** A bus event in a transaction of its own; tenant '*' (server-wide) goes to every tenant with subscriptions. */
  const queueBusEvent = async (e: { type: string; tenant: string; time: string; data: Record<string, unknown> }, secret?: string) => {
    const tenants =
      e.tenant !== '*'
        ? [e.tenant]
        : (
            await storage.withTenant('*', (ex) =>
              ex
                .selectFrom('notification_subscriptions')
                .innerJoin('tenants', 'tenants.id', 'notification_subscriptions.tenant_id')
                .select('notification_subscriptions.tenant_id')
                .distinct()
                .where('notification_subscriptions.enabled', '=', 1)
                .where('tenants.deleted_at', 'is', null)
                .execute(),
            )
          ).map((r) => r.tenant_id);
    let queued = 0;
    for (const tenant of tenants) {
      queued += await storage.transaction(tenant, (trx) =>
        outbox.record(trx, { type: e.type as never, tenant, time: e.time, secret: secret ? { name: secret } : undefined, data: e.data }),
      );
    }
    return queued;
  };
  let unsubscribe: (() => void) | undefined;

  const test = async (scope: Scope, id: string) => {
    const row = await subscriptions.requireRow(scope.tenant, id);
    const payload = {
      id: newId('evt'),
      type: 'notification.test',
      time: now(),
      tenant: scope.tenant,
      criticality: 'low',
      secret: null,
      data: { message: 'a test notification from Keyhaven', subscription: id },
    } as unknown as NotificationPayload;
    const sender = subscriptions.senderOf(row, { egress: deps.egress, timeoutMs: settings.timeoutMs, now: () => deps.clock.now() });
    try {
      await sender.send({ payload, body: JSON.stringify(payload) });
    } catch (e) {
      if ((e as { code?: string }).code === 'EGRESS_FORBIDDEN') throw e;
      throw fail('NOTIFICATION_TEST_FAILED', `The test notification to "${id}" was not delivered: ${(e as Error).message}.`);
    } finally {
      await sender.close?.().catch(() => undefined);
    }
    return { delivered: true, event_id: payload.id };
  };

  const every = (ms: number, fn: () => Promise<unknown>, what: string) => {
    let running = false;
    const run = async () => {
      if (running) return;
      running = true;
      try {
        await fn();
      } catch (e) {
        deps.logger.warn({ job: what, reason: (e as Error).message?.slice(0, 200) }, 'notification job failed');
      } finally {
        running = false;
      }
    };
    const t = setInterval(() => void run(), ms);
    t.unref();
    timers.push(t);
  };

  return {
    outbox,
    subscriptions,
    deadLetters,
    reminders,
    worker,
    test,
    routes: notificationRoutes({ subscriptions, deadLetters, reminders, test }),
    async start() {
      if (!settings.enabled) return;
      // Any committed domain event may have queued deliveries: send them now rather than at the next poll.
      unsubscribe = deps.bus.subscribe((e) => {
        if (e.replica) return;
        // A commit can have queued deliveries only if this server's outbox wrote rows lately (the
        // poll finds anything else, such as retries and other replicas' rows).
        if (!BUS_EVENTS.has(e.type)) return outbox.queuedWithin(KICK_WINDOW_MS) ? worker.kick() : undefined;
        // The same failure is announced at most once per throttle period (anomalies dedupe themselves).
        const key = `${e.tenant}|${e.type}|${String(e.data.provider ?? e.data.sink ?? e.data.key ?? '')}`;
        const at = deps.clock.now().getTime();
        if (e.type !== 'anomaly.detected' && (throttled.get(key) ?? -Infinity) > at - THROTTLE_MS) return;
        const secret = typeof e.data.secret === 'string' ? e.data.secret : typeof e.data.name === 'string' ? e.data.name : undefined;
        // Held while queueing (concurrent failures announce once); released when no subscription took
        // the event, so a failure before anyone subscribed does not mute the next one.
        if (throttled.size > 10_000) throttled.clear();
        throttled.set(key, at);
        void queueBusEvent(e, secret).then(
          (queued) => {
            if (queued === 0) throttled.delete(key);
            worker.kick();
          },
          (err: Error) => {
            throttled.delete(key);
            deps.logger.warn({ reason: err.message?.slice(0, 200), event_type: e.type }, 'a notification could not be queued');
          },
        );
      });
      await worker.releaseDead().catch(() => 0);
      every(settings.pollIntervalMs, () => worker.drain(), 'notification-delivery');
      every(
        settings.reminderIntervalSeconds * 1000,
        async () => {
          await reminders.sweep();
          worker.kick();
        },
        'notification-reminders',
      );
      every(
        3600_000,
        () =>
          storage.transaction('*', (trx) =>
            trx
              .deleteFrom('notification_outbox')
              .where('status', '=', 'delivered')
              .where('delivered_at', '<', new Date(deps.clock.now().getTime() - settings.retentionDays * 86_400_000).toISOString())
              .execute(),
          ),
        'notification-retention',
      );
      worker.kick();
      setTimeout(() => {
        void reminders.sweep().then(
          () => worker.kick(),
          () => undefined,
        );
      }, 1000).unref();
    },
    async stop() {
      unsubscribe?.();
      for (const t of timers) clearInterval(t);
      await worker.stop();
    },
  };
};

export type NotificationFeature = ReturnType<typeof createNotificationFeature>;
