// A small in-memory cache with a time-to-live and a size bound (least recently used goes first).
// Values stay in process memory only; nothing is written anywhere.

export const createTtlCache = <V>(opts: { ttlMs: number; maxEntries: number; now?: () => number }) => {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { value: V; expires: number }>();
  return {
    get(key: string): V | undefined {
      const e = entries.get(key);
      if (!e) return undefined;
      if (e.expires <= now()) {
        entries.delete(key);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, e); // most recently used moves to the end
      return e.value;
    },
    set(key: string, value: V) {
      entries.delete(key);
      entries.set(key, { value, expires: now() + opts.ttlMs });
      while (entries.size > opts.maxEntries) entries.delete(entries.keys().next().value as string);
    },
    /** Drops every entry whose key starts with `prefix` (all when omitted). */
    clear(prefix = '') {
      for (const k of [...entries.keys()]) if (k.startsWith(prefix)) entries.delete(k);
    },
    get size() {
      return entries.size;
    },
  };
};
