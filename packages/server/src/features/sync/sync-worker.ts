// The sync worker: brings each due (destination, secret) pair in line with Keyhaven's current
// version, records status, last error (codes and messages only, never values) and the last synced
// version, and schedules retries with exponential backoff (longer after throttling).
import type { Logger } from 'pino';
import type { StorageHandle } from '../../storage/database.js';
import type { Clock } from '../../lib/clock.js';
import { isKeyhavenError } from '../../lib/errors.js';
import type { Provider } from '../../providers/provider-types.js';
import type { Scope, SecretService } from '../secrets/secret-service.js';
import type { ProviderConfigService } from '../providers/provider-config-service.js';
import { compileTemplate, renderTemplate } from './sync-template.js';
import { outcomeOf, type DomainMetrics } from '../../lib/domain-metrics.js';
import { createSyncStore, type DestinationRow, type SyncStateRow } from './sync-store.js';

export interface SyncSettings {
  concurrency: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
}
export interface RunResult {
  processed: number;
  ok: number;
  error: number;
  removed: number;
}

export const systemScope = (tenant: string): Scope => ({ tenant, actor: { tokenId: 'system:sync', name: 'sync' } });

/** Serializes a Keyhaven value for a store that holds strings. */
export const remoteValueOf = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

const errorText = (e: unknown) =>
  (isKeyhavenError(e) ? `${e.code}: ${e.message}` : 'PROVIDER_ERROR: the external store returned an unexpected error').slice(0, 500);

const isCode = (e: unknown, ...codes: string[]) => isKeyhavenError(e) && codes.includes(e.code);

