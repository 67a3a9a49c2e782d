// Seed 003's admin endpoints under /admin/secrets (root tokens only): health, test-connection,
// clear-cache, and keyring KEK rotation (status, perform, toggle). Replies use the seed's
// `{ status: 'success', data }` envelope. Provider credential validation lives in features/providers.
import { z } from 'zod';
import type { App } from '../../http/pipeline-types.js';
import type { StorageHandle } from '../../storage/database.js';
import type { Barrier } from '../../barrier/barrier.js';
import type { KeyRotation } from '../keyring/keyring-rotation.js';

/** A server-side cache the admin API can report on and clear (e.g. provider reference caches). */
export interface ClearableCache {
  name: string;
  size(): number;
  clear(): void;
}

export interface AdminDeps {
  storage: StorageHandle;
  barrier: Barrier;
  rotation: KeyRotation;
  kekSource: string;
  caches?: ClearableCache[];
  now?: () => Date;
}

const ok = (data: unknown) => ({ status: 'success', data });
const system = { tenant: false, system: true } as const;
const tags = ['admin'];

const probe = async <T>(fn: () => Promise<T> | T) => {
  const t0 = process.hrtime.bigint();
  try {
    await fn();
    return { ok: true, latency_ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  } catch {
    return { ok: false, latency_ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  }
};

export const adminRoutes = (deps: AdminDeps) => (app: App) => {
  const now = deps.now ?? (() => new Date());
  const caches = deps.caches ?? [];
  const barrierRoundTrip = () => {
    const aad = 'admin|probe|0';
    const sealed = deps.barrier.seal(Buffer.from('probe'), aad);
    if (deps.barrier.open(sealed, aad).toString() !== 'probe') throw new Error('barrier round trip failed');
  };

  app.get(
    '/admin/secrets/health',
    {
      config: { access: system, audit: 'admin.health' },
      schema: { tags, summary: 'Health of the secrets store: database, barrier, keyring, caches' },
    },
    async (_req, reply) => {
      const db = await probe(() => deps.storage.ping());
      const barrier = await probe(barrierRoundTrip);
      const healthy = db.ok && barrier.ok;
      if (!healthy) reply.code(503);
      const rot = deps.rotation.status();
      return ok({
        status: healthy ? 'healthy' : 'unhealthy',
        provider: 'keyhaven',
        kek_source: deps.kekSource,
        database: db.ok ? 'ok' : 'unavailable',
        barrier: barrier.ok ? 'ok' : 'failed',
        active_kek: rot.active_kek,
        key_rotation: rot.state,
        cacheEnabled: caches.length > 0,
        cacheSize: caches.reduce((n, c) => n + c.size(), 0),
        lastChecked: now().toISOString(),
      });
    },
  );

  app.post(
    '/admin/secrets/test-connection',
    {
      config: { access: system, audit: 'admin.test_connection' },
      schema: { tags, summary: 'Probe the database and the barrier (a seal/open round trip) with latencies' },
    },
    async (_req, reply) => {
      const database = await probe(() => deps.storage.ping());
      const barrier = await probe(barrierRoundTrip);
      if (!database.ok || !barrier.ok) reply.code(503);
      return ok({ connected: database.ok && barrier.ok, database, barrier, checked_at: now().toISOString() });
    },
  );

  app.post(
    '/admin/secrets/clear-cache',
    {
      config: { access: system, audit: 'admin.clear_cache' },
      schema: { tags, summary: 'Clear the server-side caches (SDK caches refresh on their TTL or on change events)' },
    },
    async () => {
      const cleared = caches.map((c) => {
        const entries = c.size();
        c.clear();
        return { name: c.name, entries };
      });
      return ok({ cleared, cleared_at: now().toISOString() });
    },
  );

  app.get(
    '/admin/secrets/key-rotation/status',
    {
      config: { access: system, audit: 'admin.key_rotation.status' },
      schema: { tags, summary: 'KEK rotation progress (state, total, done, remaining, started_at) and the automatic schedule' },
    },
    async () => ok(await deps.rotation.sharedStatus()),
  );

  app.post(
    '/admin/secrets/key-rotation/perform',
    {
      config: { access: system, audit: 'admin.key_rotation.perform' },
      schema: {
        tags,
        summary: 'Create a new KEK and re-wrap every data key in the background (reads keep working)',
        body: z.object({ force: z.boolean().optional() }).strict().nullish(),
      },
    },
    async (req, reply) => {
      reply.code(202);
      return ok(await deps.rotation.perform({ force: req.body?.force }));
    },
  );

  app.post(
    '/admin/secrets/key-rotation/toggle',
    {
      config: { access: system, audit: 'admin.key_rotation.toggle' },
      schema: {
        tags,
        summary: 'Enable or disable automatic periodic KEK rotation',
        body: z
          .object({
            enabled: z.boolean(),
            interval_hours: z
              .number()
              .min(1 / 60)
              .max(24 * 3650)
              .optional(),
          })
          .strict(),
      },
    },
    async (req) => ok(await deps.rotation.setAuto(req.body.enabled, req.body.interval_hours)),
  );
};
