// A cache filled from the database, whose fills cannot outlive a change. Entries belong to a group
// (a secret; a tenant's roles; a tenant) and are bounded in bytes and age. A caller takes a token
// for the group before it reads the database and puts the result with it; a change of the group
// meanwhile (`invalidate`, or `clear` for everything) makes the put a no-op, so no fill can store a
// value older than a committed change. Used for decrypted secret reads (ADR 0005), custom-role
// authorizers and known tenants; `usable` turns it off while changes could be missed (ADR 0006).

export interface FillCacheOptions {
  /** Total bytes of values held; 0 turns the cache off. */
  maxBytes: number;
  ttlMs: number;
  now?: () => number;
  /** While false, nothing is served or kept (e.g. while other replicas' changes cannot be heard). */
  usable?: () => boolean;
  /** Told of each entry dropped: `capacity` to make room, `stale` expired or changed (metrics). */
  onEvict?: (reason: 'capacity' | 'stale') => void;
}

interface Entry<T> {
  value: T;
  bytes: number;
  at: number;
  gen: number;
  epoch: number;
  group: string;
}

/** Taken before a read from the database; `put` refuses the result if the group changed meanwhile. */
export interface FillToken {
  group: string;
  gen: number;
  epoch: number;
}

/** Fixed per-entry overhead added to the value's size, so many tiny values are bounded too. */
const ENTRY_OVERHEAD = 256;

export const createFillCache = <T>(opts: FillCacheOptions) => {
  const entries = new Map<string, Entry<T>>();
  const gens = new Map<string, number>();
  /** The keys held for each group, so a change drops its group's entries at once: left to age out,
   *  every superseded version's entry stayed until the byte bound evicted it (a soak of writes and
   *  reads grew the heap by ~1,000 dead entries per 8,000 requests). */
  const byGroup = new Map<string, Set<string>>();
  const now = opts.now ?? Date.now;
  const usable = () => opts.maxBytes > 0 && (opts.usable?.() ?? true);
  let epoch = 0;
  let bytes = 0;

  const drop = (key: string, e: Entry<T>) => {
    entries.delete(key);
    bytes -= e.bytes;
    const keys = byGroup.get(e.group);
    if (keys) {
      keys.delete(key);
      if (keys.size === 0) byGroup.delete(e.group);
    }
  };
  const clear = () => {
    entries.clear();
    byGroup.clear();
    gens.clear();
    bytes = 0;
    epoch += 1;
  };

  return {
    /** A group key from its parts (tenant and secret name, say). */
    groupKey: (...parts: string[]) => parts.join('\u0000'),

    get(group: string, item: string): T | undefined {
      if (!usable()) return undefined;
      const key = `${group}\u0000${item}`;
      const e = entries.get(key);
      if (!e) return undefined;
      if (e.epoch !== epoch || e.gen !== (gens.get(e.group) ?? 0) || now() - e.at >= opts.ttlMs) {
        drop(key, e);
        opts.onEvict?.('stale');
        return undefined;
      }
      return e.value;
    },

    token(group: string): FillToken {
      return { group, gen: gens.get(group) ?? 0, epoch };
    },

    put(token: FillToken, item: string, value: T, valueBytes: number) {
      if (!usable()) return;
      if (token.epoch !== epoch || token.gen !== (gens.get(token.group) ?? 0)) return;
      const size = valueBytes + ENTRY_OVERHEAD;
      if (size > opts.maxBytes / 4) return; // one value never takes over the cache
      const key = `${token.group}\u0000${item}`;
      const old = entries.get(key);
      if (old) drop(key, old);
      while (bytes + size > opts.maxBytes && entries.size) {
        const [k, oldest] = entries.entries().next().value!;
        drop(k, oldest);
        opts.onEvict?.('capacity');
      }
      entries.set(key, { value, bytes: size, at: now(), gen: token.gen, epoch, group: token.group });
      bytes += size;
      const keys = byGroup.get(token.group);
      if (keys) keys.add(key);
      else byGroup.set(token.group, new Set([key]));
    },

    /** Called when a change of the group starts and again once it has committed or failed. */
    invalidate(group: string) {
      if (gens.size >= 100_000) {
        clear();
        return;
      }
      gens.set(group, (gens.get(group) ?? 0) + 1);
      const keys = byGroup.get(group);
      if (keys)
        for (const k of [...keys]) {
          const e = entries.get(k);
          if (e) {
            drop(k, e);
            opts.onEvict?.('stale');
          } else keys.delete(k);
        }
    },

    clear,
    stats: () => ({ entries: entries.size, bytes, groups: byGroup.size }),
  };
};

export type FillCache<T> = ReturnType<typeof createFillCache<T>>;
