// Anomaly signals over the access log: repeated failures from one source, a token reading far more
// secrets than usual, a token used from a never-seen source IP, and reads of an emergency-rotated
// secret's old version. New ones are published as events.
//
// The detector follows audit_events by sequence number, and keeps per-source, per-token and
// per-secret summaries in memory. Events this server stores reach it from the audit broker as they
// are committed (observe); whatever it has not seen that way (the log before a start, events other
// replicas append) it reads back from the table in chunks that yield to the event loop between them.
// The summaries are hour buckets holding the first and last time seen in each hour; every question a
// signal asks spans more than an hour ("any use in [30 days ago, 1 hour ago)"), and for such spans
// the buckets answer exactly (see Span.any). A sweep therefore costs what was appended since the last
// one, not a scan of 30 days of audit rows every minute, which held a SQLite server's event loop for
// about a second at 400,000 events (bench/anomaly-sweep.mjs). The first sweep after a start reads
// back as far as the longest lookback (plus a day), found by bisecting the sequence numbers.
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

export interface AnomalyThresholds {
  failures: number;
  failureWindowMinutes: number;
  volumeFactor: number;
  volumeMinimum: number;
  newIpLookbackDays: number;
  emergencyWindowHours: number;
}
export const DEFAULT_THRESHOLDS: AnomalyThresholds = {
  failures: 10,
  failureWindowMinutes: 15,
  volumeFactor: 5,
  volumeMinimum: 20,
  newIpLookbackDays: 30,
  emergencyWindowHours: 72,
};

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const VOLUME_BASELINE = 7 * DAY;
const CHUNK = 1000;
/** How long a gap in the audit numbering may be a batch still committing (far above the sink's
 *  timeout, which fails a request whose batch takes longer). */
const GAP_GRACE_MS = 15_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** When something was seen, as hour buckets [hour, first ms, last ms] in time order. */
export class Span {
  private b: number[] = [];
  get last(): number {
    return this.b.length ? this.b[this.b.length - 1]! : -Infinity;
  }
  get empty(): boolean {
    return this.b.length === 0;
  }
  add(ms: number): void {
    const h = Math.floor(ms / HOUR);
    const b = this.b;
    let i = b.length - 3;
    while (i >= 0 && b[i]! > h) i -= 3;
    if (i >= 0 && b[i] === h) {
      if (ms < b[i + 1]!) b[i + 1] = ms;
      if (ms > b[i + 2]!) b[i + 2] = ms;
    } else {
      b.splice(i + 3, 0, h, ms, ms);
    }
  }
  /** Drops buckets whose every sighting is before `ms`. */
  prune(ms: number): void {
    let n = 0;
    while (n < this.b.length && this.b[n + 2]! < ms) n += 3;
    if (n) this.b.splice(0, n);
  }
  /** Whether anything was seen in [from, to). Exact when to - from exceeds an hour: a bucket with its
   *  last sighting at or after `from` and its first before `to` either has its first sighting inside,
   *  or straddles `from`, and then its last sighting (within the hour) is before `to`. */
  any(from: number, to: number): boolean {
    const b = this.b;
    for (let i = 0; i < b.length; i += 3) {
      if (b[i + 1]! >= to) return false;
      if (b[i + 2]! >= from) return true;
    }
    return false;
  }
}

interface Row {
  seq: number | string;
  tenant: string;
  time: string;
  actor_id: string | null;
  action: string;
  resource: string | null;
  outcome: string;
  source_ip: string | null;
  version: number | null;
}
interface StaleAgg {
  tenant: string;
  resource: string;
  actor: string | null;
  ip: string | null;
  n: number;
  first: number;
  last: number;
}
interface Rotation {
  tenant: string;
  resource: string;
  seq: number;
  time: string;
  at: number;
  version: number;
  reads: Map<string, StaleAgg>;
  backfilled: boolean;
}

const key2 = (a: string | null, b: string | null) => `${a ?? ''}\u0000${b ?? ''}`;

