// The delivery worker: claims due outbox rows under a lease (FOR UPDATE SKIP LOCKED on PostgreSQL, so
// on several replicas each row is sent by one), only the oldest undelivered row of each subscription
// and secret (order per secret), sends it, and marks it delivered, or schedules a retry with
// exponential backoff, or after maxAttempts moves it to the dead letters. A crash between the send and
// the mark sends it again after restart: consumers deduplicate on the event id (at least once).
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { StorageHandle } from '../../storage/database.js';
import type { Clock } from '../../lib/clock.js';
import type { EgressPolicy } from '../../lib/egress.js';
import { isKeyhavenError } from '../../lib/errors.js';
import { claimRows, newLeaseOwner, releaseDeadLeases } from '../../jobs/leases.js';
import type { NotificationOutboxTable } from '../../storage/schema.js';
import type { ChannelSender } from './channels/channel-types.js';
import { DeliveryError } from './channels/channel-types.js';
import type { NotificationPayload } from './notification-types.js';
import type { SubscriptionRow, SubscriptionService } from './subscription-service.js';

export interface DeliverySettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  leaseMs: number;
  batchSize: number;
  concurrency: number;
}
type OutboxRow = Omit<NotificationOutboxTable, 'seq'> & { seq: number | string };

export interface DeliveryObserver {
  attempted?(row: { seq: number; event_id: string; status: 'delivered' | 'retry' | 'dead' }): void;
}

