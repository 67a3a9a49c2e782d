// Single sign-on for the console through an OpenID Connect provider: the authorization code flow
// with PKCE, state bound to the browser by a short-lived cookie, and a verified ID token (signature
// from the provider's JWKS, issuer, audience, expiry, nonce). The person's claims pick a tenant and
// role (console.oidc.roles); a personal token with that grant is made for the session, lives no
// longer than it and is revoked at sign-out. Sign-ins and refusals are audited.
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { App, Request } from '../../http/pipeline-types.js';
import type { AuditBroker } from '../../audit/broker.js';
import type { Clock } from '../../lib/clock.js';
import { fail, KeyhavenError } from '../../lib/errors.js';
import type { KeyhavenConfig } from '../../config/config-schema.js';
import type { TokenService, RoleName } from '../tokens/token-service.js';
import { cookieValue, SESSION_COOKIE, type ConsoleSessions } from './console-sessions.js';

type OidcSettings = NonNullable<KeyhavenConfig['console']['oidc']>;
const FLOW_COOKIE = 'kh_oidc';
const FLOW_SECONDS = 600;
const tags = ['console'];

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}
interface Flow {
  binding: string;
  verifier: string;
  nonce: string;
  started: number;
}

const b64url = (b: Buffer) => b.toString('base64url');
const random = () => b64url(randomBytes(32));

/** The first rule whose claim equals the value, or is a list holding it. */
export const matchRole = (claims: JWTPayload, rules: OidcSettings['roles']) =>
  rules.find((r) => {
    const v = claims[r.claim];
    return Array.isArray(v) ? v.includes(r.value) : v === r.value;
  }) ?? null;

