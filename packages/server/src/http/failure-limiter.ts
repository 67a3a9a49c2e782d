// Brute-force protection: counts failed authentications per source address in a fixed window and
// blocks the source for the rest of the window once it passes the limit.
export const createFailureLimiter = (opts: { limit: number; windowSeconds: number; now?: () => number }) => {
  const now = opts.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();
  const current = (source: string) => {
    const w = windows.get(source);
    if (!w || now() - w.start >= opts.windowSeconds * 1000) return undefined;
    return w;
  };
  return {
    windowSeconds: opts.windowSeconds,
    blocked: (source: string) => (current(source)?.count ?? 0) >= opts.limit,
    fail(source: string) {
      const w = current(source);
      if (w) w.count += 1;
      else {
        if (windows.size > 100_000) windows.clear();
        windows.set(source, { start: now(), count: 1 });
      }
    },
  };
};
export type FailureLimiter = ReturnType<typeof createFailureLimiter>;
