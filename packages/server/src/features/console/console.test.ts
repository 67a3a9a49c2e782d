// Console sessions and static files through the HTTP layer: the cookie's attributes (Secure under
// TLS), idle and absolute expiry on a controlled clock, the CSRF header and Origin check on changes,
// sign-out, a revoked token ending its sessions, the token never in the audit trail; and the static
// console: CSP, caching, SPA fallback, a clear 404 when it was not built. Sessions are database rows,
// the same on every backend: SQLite here; across replicas and restarts: test/storage/console-sessions-shared.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { CSRF_HEADER, SESSION_COOKIE } from './console-sessions.js';

const fakeConsole = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyhaven-console-dist-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="/ui/assets/app-abc123.js"></script>');
  writeFileSync(path.join(dir, 'assets', 'app-abc123.js'), `console.log(${JSON.stringify('x'.repeat(2000))});`);
  return dir;
};

describe('console sessions', () => {
  let t = Date.parse('2026-06-01T00:00:00Z');
  const clock = { now: () => new Date(t) };
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', {
      clock,
      config: { console: { dir: fakeConsole(), sessionIdleSeconds: 600, sessionMaxSeconds: 3600 } },
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  /** Signs in with a token (root by default); the session cookie and the CSRF token. */
  const signIn = async (token = s.rootToken) => {
    const r = await s.call('POST', '/v1/console/session', { token, tenant: null });
    expect(r.status).toBe(201);
    const setCookie = String(r.headers['set-cookie']);
    const cookie = /^kh_session=([A-Za-z0-9_-]{43});/.exec(setCookie)![1]!;
    return { cookie: `${SESSION_COOKIE}=${cookie}`, csrf: r.body.csrf_token as string, setCookie, body: r.body };
  };
  const withCookie = (
    method: string,
    url: string,
    session: { cookie: string },
    o: { csrf?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    s.call(method, url, {
      token: null,
      body: o.body,
      headers: { cookie: session.cookie, ...(o.csrf ? { [CSRF_HEADER]: o.csrf } : {}), ...o.headers },
    });

  it('exchanges a token for an HttpOnly, SameSite=Strict cookie and a CSRF token', async () => {
    const a = await signIn();
    expect(a.setCookie).toMatch(/; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600$/);
    expect(a.setCookie).not.toContain('Secure'); // plain HTTP here; see the TLS test below
    expect(a.setCookie).not.toContain(s.rootToken);
    expect(a.body).toMatchObject({ idle_seconds: 600, token: { name: 'root', is_root: true } });
    expect(JSON.stringify(a.body)).not.toContain(s.rootToken);
    const again = await withCookie('GET', '/v1/console/session', a);
    expect(again.status).toBe(200);
    expect(again.body.csrf_token).toBe(a.csrf);
  });

  it('refuses to start a session without a token, or from a bad one', async () => {
    expect((await s.call('POST', '/v1/console/session', { token: null, tenant: null })).body.error.code).toBe('UNAUTHENTICATED');
    expect((await s.call('POST', '/v1/console/session', { token: 'khv_nope', tenant: null })).body.error.code).toBe('UNAUTHENTICATED');
    const a = await signIn();
    // A session does not mint another session: the token has to be presented.
    expect((await withCookie('POST', '/v1/console/session', a, { csrf: a.csrf })).body.error.code).toBe('UNAUTHENTICATED');
  });

  it('reads with the cookie; changes need the CSRF token and no foreign Origin', async () => {
    const a = await signIn();
    expect((await withCookie('GET', '/v1/secrets', a)).status).toBe(200);
    const create = { name: 'console/one', value: 'v1-value' };
    const noHeader = await withCookie('POST', '/v1/secrets', a, { body: create });
    expect(noHeader.status).toBe(403);
    expect(noHeader.body.error.code).toBe('CSRF_CHECK_FAILED');
    expect((await withCookie('POST', '/v1/secrets', a, { body: create, csrf: 'x'.repeat(43) })).body.error.code).toBe('CSRF_CHECK_FAILED');
    const foreign = await withCookie('POST', '/v1/secrets', a, { body: create, csrf: a.csrf, headers: { origin: 'https://evil.example' } });
    expect(foreign.body.error.code).toBe('CSRF_CHECK_FAILED');
    expect((await s.call('GET', '/v1/secrets/console/one:describe')).status).toBe(404);
    const ok = await withCookie('POST', '/v1/secrets', a, { body: create, csrf: a.csrf, headers: { origin: 'http://localhost:80' } });
    expect(ok.status).toBe(201);
    // The refused attempts are in the audit trail as denied (unauthenticated, so among the system's
    // events, like failed sign-ins); the token is nowhere in it.
    const events = (await s.call('GET', '/v1/sys/audit/events?action=secret.create&outcome=denied', { tenant: null })).body.items;
    expect(events.filter((e: { error_code: string }) => e.error_code === 'CSRF_CHECK_FAILED').length).toBeGreaterThanOrEqual(3);
    const all = await s.call('GET', '/v1/sys/audit/export', { tenant: null });
    expect(all.text).toContain('console.sign_in');
    expect(all.text).not.toContain(s.rootToken);
    expect(all.text).not.toContain(a.cookie.split('=')[1]);
  });

  it('ends after the idle time, and after the absolute time however busy', async () => {
    const a = await signIn();
    t += 590_000;
    expect((await withCookie('GET', '/v1/secrets', a)).status).toBe(200); // used: idle time starts again
    t += 590_000;
    expect((await withCookie('GET', '/v1/secrets', a)).status).toBe(200);
    t += 601_000;
    const idle = await withCookie('GET', '/v1/secrets', a);
    expect(idle.status).toBe(401);
    expect(idle.body.error.code).toBe('SESSION_EXPIRED');

    const b = await signIn();
    for (let i = 0; i < 7; i++) {
      t += 500_000;
      expect((await withCookie('GET', '/v1/secrets', b)).status).toBe(200);
    }
    t += 200_000; // 3,700 s after sign-in, never idle for long
    expect((await withCookie('GET', '/v1/secrets', b)).body.error.code).toBe('SESSION_EXPIRED');
  });

  it('signs out, and a revoked token ends its sessions', async () => {
    const a = await signIn();
    const out = await withCookie('DELETE', '/v1/console/session', a, { csrf: a.csrf });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ signed_out: true });
    expect(String(out.headers['set-cookie'])).toMatch(/^kh_session=; .*Max-Age=0/);
    expect((await withCookie('GET', '/v1/secrets', a)).body.error.code).toBe('SESSION_EXPIRED');

    const created = await s.call('POST', '/v1/tokens', { body: { name: 'person', role: 'read' } });
    expect(created.status).toBe(201);
    const b = await signIn(created.body.token);
    expect((await withCookie('GET', '/v1/secrets', b)).status).toBe(200);
    expect((await s.call('DELETE', `/v1/tokens/${created.body.id}`)).status).toBe(200);
    expect((await withCookie('GET', '/v1/secrets', b)).body.error.code).toBe('TOKEN_REVOKED');
  });

  it('lets a token in the Authorization header win over a cookie', async () => {
    const a = await signIn();
    const r = await s.call('POST', '/v1/secrets', { body: { name: 'console/two', value: 'v' }, headers: { cookie: a.cookie } });
    expect(r.status).toBe(201); // bearer-authenticated: no CSRF token needed
  });

  it('serves the console with a strict CSP, caching and an SPA fallback', async () => {
    const root = await s.call('GET', '/', { token: null, tenant: null });
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/ui/');
    const page = await s.call('GET', '/ui/secret/app/db', { token: null, tenant: null });
    expect(page.status).toBe(200);
    expect(page.text).toContain('/ui/assets/app-abc123.js');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await s.app.http.inject({ method: 'GET', url: '/ui/assets/app-abc123.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-encoding']).toBe('gzip');
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
    const cached = await s.app.http.inject({
      method: 'GET',
      url: '/ui/assets/app-abc123.js',
      headers: { 'if-none-match': String(asset.headers.etag) },
    });
    expect(cached.statusCode).toBe(304);
    const missing = await s.call('GET', '/ui/assets/other.js', { token: null, tenant: null });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('ROUTE_NOT_FOUND');
  });
});

describe('console without a build, over TLS', () => {
  let s: TestServer;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keyhaven-console-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    s = await startTestServer('sqlite', {
      config: {
        tls: { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') },
        console: { dir: path.join(dir, 'no-console-here') },
      },
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('marks the session cookie Secure', async () => {
    const r = await s.call('POST', '/v1/console/session', { tenant: null });
    expect(String(r.headers['set-cookie'])).toMatch(/; Secure$/);
  });

  it('says how to build the console when it is missing', async () => {
    expect(s.app.consolePath).toBeNull();
    const r = await s.call('GET', '/ui/', { token: null, tenant: null });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toContain('npm run build');
  });
});
