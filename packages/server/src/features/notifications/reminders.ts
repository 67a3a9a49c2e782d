// Expiry reminders and overdue rotations, found by a periodic sweep (system work, all tenants):
// - a secret with expires_at and no automatic rotation gets a `secret.expiry_reminder` when it comes
//   within each configured number of days of expiry, and when it has expired;
// - an automatic rotation whose next_rotation_at passed more than the grace period ago gets
//   `secret.rotation_overdue`.
// Each threshold is marked (notification_marks) in the transaction that queues its event, so it is
// sent once per threshold and expiry date, on any number of replicas, not on every sweep.
import { sql } from 'kysely';
import type { StorageHandle } from '../../storage/database.js';
import type { Clock } from '../../lib/clock.js';
import type { Scope } from '../secrets/secret-service.js';
import type { Outbox } from './outbox.js';

const DAY = 86_400_000;

export interface ManualRotationItem {
  name: string;
  expires_at: string;
  days_left: number;
  status: 'expired' | 'expiring';
  criticality: string;
  owner: string | null;
  type: string;
}

interface ExpiringRow {
  tenant_id: string;
  id: string;
  name: string;
  expires_at: string;
  criticality: string;
  owner: string | null;
  type: string;
  environment: string | null;
}

export const createReminders = (deps: {
  storage: StorageHandle;
  clock: Clock;
  outbox: Outbox;
  settings: { reminderDays: number[]; overdueGraceMinutes: number };
}) => {
  const { storage } = deps;
  const days = [...new Set(deps.settings.reminderDays)].sort((a, b) => b - a);
  const horizon = days[0] ?? 0;

  /** Secrets with an expiry and no automatic rotation, expiring before `until` (or expired). */
  const expiring = (tenant: string, until: string): Promise<ExpiringRow[]> =>
    storage.withTenant(
      tenant,
      async (ex) =>
        (
          await sql<ExpiringRow>`
      select s.tenant_id, s.id, s.name, s.expires_at, s.criticality, s.owner, s.type, s.environment from secrets s
      where s.expires_at is not null and s.deleted_at is null and s.expires_at <= ${until} ${tenant === '*' ? sql`` : sql`and s.tenant_id = ${tenant}`}
        and not exists (select 1 from rotation_configs r where r.tenant_id = s.tenant_id and r.secret_id = s.id and r.auto_rotation = 1)
      order by s.expires_at, s.name`.execute(ex)
        ).rows,
    );

  /** Inserts the mark and queues the event in one transaction; false when the mark existed. */
  const once = (tenant: string, mark: string, event: Parameters<Outbox['record']>[1]) =>
    storage.transaction(tenant, async (trx) => {
      const at = deps.clock.now().toISOString();
      const r =
        await sql`insert into notification_marks (tenant_id, mark, created_at) values (${tenant}, ${mark}, ${at}) on conflict do nothing`.execute(
          trx,
        );
      if (Number(r.numAffectedRows ?? 0) === 0) return false;
      await deps.outbox.record(trx, event);
      return true;
    });

  return {
    /** What needs a manual rotation: expired, or expiring within `withinDays`. */
    async manualRotations(scope: Scope, withinDays: number): Promise<ManualRotationItem[]> {
      const now = deps.clock.now().getTime();
      const rows = await expiring(scope.tenant, new Date(now + withinDays * DAY).toISOString());
      return rows
        .filter((r) => !scope.canSee || scope.canSee({ name: r.name, environment: r.environment, tags: [] }))
        .map((r) => {
          const left = (Date.parse(r.expires_at) - now) / DAY;
          return {
            name: r.name,
            expires_at: r.expires_at,
            days_left: Math.floor(left * 10) / 10,
            status: left <= 0 ? 'expired' : 'expiring',
            criticality: r.criticality,
            owner: r.owner,
            type: r.type,
          };
        });
    },

    /** One sweep; returns how many reminders and overdue events it queued. */
    async sweep(): Promise<{ reminders: number; overdue: number }> {
      const nowMs = deps.clock.now().getTime();
      const time = new Date(nowMs).toISOString();
      let reminders = 0;
      for (const r of await expiring('*', new Date(nowMs + horizon * DAY).toISOString())) {
        const left = Date.parse(r.expires_at) - nowMs;
        // The smallest threshold reached is the one announced; larger ones passed at the same time are
        // marked with it (a secret first seen 2 days before expiry gets one reminder, not three).
        const reached = days.filter((d) => left <= d * DAY);
        const expired = left <= 0;
        const threshold = expired ? 'expired' : `${reached.at(-1)}d`;
        const marks = expired ? ['expired'] : [threshold];
        const first = await once(r.tenant_id, `expiry:${r.id}:${r.expires_at}:${marks[0]}`, {
          type: 'secret.expiry_reminder',
          tenant: r.tenant_id,
          time,
          secret: { name: r.name, criticality: r.criticality },
          data: {
            name: r.name,
            expires_at: r.expires_at,
            expired,
            threshold,
            days_left: Math.floor((left / DAY) * 10) / 10,
            owner: r.owner,
            action: 'rotate this secret by hand (it has no automatic rotation)',
          },
        });
        if (first) {
          reminders++;
          for (const d of reached) {
            await storage.transaction(r.tenant_id, (trx) =>
              sql`insert into notification_marks (tenant_id, mark, created_at) values (${r.tenant_id}, ${`expiry:${r.id}:${r.expires_at}:${d}d`}, ${time}) on conflict do nothing`.execute(
                trx,
              ),
            );
          }
        }
      }
      let overdue = 0;
      const cutoff = new Date(nowMs - deps.settings.overdueGraceMinutes * 60_000).toISOString();
      const late = await storage.withTenant(
        '*',
        async (ex) =>
          (
            await sql<{
              tenant_id: string;
              secret_id: string;
              secret_name: string;
              next_rotation_at: string;
              criticality: string;
              failure_count: number;
            }>`
        select tenant_id, secret_id, secret_name, next_rotation_at, criticality, failure_count from rotation_configs
        where auto_rotation = 1 and next_rotation_at is not null and next_rotation_at < ${cutoff}`.execute(ex)
          ).rows,
      );
      for (const c of late) {
        if (
          await once(c.tenant_id, `overdue:${c.secret_id}:${c.next_rotation_at}`, {
            type: 'secret.rotation_overdue',
            tenant: c.tenant_id,
            time,
            secret: { name: c.secret_name },
            data: { name: c.secret_name, due_at: c.next_rotation_at, failure_count: c.failure_count },
          })
        )
          overdue++;
      }
      return { reminders, overdue };
    },
  };
};

export type Reminders = ReturnType<typeof createReminders>;
