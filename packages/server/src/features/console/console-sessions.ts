// Cookie sessions of the web console: a signed-in token is held in the server's memory under a
// random session id (the cookie) with a CSRF token, idle and absolute expiry. The cookie is all the
// browser keeps; the token itself never reaches scripts, URLs or storage. Sessions live in one
// process: a restart (or another replica) signs people out, which SESSION_EXPIRED says.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { fail } from '../../lib/errors.js';

export const SESSION_COOKIE = 'kh_session';
export const CSRF_HEADER = 'x-keyhaven-csrf';

interface Session {
  token: string;
  csrf: string;
  tokenId: string;
  created: number;
  lastUsed: number;
  minted: { tenant: string } | null;
}

export interface SessionSettings {
  idleSeconds: number;
  maxSeconds: number;
  maxSessions?: number;
}

const digest = (id: string) => createHash('sha256').update(id).digest('hex');
const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export const createConsoleSessions = (deps: { clock: Clock; settings: SessionSettings }) => {
  // Keyed by a digest of the cookie value, so the map never holds a usable cookie.
  const sessions = new Map<string, Session>();
  const max = deps.settings.maxSessions ?? 10_000;
  const now = () => deps.clock.now().getTime();
  const live = (s: Session, t: number) =>
    t - s.lastUsed < deps.settings.idleSeconds * 1000 && t - s.created < deps.settings.maxSeconds * 1000;
  const sweep = () => {
    const t = now();
    for (const [k, s] of sessions) if (!live(s, t)) sessions.delete(k);
    // Still full: the least recently used go first (Map keeps insertion order; touch re-inserts).
    while (sessions.size >= max) sessions.delete(sessions.keys().next().value!);
  };
  const find = (cookie: string): [string, Session] | null => {
    if (!/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
    const key = digest(cookie);
    const s = sessions.get(key);
    if (!s) return null;
    if (!live(s, now())) {
      sessions.delete(key);
      return null;
    }
    return [key, s];
  };

  return {
    /** Starts a session for a token that has just authenticated; the id goes into the cookie. */
    /** `minted`: the token was made for this session (single sign-on) and is revoked when it ends. */
    create(token: string, tokenId: string, minted: { tenant: string } | null = null): { id: string; csrf: string } {
      sweep();
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(32).toString('base64url');
      const t = now();
      sessions.set(digest(id), { token, csrf, tokenId, created: t, lastUsed: t, minted });
      return { id, csrf };
    },
    /** The token behind a cookie (refreshing its idle time), checking the CSRF token on changes. */
    resolve(cookie: string, opts: { unsafe: boolean; csrf: string | undefined }): { token: string; csrf: string } {
      const found = find(cookie);
      if (!found) throw fail('SESSION_EXPIRED');
      const [key, s] = found;
      if (opts.unsafe && !(opts.csrf && sameText(opts.csrf, s.csrf))) throw fail('CSRF_CHECK_FAILED');
      s.lastUsed = now();
      sessions.delete(key);
      sessions.set(key, s);
      return { token: s.token, csrf: s.csrf };
    },
    /** Ends the session behind a cookie (logout): what it held, or null when there was none. */
    end(cookie: string): { tokenId: string; minted: { tenant: string } | null } | null {
      const found = find(cookie);
      if (!found) return null;
      sessions.delete(found[0]);
      return { tokenId: found[1].tokenId, minted: found[1].minted };
    },
    get size() {
      return sessions.size;
    },
    settings: deps.settings,
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
