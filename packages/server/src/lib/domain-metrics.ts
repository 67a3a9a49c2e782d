// The domain metrics (issue 22): what each feature reports through its observer port, and the
// gauges read from the database when scraped (cached, so a scrape costs a few indexed counts at most
// once per `stateTtlMs`). Every label value comes from a bounded set: result codes of the error
// catalogue, rotator and provider kinds, secret types, criticalities, anomaly kinds, sink names.
import type { Registry } from 'prom-client';
import { counterFamily, gaugeFamily, histogramFamily } from './metric-kit.js';

/** Rotation steps take from milliseconds (generated values) to a minute (a slow target). */
const ROTATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const CRITICALITY_LABELS = ['low', 'medium', 'high', 'critical'] as const;

/** What the database says at scrape time (features/system/domain-state.ts reads it). */
export interface DomainState {
  due: Record<string, number>;
  overdue: Record<string, number>;
  expired: Record<string, number>;
  runsInProgress: number;
  runsStuck: number;
  auditHeadSequence: number | null;
  leases: Array<{ resource: string; held: number; holders: number }>;
}

/** Engine methods as the metrics name them: `automatic` runs are the scheduled ones. */
export const methodLabel = (method: string) => (method === 'automatic' ? 'scheduled' : method);

/** An outcome from an error: its catalogue code in lower case (bounded), `internal` otherwise. */
export const outcomeOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(code) ? code.toLowerCase() : 'internal';
};