export const createSyncWorker = (deps: {
  storage: StorageHandle;
  secrets: Pick<SecretService, 'read' | 'write'>;
  providers: ProviderConfigService;
  clock: Clock;
  logger: Logger;
  settings: SyncSettings;
  /** Metrics: each processed pair by provider kind and outcome (ok, removed, or an error code). */
  observe?: Pick<DomainMetrics, 'syncOperation'>;
  /** A sync failed because the provider could not be reached (notifications: provider.unreachable). */
  onProviderUnreachable?: (tenant: string, providerId: string, code: string) => void;
}) => {
  const { storage, secrets, providers, clock, settings } = deps;
  const store = createSyncStore();
  const nowIso = () => clock.now().toISOString();

  const backoffAt = (attempts: number, throttled: boolean) => {
    const cap = settings.retryMaxSeconds * 1000;
    const base = settings.retryBaseSeconds * 1000 * (throttled ? 4 : 1);
    const delay = Math.min(cap, base * 2 ** Math.min(attempts - 1, 30));
    return new Date(clock.now().getTime() + delay / 2 + Math.random() * (delay / 2)).toISOString();
  };

  /** Reads the remote value, or null when the store has no such secret. */
  const readRemote = async (provider: Provider, remote: string) => {
    try {
      return (await provider.read(remote)).value;
    } catch (e) {
      if (isCode(e, 'PROVIDER_SECRET_NOT_FOUND')) return null;
      throw e;
    }
  };

  const syncOne = async (state: SyncStateRow, dest: DestinationRow, seen: { kind?: string }): Promise<'ok' | 'removed'> => {
    const scope = systemScope(state.tenant_id);
    const remote = renderTemplate(compileTemplate(dest.template), state.secret_name, dest.prefix ?? '');
    let current: { value: unknown; version: number } | null;
    try {
      current = await secrets.read(scope, state.secret_name);
    } catch (e) {
      if (!isCode(e, 'SECRET_NOT_FOUND', 'SECRET_DELETED')) throw e;
      current = null;
    }
    if (!current) {
      if (!dest.never_delete_remote && state.synced_version !== null) {
        const provider = await providers.instance(scope, dest.provider_id);
        seen.kind = provider.kind;
        try {
          await provider.delete(remote);
        } catch (e) {
          if (!isCode(e, 'PROVIDER_SECRET_NOT_FOUND')) throw e;
        }
      }
      await storage.withTenant(state.tenant_id, (ex) => store.removeState(ex, state));
      return 'removed';
    }
    let syncedVersion = current.version;
    if (state.synced_version !== current.version) {
      const provider = await providers.instance(scope, dest.provider_id);
      seen.kind = provider.kind;
      const local = remoteValueOf(current.value);
      const first = state.synced_version === null && dest.initial_policy !== 'overwrite';
      const remoteValue = first ? await readRemote(provider, remote) : null;
      if (remoteValue !== null && remoteValue === local) {
        // already equal: nothing to send
      } else if (remoteValue !== null && dest.initial_policy === 'import-remote-wins') {
        syncedVersion = (await secrets.write(scope, state.secret_name, remoteValue, {})).version;
      } else {
        await provider.write(remote, local);
      }
    }
    await storage.withTenant(state.tenant_id, (ex) =>
      store.updateState(ex, state, {
        status: 'ok',
        remote_name: remote,
        synced_version: syncedVersion,
        last_error: null,
        attempts: 0,
        next_attempt_at: null,
        updated_at: nowIso(),
      }),
    );
    return 'ok';
  };

  const processOne = async (state: SyncStateRow, dests: Map<string, DestinationRow | null>, result: RunResult) => {
    const key = `${state.tenant_id}\u0000${state.destination_id}`;
    if (!dests.has(key))
      dests.set(
        key,
        (await storage.withTenant(state.tenant_id, (ex) => store.getDestination(ex, state.tenant_id, state.destination_id))) ?? null,
      );
    const dest = dests.get(key);
    result.processed++;
    if (!dest) {
      await storage.withTenant(state.tenant_id, (ex) => store.removeState(ex, state));
      result.removed++;
      return;
    }
    const seen: { kind?: string } = {};
    try {
      const r = await syncOne(state, dest, seen);
      deps.observe?.syncOperation(seen.kind ?? 'none', r);
      if (r === 'removed') result.removed++;
      else result.ok++;
    } catch (e) {
      deps.observe?.syncOperation(seen.kind ?? 'none', outcomeOf(e));
      result.error++;
      const attempts = state.attempts + 1;
      await storage.withTenant(state.tenant_id, (ex) =>
        store.updateState(ex, state, {
          status: 'error',
          last_error: errorText(e),
          attempts,
          next_attempt_at: backoffAt(attempts, isCode(e, 'PROVIDER_THROTTLED')),
          updated_at: nowIso(),
        }),
      );
      deps.logger.debug(
        { destination: state.destination_id, code: isKeyhavenError(e) ? e.code : 'PROVIDER_ERROR' },
        'sync failed; will retry',
      );
      if (isCode(e, 'PROVIDER_UNAVAILABLE')) {
        try {
          deps.onProviderUnreachable?.(state.tenant_id, dest.provider_id, 'PROVIDER_UNAVAILABLE');
        } catch {
          /* observers never break sync */
        }
      }
    }
  };

  let chain: Promise<unknown> = Promise.resolve();

  const runOnce = async (opts: { tenant?: string; force?: boolean; destination?: string }): Promise<RunResult> => {
    const result: RunResult = { processed: 0, ok: 0, error: 0, removed: 0 };
    if (opts.force && opts.tenant)
      await storage.withTenant(opts.tenant, (ex) => store.makeDueNow(ex, opts.tenant!, nowIso(), opts.destination));
    const dests = new Map<string, DestinationRow | null>();
    const seen = new Set<string>();
    for (;;) {
      const due = (await storage.withTenant(opts.tenant ?? '*', (ex) => store.due(ex, opts.tenant ?? null, nowIso(), 200))).filter(
        (s) => !seen.has(`${s.tenant_id}\u0000${s.destination_id}\u0000${s.secret_name}`),
      );
      if (due.length === 0) break;
      for (const s of due) seen.add(`${s.tenant_id}\u0000${s.destination_id}\u0000${s.secret_name}`);
      let i = 0;
      const lane = async () => {
        while (i < due.length) await processOne(due[i++]!, dests, result);
      };
      await Promise.all(Array.from({ length: settings.concurrency }, lane));
    }
    return result;
  };

  return {
    /** Runs every due sync (one run at a time; a call while another runs waits for its turn). */
    run(opts: { tenant?: string; force?: boolean; destination?: string } = {}): Promise<RunResult> {
      const next = chain.then(() => runOnce(opts));
      chain = next.catch(() => undefined);
      return next;
    },
    /** Resolves when no run is in progress (for shutdown). */
    idle: () => chain,
  };
};

export type SyncWorker = ReturnType<typeof createSyncWorker>;