export const createAnomalyDetector = (deps: {
  storage: StorageHandle;
  clock: Clock;
  bus: EventBus;
  thresholds?: Partial<AnomalyThresholds>;
}) => {
  const t = { ...DEFAULT_THRESHOLDS, ...deps.thresholds };
  const { storage } = deps;
  const failureWindow = t.failureWindowMinutes * 60_000;
  const ipLookback = t.newIpLookbackDays * DAY;
  const emergencyWindow = t.emergencyWindowHours * HOUR;
  const lookback = Math.max(failureWindow, VOLUME_BASELINE, ipLookback, emergencyWindow);

  let seq = 0; // the last audit sequence number folded in
  let caughtUp = false;
  let readBack = 0; // rows read back from the table (not heard from the broker)
  /** Denied requests by source IP, then tenant ('' for unauthenticated): their times. */
  const failures = new Map<string, Map<string, number[]>>();
  /** Successful secret reads by (tenant, token), then secret. */
  const reads = new Map<string, { tenant: string; actor: string; bySecret: Map<string, Span> }>();
  /** Any use of a token (any tenant or outcome), and of a token from one source IP. */
  const tokenUse = new Map<string, Span>();
  const tokenIpUse = new Map<string, Span>();
  /** Latest successful use per (tenant, token, source IP): the candidates for a new source. */
  const recentSuccess = new Map<string, { tenant: string; actor: string; ip: string; last: number }>();
  /** Emergency rotations by (tenant, secret), each with the old-version reads seen after it. */
  const rotations = new Map<string, Rotation[]>();
  /** Published anomaly keys and when, forgotten after the longest lookback. */
  const published = new Map<string, number>();

  const fold = (r: Row, oldest: number) => {
    const at = Date.parse(r.time);
    if (!(at >= oldest)) return;
    const { tenant, actor_id: actor, source_ip: ip, resource } = r;
    if (r.outcome === 'denied' && ip !== null) {
      let byTenant = failures.get(ip);
      if (!byTenant) failures.set(ip, (byTenant = new Map()));
      const times = byTenant.get(tenant);
      if (times) times.push(at);
      else byTenant.set(tenant, [at]);
    }
    if (actor !== null) {
      let s = tokenUse.get(actor);
      if (!s) tokenUse.set(actor, (s = new Span()));
      s.add(at);
      if (ip !== null) {
        const k = key2(actor, ip);
        let si = tokenIpUse.get(k);
        if (!si) tokenIpUse.set(k, (si = new Span()));
        si.add(at);
      }
    }
    if (r.outcome !== 'success') return;
    if (actor !== null && ip !== null) {
      const k = `${tenant}\u0000${key2(actor, ip)}`;
      const c = recentSuccess.get(k);
      if (!c) recentSuccess.set(k, { tenant, actor, ip, last: at });
      else if (at > c.last) c.last = at;
    }
    if (resource === null) return;
    if (r.action === 'secret.read') {
      if (actor !== null) {
        const k = key2(tenant, actor);
        let a = reads.get(k);
        if (!a) reads.set(k, (a = { tenant, actor, bySecret: new Map() }));
        let s = a.bySecret.get(resource);
        if (!s) a.bySecret.set(resource, (s = new Span()));
        s.add(at);
      }
      const rots = rotations.get(key2(tenant, resource));
      if (rots && r.version !== null) {
        for (const rot of rots) {
          if (at <= rot.at || r.version >= rot.version) continue;
          const k = key2(actor, ip);
          const agg = rot.reads.get(k);
          if (!agg) rot.reads.set(k, { tenant, resource, actor, ip, n: 1, first: at, last: at });
          else {
            agg.n++;
            if (at < agg.first) agg.first = at;
            if (at > agg.last) agg.last = at;
          }
        }
      }
    } else if (r.action === 'secret.emergency_rotate' && r.version !== null) {
      const k = key2(tenant, resource);
      const list = rotations.get(k) ?? [];
      list.push({ tenant, resource, seq: Number(r.seq), time: r.time, at, version: r.version, reads: new Map(), backfilled: false });
      rotations.set(k, list);
    }
  };

  const prune = (now: number) => {
    for (const [ip, byTenant] of failures) {
      for (const [tenant, times] of byTenant) {
        const kept = times.filter((x) => x >= now - failureWindow);
        if (kept.length) byTenant.set(tenant, kept);
        else byTenant.delete(tenant);
      }
      if (!byTenant.size) failures.delete(ip);
    }
    for (const [k, a] of reads) {
      for (const [secret, s] of a.bySecret) {
        s.prune(now - VOLUME_BASELINE);
        if (s.empty) a.bySecret.delete(secret);
      }
      if (!a.bySecret.size) reads.delete(k);
    }
    for (const m of [tokenUse, tokenIpUse])
      for (const [k, s] of m) {
        s.prune(now - ipLookback);
        if (s.empty) m.delete(k);
      }
    for (const [k, c] of recentSuccess) if (c.last < now - HOUR) recentSuccess.delete(k);
    for (const [k, list] of rotations) {
      const kept = list.filter((r) => r.at >= now - emergencyWindow);
      if (kept.length) rotations.set(k, kept);
      else rotations.delete(k);
    }
    for (const [k, at] of published) if (at < now - lookback) published.delete(k);
  };

  /** Folds in what was appended since the last call, a chunk at a time. One catch-up at a time. */
  let catching: Promise<void> | undefined;
  /** Where the first read-back starts: the first entry stamped within the longest lookback (less a
   *  day, for clocks and requests that logged late), found by bisecting the sequence numbers, so a
   *  log kept for years is not read from its beginning at every start. */
  const firstWithin = async (since: number): Promise<number> =>
    storage.withTenant('*', async (ex) => {
      const probe = async (at: number) =>
        (
          await sql<{ seq: number | string; time: string }>`
      select seq, time from audit_events where seq >= ${at} order by seq limit 1`.execute(ex)
        ).rows[0];
      const first = await probe(0);
      if (!first || Date.parse(first.time) >= since) return 0;
      let lo = Number(first.seq); // stamped before `since`
      let hi = Number((await sql<{ seq: number | string }>`select max(seq) as seq from audit_events`.execute(ex)).rows[0]!.seq) + 1;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        const r = await probe(mid);
        if (!r || Number(r.seq) >= hi) {
          hi = mid;
          continue;
        }
        if (Date.parse(r.time) < since) lo = Number(r.seq);
        else hi = mid;
      }
      return lo; // every entry after it is stamped within the window, as far as the bisection can tell
    });

  const catchUp = (now: number) => {
    catching ??= (async () => {
      try {
        if (!caughtUp && seq === 0) seq = await firstWithin(now - lookback - DAY);
        for (;;) {
          const rows = await storage.withTenant(
            '*',
            async (ex) =>
              (
                await sql<Row>`
            select seq, tenant_id as tenant, time, actor_id, action, resource, outcome, source_ip, version from audit_events
            where seq > ${seq} order by seq limit ${sql.lit(CHUNK)}`.execute(ex)
              ).rows,
          );
          readBack += rows.length;
          let stalled = false;
          for (const r of rows) {
            const n = Number(r.seq);
            if (n <= seq) continue; // observed while this chunk was read
            // A gap before a recent entry may be a batch still committing: on PostgreSQL each chain's
            // batches take numbers from one sequence and commit in parallel (ADR 0011), so a later
            // number can be visible first. Stop before it; the batch is heard from the broker when it
            // commits, or read back at the next detection. A gap older than GAP_GRACE_MS is a batch
            // that rolled back (or was pruned): passed over.
            if (seq > 0 && n > seq + 1 && now - Date.parse(r.time) < GAP_GRACE_MS) {
              stalled = true;
              break;
            }
            fold(r, now - lookback);
            seq = n;
          }
          if (stalled) break;
          if (rows.length < CHUNK) {
            // Read to the end. The global numbering can be ahead of the last entry (retention pruned
            // every entry up to it): take the newest number given out, in the same snapshot as
            // "nothing newer", so that the next event heard from the broker continues it.
            const given =
              storage.dialect === 'postgres'
                ? sql`(select case when is_called then last_value else last_value - 1 end from audit_events_seq_seq)`
                : sql`(select seq from sqlite_sequence where name = 'audit_events')`;
            const end = await storage.withTenant(
              '*',
              async (ex) =>
                (
                  await sql<{ head: number | string | null; newer: number | string }>`
              select coalesce((select max(seq) from audit_events), ${given}) as head, (select count(*) from audit_events where seq > ${seq}) as newer`.execute(
                    ex,
                  )
                ).rows[0]!,
            );
            if (Number(end.newer) > 0) continue;
            if (end.head !== null && Number(end.head) > seq) seq = Number(end.head);
            break;
          }
          await new Promise<void>((resolve) => setImmediate(resolve)); // let requests in between chunks
        }
        caughtUp = true;
      } finally {
        catching = undefined;
      }
    })();
    return catching;
  };

  /** Reads stamped after an emergency rotation but logged before it (a request that outlasted the
   *  rotation, another replica's clock) were folded before the rotation was known: fetched once per
   *  rotation through the (tenant_id, resource, time) index. */
  const backfillRotations = async () => {
    for (const list of rotations.values()) {
      for (const rot of list) {
        if (rot.backfilled) continue;
        const rows = await storage.withTenant(
          '*',
          async (ex) =>
            (
              await sql<{ actor_id: string | null; source_ip: string | null; n: number | string; first: string; last: string }>`
          select actor_id, source_ip, count(*) as n, min(time) as first, max(time) as last from audit_events
          where tenant_id = ${rot.tenant} and resource = ${rot.resource} and time > ${rot.time} and seq < ${rot.seq}
            and action = 'secret.read' and outcome = 'success' and version < ${rot.version}
          group by actor_id, source_ip`.execute(ex)
            ).rows,
        );
        for (const r of rows) {
          const k = key2(r.actor_id, r.source_ip);
          const first = Date.parse(r.first),
            last = Date.parse(r.last);
          const agg = rot.reads.get(k);
          if (!agg)
            rot.reads.set(k, {
              tenant: rot.tenant,
              resource: rot.resource,
              actor: r.actor_id,
              ip: r.source_ip,
              n: Number(r.n),
              first,
              last,
            });
          else {
            agg.n += Number(r.n);
            agg.first = Math.min(agg.first, first);
            agg.last = Math.max(agg.last, last);
          }
        }
        rot.backfilled = true;
      }
    }
  };

  const detect = async (tenant?: string): Promise<Anomaly[]> => {
    const now = deps.clock.now().getTime();
    await catchUp(now);
    prune(now);
    await backfillRotations();
    const inTenant = (x: string) => tenant === undefined || x === tenant;
    const hourAgo = now - HOUR;
    const out: Anomaly[] = [];

    for (const [ip, byTenant] of failures) {
      let n = 0,
        first = Infinity,
        last = -Infinity,
        owner = '';
      for (const [ten, times] of byTenant) {
        if (!(inTenant(ten) || ten === '')) continue;
        for (const x of times) {
          if (x < now - failureWindow) continue;
          n++;
          if (x < first) first = x;
          if (x > last) last = x;
          if (ten > owner) owner = ten;
        }
      }
      if (n < t.failures) continue;
      out.push({
        kind: 'repeated_failures',
        tenant: owner,
        key: `fail:${ip}:${iso(first)}`,
        count: n,
        first_seen: iso(first),
        last_seen: iso(last),
        source_ip: ip,
        summary: `${n} failed or denied requests from ${ip} in ${t.failureWindowMinutes} minutes`,
      });
    }

    for (const a of reads.values()) {
      if (!inTenant(a.tenant)) continue;
      let recent = 0,
        baseline = 0;
      for (const s of a.bySecret.values()) {
        if (s.last >= hourAgo) recent++;
        if (s.any(now - VOLUME_BASELINE, hourAgo)) baseline++;
      }
      const usualPerHour = baseline / (7 * 24);
      if (recent >= t.volumeMinimum && recent >= t.volumeFactor * Math.max(usualPerHour, 1)) {
        out.push({
          kind: 'unusual_volume',
          tenant: a.tenant,
          key: `vol:${a.tenant}:${a.actor}:${iso(hourAgo).slice(0, 13)}`,
          count: recent,
          first_seen: iso(hourAgo),
          last_seen: iso(now),
          actor_id: a.actor,
          summary: `token ${a.actor} read ${recent} distinct secrets in the last hour (usually about ${usualPerHour.toFixed(1)} per hour)`,
        });
      }
    }

    // A source is new for a token that was in use before the last hour, but never from that source.
    // The few that are get their exact count from the (actor_id, time) index.
    for (const c of recentSuccess.values()) {
      if (c.last < hourAgo || !inTenant(c.tenant)) continue;
      if (!tokenUse.get(c.actor)?.any(now - ipLookback, hourAgo)) continue;
      if (tokenIpUse.get(key2(c.actor, c.ip))?.any(now - ipLookback, hourAgo)) continue;
      const r = await storage.withTenant(
        '*',
        async (ex) =>
          (
            await sql<{ n: number | string; first: string | null }>`
        select count(*) as n, min(time) as first from audit_events
        where actor_id = ${c.actor} and time >= ${iso(hourAgo)} and source_ip = ${c.ip} and tenant_id = ${c.tenant} and outcome = 'success'`.execute(
              ex,
            )
          ).rows[0],
      );
      if (!r?.first) continue; // pruned meanwhile
      out.push({
        kind: 'new_source_ip',
        tenant: c.tenant,
        key: `ip:${c.tenant}:${c.actor}:${c.ip}`,
        count: Number(r.n),
        first_seen: r.first,
        last_seen: r.first,
        actor_id: c.actor,
        source_ip: c.ip,
        summary: `token ${c.actor} was used from ${c.ip}, never seen for it in ${t.newIpLookbackDays} days`,
      });
    }

    const stale = new Map<string, StaleAgg & { version: number }>();
    for (const list of rotations.values()) {
      for (const rot of list) {
        if (!inTenant(rot.tenant)) continue;
        for (const agg of rot.reads.values()) {
          const k = `${key2(agg.tenant, agg.resource)}\u0000${key2(agg.actor, agg.ip)}`;
          const s = stale.get(k);
          if (!s) {
            stale.set(k, { ...agg, version: rot.version });
            continue;
          }
          s.n += agg.n;
          s.first = Math.min(s.first, agg.first);
          s.last = Math.max(s.last, agg.last);
          s.version = Math.max(s.version, rot.version);
        }
      }
    }
    for (const s of stale.values()) {
      out.push({
        kind: 'stale_read_after_emergency_rotation',
        tenant: s.tenant,
        key: `stale:${s.tenant}:${s.resource}:${s.actor}:${s.ip}`,
        count: s.n,
        first_seen: iso(s.first),
        last_seen: iso(s.last),
        actor_id: s.actor,
        source_ip: s.ip,
        resource: s.resource,
        summary: `${s.resource} was read at an old version after its emergency rotation to version ${s.version} (token ${s.actor} from ${s.ip})`,
      });
    }
    return out;
  };

  return {
    detect,
    /** The last audit sequence number folded in. */
    get position() {
      return seq;
    },
    /** How many entries were read back from the table so far. */
    get readBack() {
      return readBack;
    },
    /** Events the audit broker has just committed to the database, in sequence order. Folded in only
     *  where they continue what the detector has already seen; anything else is left to the next
     *  read-back (detect), so nothing is counted twice or skipped. */
    observe(
      events: ReadonlyArray<{
        seq: number;
        tenant: string;
        time: string;
        actor_id: string | null;
        action: string;
        resource: string | null;
        outcome: string;
        source_ip: string | null;
        version: number | null;
      }>,
    ) {
      if (!caughtUp) return; // the first read-back will fetch these
      const oldest = deps.clock.now().getTime() - lookback;
      for (const e of events) {
        if (e.seq !== seq + 1) return;
        fold(e, oldest);
        seq = e.seq;
      }
    },
    /** Detects across all tenants and publishes anomalies not published before. */
    async sweep() {
      const found = await detect();
      const now = deps.clock.now().getTime();
      for (const a of found) {
        if (published.has(a.key)) continue;
        published.set(a.key, now);
        deps.bus.publish({ type: 'anomaly.detected', time: iso(now), tenant: a.tenant, data: { ...a } });
      }
      return found;
    },
  };
};

export type AnomalyDetector = ReturnType<typeof createAnomalyDetector>;
