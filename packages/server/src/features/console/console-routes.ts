// The console's session endpoints: POST /v1/console/session exchanges a token (sent once, in the
// Authorization header) for an HttpOnly, SameSite=Strict cookie and a CSRF token; GET describes the
// session (the CSRF token again, after a reload); DELETE signs out. Everything else the console
// does goes through the public API with that cookie.
import type { App, Request } from '../../http/pipeline-types.js';
import { fail } from '../../lib/errors.js';
import { cookieValue, SESSION_COOKIE, type ConsoleSessions } from './console-sessions.js';
import type { TokenService } from '../tokens/token-service.js';

const tags = ['console'];

const bearerOf = (req: Request): string | undefined => {
  const auth = req.headers.authorization;
  return typeof auth === 'string' && /^bearer /i.test(auth) ? auth.slice(7).trim() || undefined : undefined;
};

export const consoleSessionRoutes = (deps: { sessions: ConsoleSessions; tokens: TokenService; secureCookie: boolean }) => (app: App) => {
  const cookie = (value: string, maxAge: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${deps.secureCookie ? '; Secure' : ''}`;
  const describe = async (req: Request, csrf: string) => ({
    csrf_token: csrf,
    idle_seconds: deps.sessions.settings.idleSeconds,
    token: await deps.tokens.self(req.auth!.token),
  });

  app.post(
    '/v1/console/session',
    {
      config: { access: { tenant: false }, audit: 'console.sign_in' },
      schema: {
        tags,
        summary:
          'Start a console session: send the token as Authorization: Bearer; the answer sets an HttpOnly session cookie and returns the CSRF token for changes',
      },
    },
    async (req, reply) => {
      const raw = bearerOf(req);
      if (!raw) throw fail('UNAUTHENTICATED', 'Start a session with the token in "Authorization: Bearer <token>".');
      const s = await deps.sessions.create(raw, req.auth!.token.id);
      reply.header('set-cookie', cookie(s.id, deps.sessions.settings.maxSeconds));
      reply.code(201);
      return describe(req, s.csrf);
    },
  );

  app.get(
    '/v1/console/session',
    {
      config: { access: { tenant: false }, audit: 'console.session' },
      schema: { tags, summary: 'The current console session (the calling token and the CSRF token)' },
    },
    async (req) => {
      const c = cookieValue(req.headers.cookie, SESSION_COOKIE);
      if (!c || bearerOf(req)) throw fail('SESSION_EXPIRED', 'No console session: this request did not come with a session cookie.');
      return describe(req, (await deps.sessions.resolve(c, { unsafe: false, csrf: undefined })).csrf);
    },
  );

  app.delete(
    '/v1/console/session',
    {
      config: { access: { tenant: false }, audit: 'console.sign_out' },
      schema: { tags, summary: 'End the console session (sign out) and clear its cookie' },
    },
    async (req, reply) => {
      const c = cookieValue(req.headers.cookie, SESSION_COOKIE);
      const ended = c ? await deps.sessions.end(c) : null;
      // A token single sign-on made for this session ends with it.
      if (ended?.minted) await deps.tokens.revoke(ended.minted.tenant, ended.tokenId).catch(() => undefined);
      reply.header('set-cookie', cookie('', 0));
      return { signed_out: Boolean(ended) };
    },
  );
};
