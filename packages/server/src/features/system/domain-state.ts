// The database-derived gauges of /metrics (due, overdue and expired secrets per criticality, rotation
// runs in progress and stuck, the audit chain head, leases): a handful of aggregate queries across
// tenants, run when /metrics is scraped and cached by lib/domain-metrics.ts.
import { sql } from 'kysely';
import type { StorageHandle } from '../../storage/database.js';
import type { Clock } from '../../lib/clock.js';
import type { DomainState } from '../../lib/domain-metrics.js';

const dueAt = (at: string) => sql<boolean>`auto_rotation = 1 and (
  (next_retry_at is not null and next_retry_at <= ${at}) or (next_retry_at is null and next_rotation_at is not null and next_rotation_at <= ${at}))`;

const byCriticality = (rows: Array<{ criticality: string; n: unknown }>) =>
  Object.fromEntries(rows.map((r) => [r.criticality, Number(r.n)]));

/** `overdueAfterMs`: a due secret counts as overdue once it has been due this long. */
export const createDomainStateReader =
  (deps: { storage: StorageHandle; clock: Clock; leaseMs: number; overdueAfterMs: number }) => async (): Promise<DomainState> => {
    const now = deps.clock.now();
    const iso = now.toISOString();
    const overdueAt = new Date(now.getTime() - deps.overdueAfterMs).toISOString();
    const stuckBefore = new Date(now.getTime() - 3 * deps.leaseMs).toISOString();
    return deps.storage.withTenant('*', async (ex) => {
      const due = await ex
        .selectFrom('rotation_configs')
        .select(['criticality', (eb) => eb.fn.countAll().as('n')])
        .where(dueAt(iso))
        .groupBy('criticality')
        .execute();
      const overdue = await ex
        .selectFrom('rotation_configs')
        .select(['criticality', (eb) => eb.fn.countAll().as('n')])
        .where(dueAt(overdueAt))
        .groupBy('criticality')
        .execute();
      const expired = await ex
        .selectFrom('secrets')
        .select(['criticality', (eb) => eb.fn.countAll().as('n')])
        .where('deleted_at', 'is', null)
        .where('expires_at', 'is not', null)
        .where('expires_at', '<=', iso)
        .groupBy('criticality')
        .execute();
      const runs = await ex
        .selectFrom('rotation_runs')
        .select([
          (eb) => eb.fn.countAll().as('n'),
          sql<number>`coalesce(sum(case when started_at < ${stuckBefore} then 1 else 0 end), 0)`.as('stuck'),
        ])
        .where('status', '=', 'in_progress')
        .executeTakeFirst();
      const head = await ex
        .selectFrom('audit_events')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .executeTakeFirst();
      const leases: DomainState['leases'] = [];
      for (const table of ['rotation_configs', 'rotation_runs'] as const) {
        const r = await ex
          .selectFrom(table)
          .select([(eb) => eb.fn.countAll().as('held'), sql<number>`count(distinct lease_owner)`.as('holders')])
          .where('lease_owner', 'is not', null)
          .where('lease_until', '>', iso)
          .executeTakeFirst();
        leases.push({
          resource: table === 'rotation_configs' ? 'rotation_registration' : 'rotation_run',
          held: Number(r?.held ?? 0),
          holders: Number(r?.holders ?? 0),
        });
      }
      return {
        due: byCriticality(due),
        overdue: byCriticality(overdue),
        expired: byCriticality(expired),
        runsInProgress: Number(runs?.n ?? 0),
        runsStuck: Number(runs?.stuck ?? 0),
        auditHeadSequence: head ? Number(head.seq) : 0,
        leases,
      };
    });
  };
