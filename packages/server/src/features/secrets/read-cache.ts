// The read cache: decrypted reads (current value, a label or a version) kept in process so a hot read
// skips the database and the cipher. Bounded in bytes and age. Every mutation of a secret through the
// secret service invalidates that secret after it commits; a read that began before a mutation cannot
// store its (older) result afterwards (generation tokens). It is only used where nothing else can
// write the database: SQLite, which one server holds exclusively (ADR 0005).

export interface ReadCacheOptions {
  /** Total bytes of values held; 0 turns the cache off. */
  maxBytes: number;
  ttlMs: number;
  now?: () => number;
}

interface Entry<T> { value: T; bytes: number; at: number; gen: number; epoch: number; secret: string }

/** Taken before a read from the database; `put` refuses the result if the secret changed meanwhile. */
export interface FillToken { secret: string; gen: number; epoch: number }

/** Fixed per-entry overhead added to the value's size, so many tiny values are bounded too. */
const ENTRY_OVERHEAD = 256;

export const createReadCache = <T>(opts: ReadCacheOptions) => {
  const entries = new Map<string, Entry<T>>();
  const gens = new Map<string, number>();
  const now = opts.now ?? Date.now;
  let epoch = 0;
  let bytes = 0;

  const drop = (key: string, e: Entry<T>) => {
    entries.delete(key);
    bytes -= e.bytes;
  };
  const clear = () => {
    entries.clear();
    gens.clear();
    bytes = 0;
    epoch += 1;
  };

  return {
    secretKey: (tenant: string, name: string) => `${tenant}\u0000${name}`,

    get(secret: string, ref: string): T | undefined {
      if (opts.maxBytes <= 0) return undefined;
      const key = `${secret}\u0000${ref}`;
      const e = entries.get(key);
      if (!e) return undefined;
      if (e.epoch !== epoch || e.gen !== (gens.get(e.secret) ?? 0) || now() - e.at >= opts.ttlMs) {
        drop(key, e);
        return undefined;
      }
      return e.value;
    },

    token(secret: string): FillToken {
      return { secret, gen: gens.get(secret) ?? 0, epoch };
    },

    put(token: FillToken, ref: string, value: T, valueBytes: number) {
      if (opts.maxBytes <= 0) return;
      if (token.epoch !== epoch || token.gen !== (gens.get(token.secret) ?? 0)) return;
      const size = valueBytes + ENTRY_OVERHEAD;
      if (size > opts.maxBytes / 4) return; // one value never takes over the cache
      const key = `${token.secret}\u0000${ref}`;
      const old = entries.get(key);
      if (old) drop(key, old);
      while (bytes + size > opts.maxBytes && entries.size) {
        const [k, oldest] = entries.entries().next().value!;
        drop(k, oldest);
      }
      entries.set(key, { value, bytes: size, at: now(), gen: token.gen, epoch, secret: token.secret });
      bytes += size;
    },

    /** Called when a mutation of the secret starts and again once it has committed or failed. */
    invalidate(secret: string) {
      if (gens.size >= 100_000) { clear(); return; }
      gens.set(secret, (gens.get(secret) ?? 0) + 1);
    },

    clear,
    stats: () => ({ entries: entries.size, bytes }),
  };
};

export type ReadCache<T> = ReturnType<typeof createReadCache<T>>;
