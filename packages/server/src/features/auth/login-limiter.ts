// Login failures per source address, counted in the database so every replica sharing the store
// sees the same count (a fixed window per key, like http/failure-limiter.ts). An upsert counts a
// failure; a window that has passed starts again at one.
import { sql } from 'kysely';
import type { StorageHandle } from '../../storage/database.js';
import type { Clock } from '../../lib/clock.js';

export const createLoginLimiter = (deps: { storage: StorageHandle; clock: Clock; limit: number; windowSeconds: number }) => {
  const { storage, clock } = deps;
  const cutoff = () => new Date(clock.now().getTime() - deps.windowSeconds * 1000).toISOString();
  let failures = 0;
  return {
    windowSeconds: deps.windowSeconds,
    async blocked(key: string): Promise<boolean> {
      const r = await storage.db
        .selectFrom('auth_login_failures')
        .select(['count', 'window_start'])
        .where('key', '=', key)
        .executeTakeFirst();
      return Boolean(r && r.window_start > cutoff() && r.count >= deps.limit);
    },
    async fail(key: string): Promise<void> {
      const now = clock.now().toISOString();
      const c = cutoff();
      await storage.db
        .insertInto('auth_login_failures')
        .values({ key, window_start: now, count: 1 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql<number>`CASE WHEN auth_login_failures.window_start <= ${c} THEN 1 ELSE auth_login_failures.count + 1 END`,
            window_start: sql<string>`CASE WHEN auth_login_failures.window_start <= ${c} THEN ${now} ELSE auth_login_failures.window_start END`,
          }),
        )
        .execute();
      // Windows that have passed are dropped now and then, so the table holds recent sources only.
      if (++failures % 500 === 0)
        await storage.db
          .deleteFrom('auth_login_failures')
          .where('window_start', '<=', c)
          .execute()
          .catch(() => {});
    },
  };
};
export type LoginLimiter = ReturnType<typeof createLoginLimiter>;
