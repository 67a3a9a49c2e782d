// Cookie sessions of the web console: a signed-in token is kept under a random session id (the
// cookie) with a CSRF token, idle and absolute expiry. The cookie is all the browser keeps; the token
// itself never reaches scripts, URLs or storage. Sessions are rows of `console_sessions` (migration
// 013), keyed by a SHA-256 of the cookie, with the token and CSRF token sealed by the barrier: every
// replica behind a load balancer knows a session any of them started, a sign-out through one ends it
// on all, and a restart signs nobody out. The idle time is written at most every `touchSeconds`, so a
// busy console page costs one primary-key read per request, not a write.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Barrier } from '../../barrier/barrier.js';
import type { Clock } from '../../lib/clock.js';
import { fail } from '../../lib/errors.js';
import type { Executor, StorageHandle } from '../../storage/database.js';

export const SESSION_COOKIE = 'kh_session';
export const CSRF_HEADER = 'x-keyhaven-csrf';

export interface SessionSettings {
  idleSeconds: number;
  maxSeconds: number;
  maxSessions?: number;
  /** How stale the stored last use may get before a request writes it again (default: a tenth of
   *  the idle time, at most 60 s). */
  touchSeconds?: number;
}

const digest = (id: string) => createHash('sha256').update(id).digest('hex');
const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
/** The AAD of a session's sealed token (the keyring rotation re-wraps it under it). */
export const consoleSessionAad = (key: string) => `console-session:${key}`;
const aadOf = consoleSessionAad;

export const createConsoleSessions = (deps: { clock: Clock; settings: SessionSettings; storage: StorageHandle; barrier: Barrier }) => {
  const { storage, barrier, settings } = deps;
  const max = settings.maxSessions ?? 10_000;
  const touchMs = (settings.touchSeconds ?? Math.min(60, settings.idleSeconds / 10)) * 1000;
  const now = () => deps.clock.now().getTime();
  const iso = (t: number) => new Date(t).toISOString();
  const live = (created: number, lastUsed: number, t: number) =>
    t - lastUsed < settings.idleSeconds * 1000 && t - created < settings.maxSeconds * 1000;
  const db = <T>(fn: (ex: Executor) => Promise<T>) => storage.withTenant('*', fn);

  /** Expired sessions go; still over the cap, the least recently used go first. */
  const sweep = async (t: number) => {
    await db((ex) =>
      ex
        .deleteFrom('console_sessions')
        .where((eb) =>
          eb.or([
            eb('last_used_at', '<=', iso(t - settings.idleSeconds * 1000)),
            eb('created_at', '<=', iso(t - settings.maxSeconds * 1000)),
          ]),
        )
        .execute(),
    );
    const n = Number(
      (
        await db((ex) =>
          ex
            .selectFrom('console_sessions')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirst(),
        )
      )?.n ?? 0,
    );
    if (n >= max) {
      const keep = n - max + 1;
      const oldest = await db((ex) => ex.selectFrom('console_sessions').select('id').orderBy('last_used_at').limit(keep).execute());
      if (oldest.length)
        await db((ex) =>
          ex
            .deleteFrom('console_sessions')
            .where(
              'id',
              'in',
              oldest.map((r) => r.id),
            )
            .execute(),
        );
    }
  };

  const find = async (cookie: string) => {
    if (!/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
    const key = digest(cookie);
    const row = await db((ex) => ex.selectFrom('console_sessions').selectAll().where('id', '=', key).executeTakeFirst());
    if (!row) return null;
    const t = now();
    const created = Date.parse(row.created_at);
    const lastUsed = Date.parse(row.last_used_at);
    if (!live(created, lastUsed, t)) {
      await db((ex) => ex.deleteFrom('console_sessions').where('id', '=', key).execute());
      return null;
    }
    let held: { token: string; csrf: string };
    try {
      held = JSON.parse(barrier.open({ wrappedDek: row.sealed_dek, ciphertext: row.sealed }, aadOf(key)).toString('utf8')) as typeof held;
    } catch {
      return null; // a row that does not open (edited, or a keyring it was not made under): no session
    }
    return { key, row, held, lastUsed, t };
  };

  return {
    /** Starts a session for a token that has just authenticated; the id goes into the cookie.
     *  `minted`: the token was made for this session (single sign-on) and is revoked when it ends. */
    async create(token: string, tokenId: string, minted: { tenant: string } | null = null): Promise<{ id: string; csrf: string }> {
      const t = now();
      await sweep(t);
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(32).toString('base64url');
      const key = digest(id);
      const sealed = barrier.seal(Buffer.from(JSON.stringify({ token, csrf }), 'utf8'), aadOf(key));
      await db((ex) =>
        ex
          .insertInto('console_sessions')
          .values({
            id: key,
            token_id: tokenId,
            minted_tenant: minted?.tenant ?? null,
            sealed_dek: sealed.wrappedDek,
            sealed: sealed.ciphertext,
            created_at: iso(t),
            last_used_at: iso(t),
          })
          .execute(),
      );
      return { id, csrf };
    },
    /** The token behind a cookie (refreshing its idle time), checking the CSRF token on changes. */
    async resolve(cookie: string, opts: { unsafe: boolean; csrf: string | undefined }): Promise<{ token: string; csrf: string }> {
      const found = await find(cookie);
      if (!found) throw fail('SESSION_EXPIRED');
      if (opts.unsafe && !(opts.csrf && sameText(opts.csrf, found.held.csrf))) throw fail('CSRF_CHECK_FAILED');
      if (found.t - found.lastUsed >= touchMs)
        await db((ex) =>
          ex
            .updateTable('console_sessions')
            .set({ last_used_at: iso(found.t) })
            .where('id', '=', found.key)
            .execute(),
        );
      return found.held;
    },
    /** Ends the session behind a cookie (logout): what it held, or null when there was none. */
    async end(cookie: string): Promise<{ tokenId: string; minted: { tenant: string } | null } | null> {
      const found = await find(cookie);
      if (!found) return null;
      await db((ex) => ex.deleteFrom('console_sessions').where('id', '=', found.key).execute());
      return { tokenId: found.row.token_id, minted: found.row.minted_tenant ? { tenant: found.row.minted_tenant } : null };
    },
    /** How many sessions are stored (expired ones included until the next sweep). */
    async count(): Promise<number> {
      return Number(
        (
          await db((ex) =>
            ex
              .selectFrom('console_sessions')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirst(),
          )
        )?.n ?? 0,
      );
    },
    settings,
  };
};
export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;

/** The value of one cookie in a Cookie header, or undefined. */
export const cookieValue = (header: string | undefined, name: string): string | undefined => {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
};