export const consoleOidcRoutes =
  (deps: {
    settings: OidcSettings | undefined;
    sessions: ConsoleSessions;
    tokens: TokenService;
    broker: AuditBroker;
    clock: Clock;
    secureCookie: boolean;
  }) =>
  (app: App) => {
    const public_ = { access: { public: true as const } };
    const oidc = deps.settings;
    const flows = new Map<string, Flow>();
    let discovery: Promise<Discovery> | null = null;
    let jwks: ReturnType<typeof createRemoteJWKSet> | null = null;

    const discover = () => {
      discovery ??= (async () => {
        const url = `${oidc!.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        if (!res.ok) throw new Error(`discovery answered ${res.status}`);
        const d = (await res.json()) as Discovery;
        if (d.issuer !== oidc!.issuer) throw new Error('the discovery document names another issuer');
        jwks = createRemoteJWKSet(new URL(d.jwks_uri));
        return d;
      })().catch((e) => {
        discovery = null;
        throw e;
      });
      return discovery;
    };
    const flowCookie = (value: string, maxAge: number) =>
      // Lax, not Strict: the provider's redirect back is a cross-site navigation that must carry it.
      `${FLOW_COOKIE}=${value}; Path=/v1/console/oidc; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${deps.secureCookie ? '; Secure' : ''}`;
    const audit = (
      req: Request,
      outcome: 'success' | 'denied',
      o: { code?: string; tenant?: string; tokenId?: string; name?: string; subject?: string },
    ) =>
      deps.broker.record({
        time: deps.clock.now().toISOString(),
        tenant: o.tenant ?? '',
        actor_id: o.tokenId ?? null,
        actor_name: o.name ?? null,
        actor_kind: o.tokenId ? 'personal' : 'anonymous',
        action: 'console.oidc_sign_in',
        resource: null,
        outcome,
        status: outcome === 'success' ? 302 : 401,
        error_code: o.code ?? null,
        source_ip: req.ip ?? null,
        user_agent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 256) : null,
        request_id: req.id,
        version: null,
        value_hmac: null,
        details: o.subject ? { subject: o.subject.slice(0, 256) } : null,
      });

    app.get(
      '/v1/console/oidc',
      { config: public_, schema: { tags, summary: 'Whether the console offers single sign-on (OpenID Connect)' } },
      async () => ({ enabled: Boolean(oidc) }),
    );

    app.get(
      '/v1/console/oidc/login',
      { config: public_, schema: { tags, summary: 'Start single sign-on: redirects to the OpenID provider' } },
      async (_req, reply) => {
        if (!oidc) throw fail('OIDC_NOT_CONFIGURED');
        let d: Discovery;
        try {
          d = await discover();
        } catch (e) {
          throw fail(
            'OIDC_SIGN_IN_FAILED',
            `The identity provider ${oidc.issuer} could not be reached or described itself wrongly (${(e as Error).message.slice(0, 120)}); try again later.`,
          );
        }
        const now = deps.clock.now().getTime();
        for (const [k, f] of flows) if (now - f.started > FLOW_SECONDS * 1000) flows.delete(k);
        if (flows.size > 10_000) flows.clear();
        const state = random();
        const flow: Flow = { binding: random(), verifier: random(), nonce: random(), started: now };
        flows.set(state, flow);
        const url = new URL(d.authorization_endpoint);
        url.search = new URLSearchParams({
          response_type: 'code',
          client_id: oidc.clientId,
          redirect_uri: oidc.redirectUrl,
          scope: oidc.scopes.join(' '),
          state,
          nonce: flow.nonce,
          code_challenge: b64url(createHash('sha256').update(flow.verifier).digest()),
          code_challenge_method: 'S256',
        }).toString();
        reply.header('set-cookie', flowCookie(flow.binding, FLOW_SECONDS));
        return reply.redirect(url.toString(), 302);
      },
    );

    app.get(
      '/v1/console/oidc/callback',
      { config: public_, schema: { tags, summary: 'Where the OpenID provider sends people back; starts a console session' } },
      async (req, reply) => {
        if (!oidc) throw fail('OIDC_NOT_CONFIGURED');
        const q = req.query as Record<string, string | undefined>;
        const back = (code: string) => reply.header('set-cookie', flowCookie('', 0)).redirect(`/ui/sign-in?sso_error=${code}`, 302);
        let subject: string | undefined;
        try {
          const flow = typeof q.state === 'string' ? flows.get(q.state) : undefined;
          if (flow) flows.delete(q.state!);
          const binding = cookieValue(req.headers.cookie, FLOW_COOKIE);
          if (!flow || !binding || binding !== flow.binding || deps.clock.now().getTime() - flow.started > FLOW_SECONDS * 1000)
            throw fail('OIDC_SIGN_IN_FAILED', 'unknown, expired or foreign state');
          if (typeof q.error === 'string') throw fail('OIDC_SIGN_IN_FAILED', `the provider answered ${q.error.slice(0, 64)}`);
          if (typeof q.code !== 'string' || q.code.length > 2048) throw fail('OIDC_SIGN_IN_FAILED', 'no code');
          const d = await discover();
          const body = new URLSearchParams({
            grant_type: 'authorization_code',
            code: q.code,
            redirect_uri: oidc.redirectUrl,
            code_verifier: flow.verifier,
            client_id: oidc.clientId,
          });
          const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
          if (oidc.clientSecret)
            headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(oidc.clientId)}:${encodeURIComponent(oidc.clientSecret)}`).toString('base64')}`;
          const res = await fetch(d.token_endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
          const tokenAnswer = (await res.json().catch(() => ({}))) as { id_token?: string };
          if (!res.ok || typeof tokenAnswer.id_token !== 'string')
            throw fail('OIDC_SIGN_IN_FAILED', `the token endpoint answered ${res.status}`);
          const { payload } = await jwtVerify(tokenAnswer.id_token, jwks!, {
            issuer: d.issuer,
            audience: oidc.clientId,
            currentDate: deps.clock.now(),
          });
          if (payload.nonce !== flow.nonce) throw fail('OIDC_SIGN_IN_FAILED', 'nonce mismatch');
          subject = String(payload.sub ?? '');
          const rule = matchRole(payload, oidc.roles);
          if (!rule) throw fail('OIDC_NO_ROLE');
          const who = String(payload[oidc.nameClaim] ?? payload.sub ?? 'unknown').slice(0, 100);
          const made = await deps.tokens.create({
            name: `sso:${who}`,
            kind: 'personal',
            tenant: rule.tenant,
            role: rule.role as RoleName,
            ttlSeconds: deps.sessions.settings.maxSeconds,
            createdBy: null,
          });
          const s = await deps.sessions.create(made.token, made.id, { tenant: rule.tenant });
          await audit(req, 'success', { tenant: rule.tenant, tokenId: made.id, name: made.name, subject });
          reply.header('set-cookie', [
            flowCookie('', 0),
            `${SESSION_COOKIE}=${s.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${deps.sessions.settings.maxSeconds}${deps.secureCookie ? '; Secure' : ''}`,
          ]);
          return reply.redirect('/ui/secrets', 302);
        } catch (e) {
          const code = e instanceof KeyhavenError && e.code === 'OIDC_NO_ROLE' ? 'OIDC_NO_ROLE' : 'OIDC_SIGN_IN_FAILED';
          req.log.warn({ reason: (e as Error).message?.slice(0, 200), code }, 'a single sign-on attempt was refused');
          await audit(req, 'denied', { code, subject });
          return back(code);
        }
      },
    );
  };