export const createDeliveryWorker = (deps: {
  storage: StorageHandle;
  clock: Clock;
  logger: Logger;
  subscriptions: SubscriptionService;
  egress: EgressPolicy;
  settings: DeliverySettings;
  owner?: string;
  observer?: DeliveryObserver;
}) => {
  const { storage, settings } = deps;
  const owner = deps.owner ?? newLeaseOwner('notify');
  const senders = new Map<string, { version: string; sender: ChannelSender }>();
  const nowIso = () => deps.clock.now().toISOString();
  let draining: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const senderFor = (sub: SubscriptionRow): ChannelSender => {
    const key = `${sub.tenant_id}\u0000${sub.id}`;
    const cached = senders.get(key);
    if (cached && cached.version === sub.updated_at) return cached.sender;
    if (cached) void cached.sender.close?.();
    const sender = deps.subscriptions.senderOf(sub, { egress: deps.egress, timeoutMs: settings.timeoutMs, now: () => deps.clock.now() });
    senders.set(key, { version: sub.updated_at, sender });
    return sender;
  };

  const claim = () => {
    const now = nowIso();
    return claimRows<OutboxRow>(storage, {
      table: 'notification_outbox',
      keys: ['seq'],
      orderBy: 'seq',
      limit: settings.batchSize,
      owner,
      now,
      until: new Date(deps.clock.now().getTime() + settings.leaseMs).toISOString(),
      where: sql`status = 'pending' and next_attempt_at <= ${now}`,
    });
  };

  /** Gives rows back unsent (no attempt counted), due again at `at`. */
  const release = async (rows: OutboxRow[], at: string) => {
    if (!rows.length) return;
    await storage.transaction('*', (trx) =>
      trx
        .updateTable('notification_outbox')
        .set({ lease_owner: null, lease_until: null, next_attempt_at: at })
        .where(
          'seq',
          'in',
          rows.map((r) => Number(r.seq)),
        )
        .where('lease_owner', '=', owner)
        .execute(),
    );
  };

  /** The earliest undelivered row of a group before `seq` (one index probe), if any. */
  const blockerOf = async (row: OutboxRow) =>
    await storage.withTenant('*', (ex) =>
      ex
        .selectFrom('notification_outbox')
        .select(['seq', 'next_attempt_at'])
        .where('subscription_id', '=', row.subscription_id)
        .where('order_key', '=', row.order_key)
        .where('status', '=', 'pending')
        .where('tenant_id', '=', row.tenant_id)
        .where('seq', '<', Number(row.seq))
        .orderBy('seq')
        .limit(1)
        .executeTakeFirst(),
    );

  const finish = (row: OutboxRow, patch: Partial<Omit<NotificationOutboxTable, 'seq'>>) =>
    storage.transaction('*', (trx) =>
      trx
        .updateTable('notification_outbox')
        .set({ ...patch, lease_owner: null, lease_until: null })
        .where('seq', '=', Number(row.seq))
        .where('lease_owner', '=', owner)
        .execute(),
    );

  let attemptsThisRound = 0;
  /** Sent rows are marked delivered together (one transaction per group, at most MARK_BATCH rows):
   *  a crash before the mark sends them again, and consumers deduplicate on the event id. */
  const MARK_BATCH = 32;
  const markDelivered = async (rows: Array<{ row: OutboxRow; attempts: number }>) => {
    const batch = rows.splice(0);
    if (!batch.length) return;
    const at = nowIso();
    await storage.transaction('*', async (trx) => {
      for (const { row, attempts } of batch) {
        await trx
          .updateTable('notification_outbox')
          .set({ status: 'delivered', attempts, delivered_at: at, last_error: null, lease_owner: null, lease_until: null })
          .where('seq', '=', Number(row.seq))
          .where('lease_owner', '=', owner)
          .execute();
      }
    });
    for (const { row } of batch) deps.observer?.attempted?.({ seq: Number(row.seq), event_id: row.event_id, status: 'delivered' });
  };
  /** Sends one row; returns when it is due again if it failed (undefined when delivered or dead). */
  const deliverOne = async (
    row: OutboxRow,
    sub: SubscriptionRow,
    delivered: Array<{ row: OutboxRow; attempts: number }>,
  ): Promise<string | undefined> => {
    const attempts = row.attempts + 1;
    attemptsThisRound++;
    try {
      await senderFor(sub).send({ payload: JSON.parse(row.payload) as NotificationPayload, body: row.payload });
      delivered.push({ row, attempts });
      if (delivered.length >= MARK_BATCH) await markDelivered(delivered);
      return undefined;
    } catch (e) {
      const reason =
        e instanceof DeliveryError || isKeyhavenError(e) ? (e as Error).message.slice(0, 500) : 'the channel failed unexpectedly';
      const dead = attempts >= settings.maxAttempts;
      const next = new Date(
        deps.clock.now().getTime() + Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (attempts - 1)),
      ).toISOString();
      await finish(row, dead ? { status: 'dead', attempts, last_error: reason } : { attempts, last_error: reason, next_attempt_at: next });
      deps.observer?.attempted?.({ seq: Number(row.seq), event_id: row.event_id, status: dead ? 'dead' : 'retry' });
      if (dead)
        deps.logger.warn(
          { subscription: row.subscription_id, event_id: row.event_id, event_type: row.event_type, attempts, reason },
          'a notification could not be delivered and was moved to the dead letters',
        );
      return dead ? undefined : next;
    }
  };

  /** One group (subscription and secret), in order: stops at the first failure and gives the rest
   *  back, due when the failed one is; skipped whole while an earlier row of the group is undelivered
   *  (in backoff, or leased by another server). */
  const deliverGroup = async (rows: OutboxRow[], subs: Map<string, Promise<SubscriptionRow | undefined>>) => {
    const first = rows[0]!;
    const key = `${first.tenant_id}\u0000${first.subscription_id}`;
    if (!subs.has(key)) subs.set(key, deps.subscriptions.rowOf(first.tenant_id, first.subscription_id));
    const sub = await subs.get(key)!;
    if (!sub) {
      await storage.transaction('*', (trx) =>
        trx
          .deleteFrom('notification_outbox')
          .where(
            'seq',
            'in',
            rows.map((r) => Number(r.seq)),
          )
          .execute(),
      );
      return;
    }
    const blocker = await blockerOf(first);
    if (blocker) return release(rows, blocker.next_attempt_at > nowIso() ? blocker.next_attempt_at : nowIso());
    const delivered: Array<{ row: OutboxRow; attempts: number }> = [];
    try {
      for (let i = 0; i < rows.length; i++) {
        if (stopped) return await release(rows.slice(i), nowIso());
        const retryAt = await deliverOne(rows[i]!, sub, delivered);
        if (retryAt) return await release(rows.slice(i + 1), retryAt);
      }
    } finally {
      await markDelivered(delivered);
    }
  };

  /** One claim and its sends; returns how many sends were attempted (0: nothing could progress). */
  const drainOnce = async (): Promise<number> => {
    attemptsThisRound = 0;
    // UPDATE … RETURNING gives no order on PostgreSQL: groups are sent by seq.
    const rows = (await claim()).sort((x, y) => Number(x.seq) - Number(y.seq));
    const groups = new Map<string, OutboxRow[]>();
    for (const r of rows) {
      const k = `${r.tenant_id}\u0000${r.subscription_id}\u0000${r.order_key}`;
      (groups.get(k) ?? groups.set(k, []).get(k)!).push(r);
    }
    const queue = [...groups.values()];
    const subs = new Map<string, Promise<SubscriptionRow | undefined>>();
    let next = 0;
    const work = async () => {
      while (next < queue.length) {
        const group = queue[next++]!;
        try {
          await deliverGroup(group, subs);
        } catch (e) {
          // The rows stay leased until their lease runs out, then any server sends them.
          deps.logger.warn(
            { subscription: group[0]!.subscription_id, reason: (e as Error).message?.slice(0, 200) },
            'notification delivery failed; the rows are retried when their lease runs out',
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(settings.concurrency, queue.length) }, work));
    return attemptsThisRound;
  };

  /** Sends everything due now (rows that fail are retried later, not in this call). */
  const drain = (): Promise<void> => {
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      try {
        do {
          again = false;
          while (!stopped && (await drainOnce()) > 0) {
            /* until nothing is due */
          }
        } while (again && !stopped);
      } finally {
        draining = undefined;
      }
    })();
    return draining;
  };

  return {
    owner,
    drain,
    /** After a commit that queued events: send soon, without waiting for the next poll. */
    kick() {
      if (!stopped)
        setImmediate(() => {
          void drain().catch((e: Error) =>
            deps.logger.warn({ reason: e.message?.slice(0, 200) }, 'notification delivery failed; the next poll retries'),
          );
        });
    },
    /** At start: rows leased by a process that is gone (a crash) are free again now. */
    releaseDead: () => releaseDeadLeases(storage, 'notification_outbox', owner),
    async stop() {
      stopped = true;
      await draining?.catch(() => undefined);
      for (const s of senders.values()) await s.sender.close?.().catch(() => undefined);
      senders.clear();
    },
  };
};

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
