// Health: unauthenticated, reveals nothing but whether the server can serve. Three probes:
// /health/live (the process answers), /health/ready (database reachable, keyring open, migrations
// done, audit sink accepting: send traffic here) and /health (as before: the database answers).
import type { App } from '../../http/pipeline-types.js';
import type { StorageHandle } from '../../storage/database.js';

export interface ReadinessDeps {
  storage: Pick<StorageHandle, 'ping' | 'pendingMigrations'>;
  /** The keyring's active KEK id (throws or is empty when the keyring is not open). */
  activeKek: () => string;
  audit: { enabled: boolean; accepting(): { accepting: boolean } };
}

type Check = 'ok' | 'failed' | 'off';

/** Runs every readiness check (each bounded) and says which failed; never includes error text. */
export const readiness = async (deps: ReadinessDeps) => {
  const checks: Record<'database' | 'keyring' | 'migrations' | 'audit', Check> = {
    database: 'ok',
    keyring: 'ok',
    migrations: 'ok',
    audit: 'ok',
  };
  const bounded = <T>(p: Promise<T>) =>
    Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000).unref())]);
  try {
    await bounded(deps.storage.ping());
  } catch {
    checks.database = 'failed';
  }
  try {
    if (!deps.activeKek()) checks.keyring = 'failed';
  } catch {
    checks.keyring = 'failed';
  }
  if (checks.database === 'ok') {
    try {
      if ((await bounded(deps.storage.pendingMigrations())).length > 0) checks.migrations = 'failed';
    } catch {
      checks.migrations = 'failed';
    }
  } else checks.migrations = 'failed';
  if (!deps.audit.enabled) checks.audit = 'off';
  else if (!deps.audit.accepting().accepting) checks.audit = 'failed';
  // The database sink stores audit events in the database: no database, no audit.
  else if (checks.database === 'failed') checks.audit = 'failed';
  const ready = Object.values(checks).every((c) => c !== 'failed');
  return { ready, checks };
};

export const healthRoutes = (storage: StorageHandle, ready?: Omit<ReadinessDeps, 'storage'>) => (app: App) => {
  const tags = ['system'];
  app.get(
    '/health',
    { config: { access: { public: true } }, schema: { tags, summary: 'Liveness and database reachability' } },
    async (_req, reply) => {
      try {
        await storage.ping();
        return { status: 'ok', database: 'ok' };
      } catch {
        reply.code(503);
        return { status: 'degraded', database: 'unavailable' };
      }
    },
  );
  app.get(
    '/health/live',
    {
      config: { access: { public: true } },
      schema: { tags, summary: 'Liveness: the process is up and answers (restart it when this fails)' },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/health/ready',
    {
      config: { access: { public: true } },
      schema: { tags, summary: 'Readiness: database reachable, keyring open, migrations done, audit sink accepting' },
    },
    async (_req, reply) => {
      const r = await readiness({
        storage,
        activeKek: ready?.activeKek ?? (() => 'unknown'),
        audit: ready?.audit ?? { enabled: false, accepting: () => ({ accepting: true }) },
      });
      if (!r.ready) reply.code(503);
      return { status: r.ready ? 'ready' : 'not_ready', checks: r.checks };
    },
  );
};
