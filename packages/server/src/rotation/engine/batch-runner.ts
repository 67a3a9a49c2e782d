// Rotates due registrations in batches: claims them with leases (so replicas share the work and
// never take the same secret), runs them with bounded concurrency, and reports progress.
import type { Clock } from '../../lib/clock.js';
import type { RotationEngine } from './rotation-engine.js';
import type { RotationStore, ConfigRow, SecretFacts } from './rotation-store.js';
import type { StorageHandle } from '../../storage/database.js';
import type { RunResult } from './engine-types.js';
import { KeyhavenError } from '../../lib/errors.js';
import { safeError } from './rotation-engine.js';

export interface BatchProgress { done: number; claimed: number; succeeded: number; failed: number }
export interface BatchSummary extends BatchProgress { skipped: number; /** Secrets still due after this run rotated them (released, not rotated again). */ still_due: string[]; results: RunResult[]; errors: Array<{ secret_name: string; code: string; message: string }> }

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
  engine: RotationEngine; store: RotationStore; storage: StorageHandle; clock: Clock; owner: string; leaseMs: number; concurrency: number; batchSize: number;
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

  const rotateClaimed = async (c: ConfigRow, facts: SecretFacts | undefined): Promise<RunResult | null> => {
    try {
      return await deps.engine.rotate({ tenant: c.tenant_id, secretName: c.secret_name, method: 'automatic', actor: null, revokeOld: false, config: c, facts }, c.secret_type);
    } catch (e) {
      // Another run of this secret is open (a crashed one awaiting recovery) or it vanished: leave it.
      await deps.store.releaseConfig(c.tenant_id, c.secret_id, deps.owner).catch(() => undefined);
      if (e instanceof KeyhavenError && (e.code === 'ROTATION_IN_PROGRESS' || e.code === 'SECRET_NOT_FOUND')) return null;
      throw e;
    }
  };

  return {
    /** Claims and rotates due registrations until none is left (or `max` were claimed). */
    async runDue(opts: { criticality?: string; tenant?: string; max?: number; keepResults?: boolean; onProgress?: (p: BatchProgress) => void } = {}): Promise<BatchSummary> {
      const summary: BatchSummary = { done: 0, claimed: 0, succeeded: 0, failed: 0, skipped: 0, still_due: [], results: [], errors: [] };
      const seen = new Set<string>();
      const max = opts.max ?? Number.POSITIVE_INFINITY;
      for (;;) {
        const limit = Math.min(deps.batchSize, max - summary.claimed);
        if (limit <= 0) break;
        let claimed = await deps.store.claimDue({ owner: deps.owner, now: iso(), until: iso(deps.leaseMs), limit, criticality: opts.criticality, tenant: opts.tenant });
        if (claimed.length === 0) break;
        // One run rotates each secret at most once: one that is due again after its rotation is
        // released and reported, never rotated twice (it would loop on the target).
        const fresh = claimed.filter((c) => !seen.has(`${c.tenant_id}\u0000${c.secret_id}`));
        for (const c of claimed) {
          if (fresh.includes(c)) continue;
          await deps.store.releaseConfig(c.tenant_id, c.secret_id, deps.owner).catch(() => undefined);
          summary.still_due.push(c.secret_name);
        }
        if (fresh.length === 0) break;
        for (const c of fresh) seen.add(`${c.tenant_id}\u0000${c.secret_id}`);
        claimed = fresh;
        summary.claimed += claimed.length;
        const facts = await factsOf(claimed);
        await mapPool(claimed, deps.concurrency, async (c) => {
          const r = await rotateClaimed(c, facts.get(`${c.tenant_id}\u0000${c.secret_id}`)).catch((e) => ({ error: e }) as const);
          summary.done++;
          if (r === null) summary.skipped++;
          else if ('error' in r && !('run_id' in r)) {
            summary.failed++;
            summary.errors.push({ secret_name: c.secret_name, ...safeError(r.error) });
          }
          else {
            const result = r as RunResult;
            if (result.status === 'success') summary.succeeded++; else summary.failed++;
            if (opts.keepResults !== false) summary.results.push(result);
          }
          opts.onProgress?.({ done: summary.done, claimed: summary.claimed, succeeded: summary.succeeded, failed: summary.failed });
        });
      }
      return summary;
    },
  };
};

export type BatchRunner = ReturnType<typeof createBatchRunner>;
