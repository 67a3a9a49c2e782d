// Brute-force protection: counts failures per key (a source address for credentials that do not
// authenticate, a token id for a valid token probing tenants) in a fixed window and blocks the key
// for the rest of the window once it passes the limit.
export const createFailureLimiter = (opts: { limit: number; windowSeconds: number; now?: () => number }) => {
  const now = opts.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();
  const current = (key: string) => {
    const w = windows.get(key);
    if (!w || now() - w.start >= opts.windowSeconds * 1000) return undefined;
    return w;
  };
  return {
    windowSeconds: opts.windowSeconds,
    blocked: (key: string) => (current(key)?.count ?? 0) >= opts.limit,
    fail(key: string) {
      const w = current(key);
      if (w) w.count += 1;
      else {
        if (windows.size > 100_000) windows.clear();
        windows.set(key, { start: now(), count: 1 });
      }
    },
  };
};
export type FailureLimiter = ReturnType<typeof createFailureLimiter>;
