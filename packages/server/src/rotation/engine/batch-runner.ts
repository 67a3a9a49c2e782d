// Rotates due registrations in batches: claims them with leases (so replicas share the work and
// never take the same secret), runs them with bounded concurrency, and reports progress.
import type { Clock } from '../../lib/clock.js';
import type { RotationEngine } from './rotation-engine.js';
import type { RotationStore, ConfigRow, SecretFacts } from './rotation-store.js';
import type { StorageHandle } from '../../storage/database.js';
import type { RunResult } from './engine-types.js';
import { KeyhavenError } from '../../lib/errors.js';
import { safeError } from './rotation-engine.js';

/** Still-due secrets a run leaves out of its claims before it stops (bound parameters stay well under SQLite's 32,766). */
const MAX_EXCLUDED = 10_000;

export interface BatchProgress {
  done: number;
  claimed: number;
  succeeded: number;
  failed: number;
}
export interface BatchSummary extends BatchProgress {
  skipped: number;
  /** Secrets still due after this run rotated them (never rotated twice in a run). */
  still_due: string[];
  /** Not started because their target reached its per-minute limit (ROTATION_RATE_LIMITED); they stay due. */
  deferred: Array<{ secret_name: string; code: string; message: string }>;
  /** Due secrets this run did not take (it reached `max`); call again to rotate them. */
  remaining: number;
  results: RunResult[];
  errors: Array<{ secret_name: string; code: string; message: string }>;
}
type Deferred = { deferred: { code: string; message: string } };

/** Runs `fn` over `items` with at most `limit` in flight. */
export const mapPool = async <T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> => {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
};

export const createBatchRunner = (deps: {
  engine: RotationEngine;
  store: RotationStore;
  storage: StorageHandle;
  clock: Clock;
  owner: string;
  leaseMs: number;
  concurrency: number;
  batchSize: number;
}) => {
  const iso = (ms = 0) => new Date(deps.clock.now().getTime() + ms).toISOString();

  /** The claimed secrets' facts, one query per tenant (not one per secret). */
  const factsOf = async (claimed: ConfigRow[]) => {
    const byTenant = new Map<string, string[]>();
    for (const c of claimed) byTenant.set(c.tenant_id, [...(byTenant.get(c.tenant_id) ?? []), c.secret_id]);
    const out = new Map<string, SecretFacts>();
    for (const [tenant, ids] of byTenant) {
      const facts = await deps.storage.withTenant(tenant, (ex) => deps.store.secretFactsByIds(ex, tenant, ids));
      for (const [id, f] of facts) out.set(`${tenant}\u0000${id}`, f);
    }
    return out;
  };

  const rotateClaimed = async (c: ConfigRow, facts: SecretFacts | undefined): Promise<RunResult | Deferred | null> => {
    try {
      return await deps.engine.rotate(
        { tenant: c.tenant_id, secretName: c.secret_name, method: 'automatic', actor: null, revokeOld: false, config: c, facts },
        c.secret_type,
      );
    } catch (e) {
      // Another run of this secret is open (a crashed one awaiting recovery) or it vanished: leave it.
      await deps.store.releaseConfig(c.tenant_id, c.secret_id, deps.owner).catch(() => undefined);
      if (e instanceof KeyhavenError && (e.code === 'ROTATION_IN_PROGRESS' || e.code === 'SECRET_NOT_FOUND')) return null;
      if (e instanceof KeyhavenError && e.code === 'ROTATION_RATE_LIMITED') return { deferred: { code: e.code, message: e.message } };
      throw e;
    }
  };

  return {
    /** Claims and rotates due registrations until none is left (or `max` were claimed); each secret at
     *  most once per run (claims leave out the ones this run already took). */
    async runDue(
      opts: {
        criticality?: string;
        tenant?: string;
        max?: number;
        retriesOnly?: boolean;
        keepResults?: boolean;
        onProgress?: (p: BatchProgress) => void;
      } = {},
    ): Promise<BatchSummary> {
      const summary: BatchSummary = {
        done: 0,
        claimed: 0,
        succeeded: 0,
        failed: 0,
        skipped: 0,
        still_due: [],
        deferred: [],
        remaining: 0,
        results: [],
        errors: [],
      };
      // Secrets this run handled that are still due (failed without a retry time, skipped, deferred,
      // or rotated but due again): later claims leave them out. Handled secrets that left "due" need
      // no exclusion, so the list stays short however many secrets a run rotates (a list of every
      // handled id overflowed SQLite's 32,766 bound parameters on a run of that many).
      const seen: string[] = [];
      const rotated: string[] = [];
      const max = opts.max ?? Number.POSITIVE_INFINITY;
      const filter = { criticality: opts.criticality, tenant: opts.tenant, retriesOnly: opts.retriesOnly };
      for (;;) {
        const limit = Math.min(deps.batchSize, max - summary.claimed);
        if (limit <= 0) break;
        const claimed = await deps.store.claimDue({
          owner: deps.owner,
          now: iso(),
          until: iso(deps.leaseMs),
          limit,
          ...filter,
          exclude: seen,
        });
        if (claimed.length === 0) break;
        summary.claimed += claimed.length;
        const facts = await factsOf(claimed);
        await mapPool(claimed, deps.concurrency, async (c) => {
          const r = await rotateClaimed(c, facts.get(`${c.tenant_id}\u0000${c.secret_id}`)).catch((e) => ({ error: e }) as const);
          summary.done++;
          if (r === null) summary.skipped++;
          else if ('deferred' in r) summary.deferred.push({ secret_name: c.secret_name, ...r.deferred });
          else if ('error' in r && !('run_id' in r)) {
            summary.failed++;
            summary.errors.push({ secret_name: c.secret_name, ...safeError(r.error) });
          } else {
            const result = r as RunResult;
            if (result.status === 'success') {
              summary.succeeded++;
              rotated.push(c.secret_id);
            } else summary.failed++;
            if (opts.keepResults !== false) summary.results.push(result);
          }
          opts.onProgress?.({ done: summary.done, claimed: summary.claimed, succeeded: summary.succeeded, failed: summary.failed });
        });
        const stay = await deps.store.dueAmongRows(
          iso(),
          claimed.map((c) => c.secret_id),
          { tenant: opts.tenant },
        );
        for (const r of stay) seen.push(r.secret_id);
        // Every secret of this batch is still due (nothing can move them): stop rather than
        // carry an ever longer exclusion list; `remaining` reports what is left.
        if (seen.length > MAX_EXCLUDED) break;
      }
      // A rotated secret that is due again at once is reported, never looped on.
      if (rotated.length) summary.still_due = await deps.store.dueAmong(iso(), rotated, { tenant: opts.tenant });
      if (summary.claimed >= max) summary.remaining = await deps.store.countDue(iso(), { ...filter, exclude: seen });
      return summary;
    },
  };
};

export type BatchRunner = ReturnType<typeof createBatchRunner>;
