// The outbox: a feature calls record() INSIDE the transaction of its change, so the event exists if
// and only if the change committed. One row per matching subscription, all with the event's id; the
// delivery worker sends them after commit. Without subscriptions a write costs one indexed read.
import type { Executor, FixedSql } from '../../storage/database.js';
import { newId } from '../../lib/ids.js';
import type { knownEmpty } from '../../storage/change-feed.js';
import { matches, sanitizeData, SYSTEM_CRITICALITY, type NotificationPayload, type OutboxEvent } from './notification-types.js';

export interface Outbox {
  /** Queues the event for every matching subscription of its tenant; returns the rows written. */
  record(ex: Executor, event: OutboxEvent): Promise<number>;
  /** Whether record() wrote rows within the last `ms` (their transactions commit soon after): only
   *  then is the delivery worker woken after a commit, instead of claiming nothing on every write. */
  queuedWithin(ms: number): boolean;
}

interface SubRow {
  id: string;
  event_types: string;
  min_criticality: string | null;
  name_prefix: string | null;
}

export const createOutbox = (deps: {
  fixed: FixedSql;
  now: () => string;
  /** PostgreSQL: tenants known to have no enabled subscription skip the lookup (change-feed.ts). */
  noSubscriptions?: Pick<ReturnType<typeof knownEmpty>, 'has' | 'token' | 'remember'>;
}): Outbox => {
  let lastQueued = -Infinity;
  return {
    queuedWithin: (ms) => performance.now() - lastQueued <= ms,
    async record(ex, event) {
      const none = deps.noSubscriptions;
      if (none?.has(event.tenant)) return 0;
      const token = none?.token();
      const subs = (
        await deps.fixed<SubRow>(
          ex,
          'select id, event_types, min_criticality, name_prefix from notification_subscriptions where tenant_id = ? and enabled = 1',
          [event.tenant],
        )
      ).rows;
      if (!subs.length) {
        if (token !== undefined) none?.remember(event.tenant, token);
        return 0;
      }
      const secret = event.secret?.name ?? null;
      let criticality = event.criticality ?? SYSTEM_CRITICALITY[event.type] ?? 'medium';
      if (event.secret && !event.criticality) {
        criticality = (event.secret.criticality ??
          (
            await deps.fixed<{ criticality: string }>(ex, 'select criticality from secrets where tenant_id = ? and name = ?', [
              event.tenant,
              event.secret.name,
            ])
          ).rows[0]?.criticality ??
          'medium') as typeof criticality;
      }
      const wanted = subs.filter((s) =>
        matches(
          { event_types: JSON.parse(s.event_types) as string[], min_criticality: s.min_criticality, name_prefix: s.name_prefix },
          event.type,
          criticality,
          secret,
        ),
      );
      if (!wanted.length) return 0;
      const payload: NotificationPayload = {
        id: newId('evt'),
        type: event.type,
        time: event.time,
        tenant: event.tenant,
        criticality,
        secret,
        data: sanitizeData(event.data),
      };
      const body = JSON.stringify(payload);
      const at = deps.now();
      // Order is kept per subscription and secret (events about no secret: per type).
      const orderKey = secret !== null ? `secret:${secret}` : `type:${event.type}`;
      lastQueued = performance.now();
      for (const s of wanted) {
        await deps.fixed(
          ex,
          `insert into notification_outbox (tenant_id, event_id, subscription_id, event_type, order_key, payload, status, attempts, next_attempt_at, created_at)
        values (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
          [event.tenant, payload.id, s.id, event.type, orderKey, body, at, at],
        );
      }
      return wanted.length;
    },
  };
};
