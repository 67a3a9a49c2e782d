// Sync destinations: create (validating provider, template and selector, queuing every matching
// secret and, for import policies, pulling remote-only secrets in first), list, remove, status, and
// the event subscription that queues a sync on every `secret.changed` and `secret.rotated`.
import type { Logger } from 'pino';
import type { StorageHandle } from '../../storage/database.js';
import type { Transaction } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { knownEmpty, type ChangeFeed } from '../../storage/change-feed.js';
import type { Clock } from '../../lib/clock.js';
import type { DomainEvent, EventBus } from '../../events/event-bus.js';
import { fail, isKeyhavenError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { secretNameProblem } from '../../lib/secret-name.js';
import type { Scope, SecretService } from '../secrets/secret-service.js';
import { CREDENTIAL_PREFIX, type ProviderConfigService } from '../providers/provider-config-service.js';
import { compileTemplate, invertTemplate } from './sync-template.js';
import { createSyncStore, type DestinationRow, type SyncStatus } from './sync-store.js';
import { systemScope, type SyncWorker } from './sync-worker.js';

export const INITIAL_POLICIES = ['overwrite', 'import-keyhaven-wins', 'import-remote-wins'] as const;
export type InitialPolicy = (typeof INITIAL_POLICIES)[number];

export interface DestinationInput {
  id?: string;
  secret_name?: string;
  prefix?: string;
  provider_id: string;
  template: string;
  initial_policy: InitialPolicy;
  never_delete_remote: boolean;
}

const view = (d: DestinationRow) => ({
  id: d.id,
  secret_name: d.secret_name,
  prefix: d.prefix,
  provider_id: d.provider_id,
  template: d.template,
  initial_policy: d.initial_policy,
  never_delete_remote: Boolean(d.never_delete_remote),
  created_at: d.created_at,
});

const matches = (d: Pick<DestinationRow, 'secret_name' | 'prefix'>, name: string) =>
  !name.startsWith(CREDENTIAL_PREFIX) && (d.secret_name !== null ? d.secret_name === name : name.startsWith(d.prefix ?? ''));

export const createSyncService = (deps: {
  storage: StorageHandle;
  secrets: Pick<SecretService, 'list' | 'write' | 'read'>;
  providers: ProviderConfigService;
  worker: SyncWorker;
  clock: Clock;
  logger: Logger;
  /** PostgreSQL: other replicas' changes (a tenant known to have no destination skips the lookup). */
  changes?: ChangeFeed;
}) => {
  const { storage, secrets, providers, worker, clock } = deps;
  // PostgreSQL: tenants known to have no destination (every replica forgets one when it gets one).
  const none = storage.dialect === 'postgres' ? knownEmpty(deps.changes, 'sync_destinations') : undefined;
  /** A change of a tenant's destinations: announced to the other replicas in its transaction. */
  const changing = <T>(tenant: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> =>
    storage.transaction(tenant, async (trx) => {
      const out = await fn(trx);
      await none?.announce(trx, tenant);
      return out;
    });
  const store = createSyncStore();
  const nowIso = () => clock.now().toISOString();
  let kickTimer: NodeJS.Timeout | undefined;

  /** Runs the worker soon, coalescing bursts of changes into one run. */
  const kick = () => {
    if (kickTimer) return;
    kickTimer = setTimeout(() => {
      kickTimer = undefined;
      worker.run().catch((e) => deps.logger.warn({ reason: isKeyhavenError(e) ? e.code : 'error' }, 'sync run failed'));
    }, 50);
    kickTimer.unref();
  };

  const allNames = async (scope: Scope, prefix: string): Promise<string[]> => {
    const out: string[] = [];
    for (let cursor: string | undefined; ;) {
      const page = await secrets.list(scope, { prefix: prefix || undefined, limit: 1000, cursor });
      out.push(...page.items.map((i) => i.name));
      if (!page.next_cursor) return out;
      cursor = page.next_cursor;
    }
  };

  /** Import policies: secrets only the remote side has are created in Keyhaven first. */
  const importRemoteOnly = async (scope: Scope, d: DestinationRow, local: Set<string>) => {
    const provider = await providers.instance(scope, d.provider_id);
    const template = compileTemplate(d.template);
    const imported: string[] = [];
    for (const remote of await provider.list()) {
      const name = invertTemplate(template, remote, d.prefix ?? '');
      if (!name || local.has(name) || secretNameProblem(name) || !matches(d, name)) continue;
      const v = await provider.read(remote);
      await secrets.write(scope, name, v.value, {
        cas: 0,
        create: true,
        metadata: { description: `Imported from provider ${d.provider_id}` },
      });
      imported.push(name);
    }
    return imported;
  };

  // On SQLite this server is the only writer (ADR 0005), so a tenant's destinations are kept in memory
  // between its own creates and removes instead of being queried on every change of every secret.
  // A list read while a create or remove was under way is not kept (the generation moved).
  const known = new Map<string, DestinationRow[]>();
  let generation = 0;
  const forget = (tenant: string) => {
    generation += 1;
    known.delete(tenant);
    none?.forget(tenant);
  };
  const destinationsOf = async (tenant: string): Promise<DestinationRow[]> => {
    const hit = storage.dialect === 'sqlite' ? known.get(tenant) : undefined;
    if (hit) return hit;
    if (none?.has(tenant)) return [];
    const before = generation;
    const token = none?.token();
    const rows = await storage.withTenant(tenant, (ex) => store.listDestinations(ex, tenant));
    if (storage.dialect === 'sqlite' && before === generation && known.size < 10_000) known.set(tenant, rows);
    if (rows.length === 0 && token !== undefined) none?.remember(tenant, token);
    return rows;
  };

  const onEvent = async (e: DomainEvent) => {
    const name = typeof e.data.name === 'string' ? e.data.name : undefined;
    if (!name || name.startsWith(CREDENTIAL_PREFIX)) return;
    const dests = (await destinationsOf(e.tenant)).filter((d) => matches(d, name));
    if (dests.length === 0) return;
    const at = nowIso();
    await storage.transaction(e.tenant, async (trx) => {
      for (const d of dests) await store.markPending(trx, e.tenant, d.id, [name], at);
    });
    kick();
  };

  return {
    subscribe(bus: EventBus) {
      return bus.subscribe((e) => {
        if (e.type !== 'secret.changed' && e.type !== 'secret.rotated') return;
        if (e.replica) return; // synced by the server that made the change
        onEvent(e).catch((err) => deps.logger.warn({ reason: isKeyhavenError(err) ? err.code : 'error' }, 'could not queue a sync'));
      });
    },

    async create(scope: Scope, input: DestinationInput) {
      if ((input.secret_name === undefined) === (input.prefix === undefined)) {
        throw fail('VALIDATION_FAILED', 'Give either secret_name (one secret) or prefix (every secret under it; "" for all).', [
          { path: 'secret_name', message: 'exactly one of secret_name, prefix' },
        ]);
      }
      compileTemplate(input.template);
      const provider = await providers.get(scope, input.provider_id);
      const caps = provider.capabilities as { writable: boolean };
      if (!caps.writable)
        throw fail(
          'PROVIDER_CAPABILITY_MISSING',
          `The ${provider.kind} provider "${provider.id}" is read-only; it cannot be a sync destination.`,
        );
      const row: DestinationRow = {
        tenant_id: scope.tenant,
        id: input.id ?? newId('dst'),
        secret_name: input.secret_name ?? null,
        prefix: input.prefix ?? null,
        provider_id: input.provider_id,
        template: input.template,
        initial_policy: input.initial_policy,
        never_delete_remote: input.never_delete_remote ? 1 : 0,
        created_at: nowIso(),
      };
      if (await storage.withTenant(scope.tenant, (ex) => store.getDestination(ex, scope.tenant, row.id))) {
        throw fail('CONFLICT', `A sync destination "${row.id}" already exists.`);
      }
      forget(scope.tenant);
      await changing(scope.tenant, (trx) => store.insertDestination(trx, row)).finally(() => forget(scope.tenant));
      const local = new Set((await allNames(scope, row.prefix ?? '')).filter((n) => matches(row, n)));
      const imported = row.initial_policy === 'overwrite' ? [] : await importRemoteOnly(scope, row, local);
      const names = [...local, ...imported];
      await storage.transaction(scope.tenant, (trx) => store.markPending(trx, scope.tenant, row.id, names, nowIso()));
      kick();
      return { ...view(row), queued: names.length, imported: imported.length };
    },

    async list(scope: Scope) {
      return (await storage.withTenant(scope.tenant, (ex) => store.listDestinations(ex, scope.tenant))).map(view);
    },

    async remove(scope: Scope, id: string) {
      const d = await storage.withTenant(scope.tenant, (ex) => store.getDestination(ex, scope.tenant, id));
      if (!d) throw fail('SYNC_DESTINATION_NOT_FOUND', `No sync destination "${id}" in this tenant.`);
      forget(scope.tenant);
      await changing(scope.tenant, (trx) => store.removeDestination(trx, scope.tenant, id)).finally(() => forget(scope.tenant));
      return { id, deleted: true, remote_kept: true };
    },

    async status(scope: Scope, f: { destination?: string; status?: SyncStatus; limit: number; cursor?: string }) {
      return storage.withTenant(scope.tenant, async (ex) => {
        const items = await store.listStates(ex, scope.tenant, f);
        return {
          summary: await store.counts(ex, scope.tenant, f.destination),
          items: items.map((s) => ({
            destination_id: s.destination_id,
            secret_name: s.secret_name,
            remote_name: s.remote_name,
            status: s.status,
            last_error: s.last_error,
            synced_version: s.synced_version,
            attempts: s.attempts,
            next_attempt_at: s.next_attempt_at,
            updated_at: s.updated_at,
          })),
          next_cursor: items.length === f.limit ? items[items.length - 1]!.secret_name : null,
        };
      });
    },

    /** Forces a run now for this tenant: failed and pending pairs are retried at once. */
    async run(scope: Scope, destination?: string) {
      if (destination && !(await storage.withTenant(scope.tenant, (ex) => store.getDestination(ex, scope.tenant, destination)))) {
        throw fail('SYNC_DESTINATION_NOT_FOUND', `No sync destination "${destination}" in this tenant.`);
      }
      return worker.run({ tenant: scope.tenant, force: true, destination });
    },

    /** Stops queuing and waits for the run in progress. */
    async stop() {
      if (kickTimer) clearTimeout(kickTimer);
      kickTimer = undefined;
      await worker.idle();
    },

    /** Background job: retries whatever is due in every tenant. */
    runDue: () => worker.run(),
    systemScope,
  };
};

export type SyncService = ReturnType<typeof createSyncService>;