export const createDomainMetrics = (registry: Registry) => {
  const rotations = counterFamily(
    registry,
    'keyhaven_rotations_total',
    'Rotations finished, by outcome (success, failed, rolled_back, partial), method (scheduled, manual, emergency, rollback), rotator and secret type',
    ['outcome', 'method', 'rotator', 'secret_type'],
  );
  const rotationSteps = histogramFamily(
    registry,
    'keyhaven_rotation_step_duration_seconds',
    'Time each persisted rotation step took (create, set, test, finish, revoke; conclude is the final bookkeeping), by rotator',
    ['step', 'rotator'],
    ROTATION_BUCKETS,
  );
  const rotationRuns = histogramFamily(
    registry,
    'keyhaven_rotation_duration_seconds',
    'Time a rotation run took from start to end, by outcome and rotator',
    ['outcome', 'rotator'],
    ROTATION_BUCKETS,
  );
  let inFlight = 0;
  gaugeFamily(registry, 'keyhaven_rotations_in_flight', 'Rotation runs this server is driving now', [], () => [[[], inFlight]]);

  const providerCalls = counterFamily(
    registry,
    'keyhaven_provider_calls_total',
    'Calls to external secret stores, by provider kind, operation and outcome (success, not_found, error)',
    ['provider', 'operation', 'outcome'],
  );
  const providerErrors = counterFamily(
    registry,
    'keyhaven_provider_errors_total',
    'Failed calls to external secret stores, by provider kind and error code',
    ['provider', 'code'],
  );
  const syncOps = counterFamily(
    registry,
    'keyhaven_sync_operations_total',
    'Secrets pushed to sync destinations, by provider kind and outcome (ok, removed, or an error code)',
    ['provider', 'outcome'],
  );

  const cacheHits = counterFamily(registry, 'keyhaven_read_cache_hits_total', 'Secret reads answered from the in-memory read cache', []);
  const cacheMisses = counterFamily(
    registry,
    'keyhaven_read_cache_misses_total',
    'Secret reads that went to the database (the read cache had no valid entry)',
    [],
  );
  const cacheEvictions = counterFamily(
    registry,
    'keyhaven_read_cache_evictions_total',
    'Entries dropped from the read cache, by reason (capacity: room for a newer entry; stale: expired or changed)',
    ['reason'],
  );
  let cacheStats: () => { entries: number; bytes: number } = () => ({ entries: 0, bytes: 0 });
  gaugeFamily(registry, 'keyhaven_read_cache_entries', 'Entries held by the read cache', [], () => [[[], cacheStats().entries]]);
  gaugeFamily(registry, 'keyhaven_read_cache_bytes', 'Bytes of values (plus a fixed overhead per entry) held by the read cache', [], () => [
    [[], cacheStats().bytes],
  ]);

  const reads = counterFamily(
    registry,
    'keyhaven_secret_reads_total',
    'Secret value reads (every API, internal reads included), by secret type and outcome (success or an error code)',
    ['secret_type', 'outcome'],
  );
  const writes = counterFamily(
    registry,
    'keyhaven_secret_writes_total',
    'Secret versions written, by secret type and outcome (success or an error code)',
    ['secret_type', 'outcome'],
  );
  const denied = counterFamily(
    registry,
    'keyhaven_http_denied_requests_total',
    'Requests refused by authentication or authorization, by status (401, 403, 429) and reason (error code)',
    ['status', 'reason'],
  );
  const anomalies = counterFamily(registry, 'keyhaven_anomalies_detected_total', 'Anomalies detected in the audit trail, by kind', [
    'kind',
  ]);

  const sinkUp = new Map<string, number>();
  const sinkFailures = counterFamily(registry, 'keyhaven_audit_sink_failures_total', 'Audit batches a sink failed to store, by sink', [
    'sink',
  ]);
  gaugeFamily(
    registry,
    'keyhaven_audit_sink_up',
    'Whether the last audit batch sent to a sink was stored by it (1) or not (0)',
    ['sink'],
    () => [...sinkUp].map(([s, v]) => [[s], v]),
  );
  let accepting: () => boolean = () => true;
  gaugeFamily(
    registry,
    'keyhaven_audit_accepting',
    'Whether the last audit batch was stored by at least one sink (0: requests fail closed)',
    [],
    () => [[[], accepting() ? 1 : 0]],
  );

  // Database state, read at most once per TTL whatever the scrape rate.
  let readState: (() => Promise<DomainState>) | null = null;
  let cached: { at: number; state: DomainState } | null = null;
  let pending: Promise<DomainState | null> | null = null;
  const stateFailures = counterFamily(
    registry,
    'keyhaven_domain_state_read_failures_total',
    'Scrapes whose database-derived gauges could not be refreshed (the previous values are served)',
    [],
  );
  let ttlMs = 10_000;
  const state = async (): Promise<DomainState | null> => {
    if (!readState) return null;
    if (cached && Date.now() - cached.at < ttlMs) return cached.state;
    pending ??= readState()
      .then(
        (s) => {
          cached = { at: Date.now(), state: s };
          return s;
        },
        () => {
          stateFailures.inc();
          return cached?.state ?? null;
        },
      )
      .finally(() => {
        pending = null;
      });
    return pending;
  };
  const perCriticality = (pick: (s: DomainState) => Record<string, number>) => async () => {
    const s = await state();
    return s ? CRITICALITY_LABELS.map((c): [string[], number] => [[c], pick(s)[c] ?? 0]) : [];
  };
  const single = (pick: (s: DomainState) => number | null) => async (): Promise<Array<[string[], number]>> => {
    const s = await state();
    const v = s ? pick(s) : null;
    return v === null ? [] : [[[], v]];
  };
  gaugeFamily(
    registry,
    'keyhaven_secrets_rotation_due',
    'Secrets registered for automatic rotation that are due now (schedule or retry time reached), by criticality',
    ['criticality'],
    perCriticality((s) => s.due),
  );
  gaugeFamily(
    registry,
    'keyhaven_secrets_rotation_overdue',
    'Secrets due for rotation for longer than rotation.overdueAfterMinutes (default 60; the scheduler or an external one should have rotated them), by criticality',
    ['criticality'],
    perCriticality((s) => s.overdue),
  );
  gaugeFamily(
    registry,
    'keyhaven_secrets_expired',
    'Secrets (not deleted) whose expiry date has passed, by criticality',
    ['criticality'],
    perCriticality((s) => s.expired),
  );
  gaugeFamily(
    registry,
    'keyhaven_rotation_runs_in_progress',
    'Rotation runs in progress in the database, on any server',
    [],
    single((s) => s.runsInProgress),
  );
  gaugeFamily(
    registry,
    'keyhaven_rotation_runs_stuck',
    'Rotation runs in progress for longer than three lease periods (no server finished or resumed them)',
    [],
    single((s) => s.runsStuck),
  );
  let appended = 0; // the head as this server appended it (fresher than the cached database read)
  gaugeFamily(
    registry,
    'keyhaven_audit_chain_head_sequence',
    'Sequence number of the last event in the hash-chained audit log (the database sink; any server)',
    [],
    single((s) => (s.auditHeadSequence === null && !appended ? null : Math.max(s.auditHeadSequence ?? 0, appended))),
  );
  gaugeFamily(
    registry,
    'keyhaven_leases_held',
    'Rows leased by a server now (rotation registrations, rotation runs), by resource',
    ['resource'],
    async () => (await state())?.leases.map((l): [string[], number] => [[l.resource], l.held]) ?? [],
  );
  gaugeFamily(
    registry,
    'keyhaven_lease_holders',
    'Distinct servers holding leases now, by resource',
    ['resource'],
    async () => (await state())?.leases.map((l): [string[], number] => [[l.resource], l.holders]) ?? [],
  );

  return {
    /** Observers the features report through (ports passed in by the composition root). */
    domain: {
      rotationStarted() {
        inFlight += 1;
      },
      rotationStep(step: string, rotator: string, seconds: number) {
        rotationSteps.observe([step, rotator], seconds);
      },
      rotationFinished(r: {
        outcome: string;
        method: string;
        rotator: string;
        secretType: string;
        seconds: number | null;
        driven: boolean;
      }) {
        if (r.driven) inFlight = Math.max(0, inFlight - 1);
        rotations.inc([r.outcome, methodLabel(r.method), r.rotator, r.secretType]);
        if (r.seconds !== null) rotationRuns.observe([r.outcome, r.rotator], r.seconds);
      },
      /** `error` undefined: success; null: the store answered "no such secret"; else the failure. */
      providerCall(provider: string, operation: string, error?: unknown) {
        providerCalls.inc([provider, operation, error === undefined ? 'success' : error === null ? 'not_found' : 'error']);
        if (error !== undefined && error !== null) providerErrors.inc([provider, outcomeOf(error)]);
      },
      syncOperation(provider: string, outcome: string) {
        syncOps.inc([provider, outcome]);
      },
      cacheHit() {
        cacheHits.inc();
      },
      cacheMiss() {
        cacheMisses.inc();
      },
      cacheEviction(reason: 'capacity' | 'stale') {
        cacheEvictions.inc([reason]);
      },
      watchCache(stats: () => { entries: number; bytes: number }) {
        cacheStats = stats;
      },
      secretRead(type: string, outcome: string) {
        reads.inc([type, outcome]);
      },
      secretWrite(type: string, outcome: string) {
        writes.inc([type, outcome]);
      },
      denied(status: number, reason: string) {
        denied.inc([String(status), reason]);
      },
      anomaly(kind: string) {
        anomalies.inc([kind]);
      },
      auditSink(sink: string, ok: boolean) {
        sinkUp.set(sink, ok ? 1 : 0);
        if (!ok) sinkFailures.inc([sink]);
      },
      watchAudit(isAccepting: () => boolean) {
        accepting = isAccepting;
      },
      /** A batch committed to the database sink, ending at `seq`. */
      auditAppended(seq: number) {
        if (seq > appended) appended = seq;
      },
      /** Gauges read from the database at scrape time, at most once per `everyMs`. */
      watchState(read: () => Promise<DomainState>, everyMs = 10_000) {
        readState = read;
        ttlMs = everyMs;
        cached = null;
      },
      /** The reader in use (tests re-register it with another cache age). */
      get readState() {
        return readState;
      },
    },
  };
};

export type DomainMetrics = ReturnType<typeof createDomainMetrics>['domain'];
