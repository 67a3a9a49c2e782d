// Anomaly signals over the access log: repeated failures from one source, a token reading far more
// secrets than usual, a token used from a never-seen source IP, and reads of an emergency-rotated
// secret's old version. Computed by queries over audit_events; new ones are published as events.
import { sql } from 'kysely';
import type { StorageHandle } from '../../storage/database.js';
import type { Clock } from '../../lib/clock.js';
import type { EventBus } from '../../events/event-bus.js';

export interface Anomaly {
  kind: 'repeated_failures' | 'unusual_volume' | 'new_source_ip' | 'stale_read_after_emergency_rotation';
  tenant: string;
  key: string;
  summary: string;
  count: number;
  first_seen: string;
  last_seen: string;
  actor_id?: string | null;
  source_ip?: string | null;
  resource?: string | null;
}

export interface AnomalyThresholds { failures: number; failureWindowMinutes: number; volumeFactor: number; volumeMinimum: number; newIpLookbackDays: number; emergencyWindowHours: number }
export const DEFAULT_THRESHOLDS: AnomalyThresholds = { failures: 10, failureWindowMinutes: 15, volumeFactor: 5, volumeMinimum: 20, newIpLookbackDays: 30, emergencyWindowHours: 72 };

export const createAnomalyDetector = (deps: { storage: StorageHandle; clock: Clock; bus: EventBus; thresholds?: Partial<AnomalyThresholds> }) => {
  const t = { ...DEFAULT_THRESHOLDS, ...deps.thresholds };
  const { storage } = deps;
  const published = new Set<string>();

  const detect = async (tenant?: string): Promise<Anomaly[]> => {
    const now = deps.clock.now().getTime();
    const ago = (ms: number) => new Date(now - ms).toISOString();
    const scope = tenant ?? '*';
    return storage.withTenant(scope, async (ex) => {
      const out: Anomaly[] = [];
      const tenantFilter = tenant === undefined ? sql`1=1` : sql`tenant_id = ${tenant}`;
      const failures = await sql<{ source_ip: string; tenant_id: string; n: number; first: string; last: string }>`
        select source_ip, max(tenant_id) as tenant_id, count(*) as n, min(time) as first, max(time) as last from audit_events
        where outcome = 'denied' and time >= ${ago(t.failureWindowMinutes * 60_000)} and source_ip is not null and (${tenantFilter} or tenant_id = '')
        group by source_ip having count(*) >= ${t.failures}`.execute(ex);
      for (const r of failures.rows) {
        out.push({ kind: 'repeated_failures', tenant: r.tenant_id, key: `fail:${r.source_ip}:${r.first}`, count: Number(r.n), first_seen: r.first, last_seen: r.last, source_ip: r.source_ip,
          summary: `${r.n} failed or denied requests from ${r.source_ip} in ${t.failureWindowMinutes} minutes` });
      }
      const hourAgo = ago(3600_000);
      const volume = await sql<{ actor_id: string; tenant_id: string; recent: number; baseline: number }>`
        select actor_id, tenant_id,
          count(distinct case when time >= ${hourAgo} then resource end) as recent,
          count(distinct case when time < ${hourAgo} then resource end) as baseline
        from audit_events where action = 'secret.read' and outcome = 'success' and time >= ${ago(7 * 86400_000)} and ${tenantFilter} and actor_id is not null
        group by actor_id, tenant_id`.execute(ex);
      for (const r of volume.rows) {
        const recent = Number(r.recent);
        const usualPerHour = Number(r.baseline) / (7 * 24);
        if (recent >= t.volumeMinimum && recent >= t.volumeFactor * Math.max(usualPerHour, 1)) {
          out.push({ kind: 'unusual_volume', tenant: r.tenant_id, key: `vol:${r.actor_id}:${hourAgo.slice(0, 13)}`, count: recent, first_seen: hourAgo, last_seen: ago(0), actor_id: r.actor_id,
            summary: `token ${r.actor_id} read ${recent} distinct secrets in the last hour (usually about ${usualPerHour.toFixed(1)} per hour)` });
        }
      }
      const newIps = await sql<{ actor_id: string; tenant_id: string; source_ip: string; first: string; n: number }>`
        select e.actor_id, e.tenant_id, e.source_ip, min(e.time) as first, count(*) as n from audit_events e
        where e.outcome = 'success' and e.time >= ${hourAgo} and e.actor_id is not null and e.source_ip is not null and ${tenant === undefined ? sql`1=1` : sql`e.tenant_id = ${tenant}`}
          and exists (select 1 from audit_events o where o.actor_id = e.actor_id and o.time < ${hourAgo} and o.time >= ${ago(t.newIpLookbackDays * 86400_000)})
          and not exists (select 1 from audit_events p where p.actor_id = e.actor_id and p.source_ip = e.source_ip and p.time < ${hourAgo} and p.time >= ${ago(t.newIpLookbackDays * 86400_000)})
        group by e.actor_id, e.tenant_id, e.source_ip`.execute(ex);
      for (const r of newIps.rows) {
        out.push({ kind: 'new_source_ip', tenant: r.tenant_id, key: `ip:${r.actor_id}:${r.source_ip}`, count: Number(r.n), first_seen: r.first, last_seen: r.first, actor_id: r.actor_id, source_ip: r.source_ip,
          summary: `token ${r.actor_id} was used from ${r.source_ip}, never seen for it in ${t.newIpLookbackDays} days` });
      }
      // Driven from the (few) emergency rotations: each probes the reads of its secret after it through
      // the (tenant, resource, time) index. Driving from the reads instead made a hot secret quadratic.
      const stale = await sql<{ tenant_id: string; resource: string; actor_id: string; source_ip: string; n: number; first: string; last: string; new_version: number }>`
        with x as materialized (
          select tenant_id, resource, version, time from audit_events
          where action = 'secret.emergency_rotate' and outcome = 'success' and time >= ${ago(t.emergencyWindowHours * 3600_000)}
            and resource is not null and ${tenant === undefined ? sql`1=1` : sql`tenant_id = ${tenant}`})
        select r.tenant_id, r.resource, r.actor_id, r.source_ip, count(*) as n, min(r.time) as first, max(r.time) as last, max(x.version) as new_version
        from x join audit_events r on r.tenant_id = x.tenant_id and r.resource = x.resource and r.time > x.time
        where r.action = 'secret.read' and r.outcome = 'success' and r.version < x.version
        group by r.tenant_id, r.resource, r.actor_id, r.source_ip`.execute(ex);
      for (const r of stale.rows) {
        out.push({ kind: 'stale_read_after_emergency_rotation', tenant: r.tenant_id, key: `stale:${r.resource}:${r.actor_id}:${r.source_ip}`, count: Number(r.n), first_seen: r.first, last_seen: r.last,
          actor_id: r.actor_id, source_ip: r.source_ip, resource: r.resource,
          summary: `${r.resource} was read at an old version after its emergency rotation to version ${r.new_version} (token ${r.actor_id} from ${r.source_ip})` });
      }
      return out;
    });
  };

  return {
    detect,
    /** Detects across all tenants and publishes anomalies not published before. */
    async sweep() {
      const found = await detect();
      for (const a of found) {
        if (published.has(a.key)) continue;
        published.add(a.key);
        deps.bus.publish({ type: 'anomaly.detected', time: deps.clock.now().toISOString(), tenant: a.tenant, data: { ...a } });
      }
      return found;
    },
  };
};

export type AnomalyDetector = ReturnType<typeof createAnomalyDetector>;
