// The per-target rate limit: at most N rotations started per minute on one target system (a database
// host:port/database, a Redis, a provider, a webhook host), so that no bug (a schedule that stays due,
// a loop in a caller) can hammer it. In memory, per server process; a sliding window on the clock.
import type { Clock } from '../../lib/clock.js';

const WINDOW_MS = 60_000;

export const createTargetLimiter = (deps: { clock: Clock; perMinute: number }) => {
  const starts = new Map<string, number[]>();
  const recent = (key: string, now: number) => {
    const kept = (starts.get(key) ?? []).filter((t) => t > now - WINDOW_MS && t <= now);
    if (kept.length) starts.set(key, kept);
    else starts.delete(key);
    return kept;
  };
  return {
    perMinute: deps.perMinute,
    /** Counts one start on `key`; false (nothing counted) when the target had its share this minute. */
    take(key: string): boolean {
      const now = deps.clock.now().getTime();
      const kept = recent(key, now);
      if (kept.length >= deps.perMinute) return false;
      starts.set(key, [...kept, now]);
      return true;
    },
    /** Milliseconds until `key` may start a rotation again (0 when it may now). */
    waitMs(key: string): number {
      const now = deps.clock.now().getTime();
      const kept = recent(key, now);
      return kept.length < deps.perMinute ? 0 : Math.max(0, kept[0]! + WINDOW_MS - now);
    },
  };
};

export type TargetLimiter = ReturnType<typeof createTargetLimiter>;
