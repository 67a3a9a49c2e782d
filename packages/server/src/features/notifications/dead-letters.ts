// The outbox as the API shows it: deliveries by status (dead letters above all) and retries of dead
// letters, one or all of a subscription. Payloads hold no secret value; they are shown as stored.
import type { StorageHandle } from '../../storage/database.js';
import type { Clock } from '../../lib/clock.js';
import { fail } from '../../lib/errors.js';
import type { Scope } from '../secrets/secret-service.js';

export interface DeliveryView {
  id: number;
  event_id: string;
  subscription: string;
  type: string;
  secret: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string;
  created_at: string;
  delivered_at: string | null;
}

export const createDeadLetters = (deps: { storage: StorageHandle; clock: Clock; kick(): void }) => {
  const { storage } = deps;
  const view = (r: {
    seq: number | string;
    event_id: string;
    subscription_id: string;
    event_type: string;
    payload: string;
    status: string;
    attempts: number;
    last_error: string | null;
    next_attempt_at: string;
    created_at: string;
    delivered_at: string | null;
  }): DeliveryView => ({
    id: Number(r.seq),
    event_id: r.event_id,
    subscription: r.subscription_id,
    type: r.event_type,
    secret: (JSON.parse(r.payload) as { secret: string | null }).secret,
    status: r.status,
    attempts: r.attempts,
    last_error: r.last_error,
    next_attempt_at: r.next_attempt_at,
    created_at: r.created_at,
    delivered_at: r.delivered_at,
  });
  const retryWhere = async (scope: Scope, filter: { id?: number; subscription?: string }) =>
    storage.transaction(scope.tenant, async (trx) => {
      let q = trx
        .updateTable('notification_outbox')
        .set({ status: 'pending', attempts: 0, next_attempt_at: deps.clock.now().toISOString(), lease_owner: null, lease_until: null })
        .where('tenant_id', '=', scope.tenant)
        .where('status', '=', 'dead');
      if (filter.id !== undefined) q = q.where('seq', '=', filter.id);
      if (filter.subscription) q = q.where('subscription_id', '=', filter.subscription);
      return Number((await q.executeTakeFirst()).numUpdatedRows ?? 0);
    });
  return {
    async list(scope: Scope, f: { status: 'pending' | 'delivered' | 'dead'; subscription?: string; limit: number }) {
      const rows = await storage.withTenant(scope.tenant, (ex) => {
        let q = ex.selectFrom('notification_outbox').selectAll().where('tenant_id', '=', scope.tenant).where('status', '=', f.status);
        if (f.subscription) q = q.where('subscription_id', '=', f.subscription);
        return q.orderBy('seq').limit(f.limit).execute();
      });
      return { items: rows.map(view) };
    },
    async retry(scope: Scope, id: number) {
      const n = await retryWhere(scope, { id });
      if (!n)
        throw fail(
          'NOTIFICATION_DELIVERY_NOT_FOUND',
          `No dead-lettered delivery ${id} in this tenant; list them with GET /v1/notifications/dead-letters.`,
        );
      deps.kick();
      return { retried: n };
    },
    async retryAll(scope: Scope, subscription?: string) {
      const n = await retryWhere(scope, { subscription });
      if (n) deps.kick();
      return { retried: n };
    },
  };
};

export type DeadLetters = ReturnType<typeof createDeadLetters>;
