// The cached secrets reader: an LRU cache with TTL over the client, stale values served (bounded by
// maxStaleMs, with a warning) when the server is unreachable, then fallback to the environment and
// `NAME_FILE` paths; cache entries are dropped on secret.changed / secret.rotated events.
import type { KeyhavenClient } from './client.js';
import { KeyhavenApiError, KeyhavenUnavailableError } from './errors.js';
import { Lru } from './lru.js';
import { lookupFallback, readerSettingsFromEnv, type FallbackOptions } from './fallback.js';
import { SecretUnavailableError } from './reader-errors.js';
import { subscribeSecretEvents, type Subscription } from './events.js';

export interface ReaderOptions {
  /** Default true (SECRETS_CACHE_ENABLED). */
  cacheEnabled?: boolean;
  /** Fresh lifetime of a cached value; default 300 s (SECRETS_CACHE_TTL_SECONDS). */
  cacheTtlMs?: number;
  /** LRU size limit; default 100 (SECRETS_CACHE_MAX_SIZE). */
  maxEntries?: number;
  /** How long past its TTL a value may still be served while the server is unreachable; default 1 h. */
  maxStaleMs?: number;
  /** Environment / `_FILE` fallback when the server is unreachable and nothing usable is cached; false = off. */
  fallback?: FallbackOptions | false;
  /** Subscribe to GET /v1/events and drop entries of changed secrets (keeps a connection open; call close()). */
  refreshOnEvents?: boolean;
  /** Read defaults from SECRETS_CACHE_* / SECRETS_FALLBACK_* (true by default); explicit options win. */
  fromEnv?: boolean;
  env?: Record<string, string | undefined>;
  onWarning?: (message: string) => void;
  now?: () => number;
}

export type ReadSource = 'server' | 'cache' | 'stale' | 'env' | 'file';
export interface ReadResult {
  value: unknown;
  version?: number;
  source: ReadSource;
}

interface Entry {
  value: unknown;
  version: number;
  fetchedAt: number;
}

/** Errors that mean "the server cannot answer now" (not "the answer is no"). */
const isUnavailable = (e: unknown) =>
  e instanceof KeyhavenUnavailableError || (e instanceof KeyhavenApiError && (e.status >= 500 || e.status === 429));

const splitRef = (ref: string) => {
  const i = ref.indexOf('#');
  return i < 0 ? { name: ref, field: undefined } : { name: ref.slice(0, i), field: ref.slice(i + 1) };
};

export const createSecretsReader = (client: KeyhavenClient, options: ReaderOptions = {}) => {
  const env = options.env ?? process.env;
  const d = options.fromEnv === false ? undefined : readerSettingsFromEnv(env);
  const cacheEnabled = options.cacheEnabled ?? d?.cacheEnabled ?? true;
  const ttl = options.cacheTtlMs ?? d?.cacheTtlMs ?? 300_000;
  const maxStale = options.maxStaleMs ?? d?.maxStaleMs ?? 3_600_000;
  const fallback = options.fallback !== undefined ? options.fallback : (d?.fallback ?? false);
  const now = options.now ?? Date.now;
  const warn = options.onWarning ?? ((m: string) => console.warn(`keyhaven: ${m}`));
  const cache = new Lru<string, Entry>(options.maxEntries ?? d?.maxEntries ?? 100);
  const inflight = new Map<string, Promise<Entry>>();
  const stats = { hits: 0, misses: 0, stale: 0, fallbacks: 0, invalidations: 0 };

  const fetchEntry = (ref: string): Promise<Entry> => {
    let p = inflight.get(ref);
    if (!p) {
      p = client.secrets.get(ref).then((r) => ({ value: r.value, version: r.version, fetchedAt: now() }));
      p.finally(() => inflight.delete(ref)).catch(() => {});
      inflight.set(ref, p);
    }
    return p;
  };

  const invalidateName = (name: string) => {
    for (const k of [...cache.keys()])
      if (k === name || k.startsWith(`${name}#`)) {
        cache.delete(k);
        stats.invalidations++;
      }
  };

  let sub: Subscription | undefined;
  if (options.refreshOnEvents) {
    sub = subscribeSecretEvents(
      client,
      (e) => {
        if (typeof e.data?.name === 'string') invalidateName(e.data.name);
      },
      { onError: () => {} },
    );
  }

  const read = async (ref: string): Promise<ReadResult> => {
    const cached = cacheEnabled ? cache.get(ref) : undefined;
    if (cached && now() - cached.fetchedAt < ttl) {
      stats.hits++;
      return { value: cached.value, version: cached.version, source: 'cache' };
    }
    stats.misses++;
    try {
      const entry = await fetchEntry(ref);
      if (cacheEnabled) cache.set(ref, entry);
      return { value: entry.value, version: entry.version, source: 'server' };
    } catch (e) {
      if (!isUnavailable(e)) throw e;
      const reason = e instanceof Error ? e.message : 'the server is unavailable';
      const { name, field } = splitRef(ref);
      if (cached) {
        const age = now() - cached.fetchedAt;
        if (age - ttl <= maxStale) {
          stats.stale++;
          warn(`serving a cached value of "${ref}" that is ${Math.round(age / 1000)} s old because the server is unavailable (${reason})`);
          return { value: cached.value, version: cached.version, source: 'stale' };
        }
      }
      if (fallback) {
        const fb = lookupFallback(env, fallback, name, field);
        if (fb) {
          stats.fallbacks++;
          warn(`using the ${fb.source === 'env' ? 'environment' : '_FILE'} fallback for "${ref}" because the server is unavailable`);
          return { value: fb.value, source: fb.source };
        }
      }
      throw new SecretUnavailableError(
        ref,
        cached
          ? `the server is unavailable and the cached value is older than the allowed staleness (${reason})`
          : `the server is unavailable and no cached or fallback value exists (${reason})`,
        { cause: e },
      );
    }
  };

  return {
    read,
    /** The value of `name` or `name#field`. */
    get: async (ref: string): Promise<unknown> => (await read(ref)).value,
    /** The value as a string (JSON for objects). */
    getString: async (ref: string): Promise<string> => {
      const v = (await read(ref)).value;
      return typeof v === 'string' ? v : JSON.stringify(v);
    },
    invalidate: invalidateName,
    clear: () => cache.clear(),
    stats: () => ({ ...stats, size: cache.size }),
    /** Resolves true when subscribed to change events, false when TTL expiry is the only refresh. */
    eventsReady: () => sub?.ready ?? Promise.resolve(false),
    close: () => sub?.close(),
  };
};

export type SecretsReader = ReturnType<typeof createSecretsReader>;
