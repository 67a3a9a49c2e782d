// Single sign-on for people in a real browser: a local OpenID provider (the `oidc-provider`
// package, with its development login and consent pages) and the BUILT server binary configured
// with console.oidc; Chromium signs in through the provider and lands in the console with the role
// the person's group maps to; a person without a mapped group is refused with a clear message; a
// forged callback is refused; sign-out revokes the token made for the session. On the shared harness
// (test/console/browser-harness.ts): every browser request off 127.0.0.1 is aborted (the provider's
// pages link a web font). Skipped without /usr/bin/chromium.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, startHarness, type Harness } from './browser-harness.js';
import { startOidcProvider, type OidcProviderFixture } from '../../packages/server/test/support/oidc-provider.js';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net
      .createServer()
      .listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      })
      .on('error', reject);
  });

describe.skipIf(!haveChromium)('console single sign-on (OpenID Connect) in Chromium', () => {
  let idp: OidcProviderFixture;
  let h: Harness;

  const api = async (method: string, url: string) => ({ body: await h.api(method, url) });
  const signInAtProvider = async (login: string) => {
    await h.freshContext(); // no cookies at Keyhaven or at the provider
    const { page } = h;
    page.setDefaultTimeout(15_000);
    await page.goto(`${h.server.url}/ui/sign-in`);
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any-password');
    await page.locator('button[type="submit"]').click();
    await page.getByRole('button', { name: 'Continue' }).click(); // consent
  };

  beforeAll(async () => {
    const port = await freePort();
    const callback = `http://127.0.0.1:${port}/v1/console/oidc/callback`;
    idp = await startOidcProvider({ redirectUri: callback, groups: { alice: ['kh-admins', 'staff'], bob: ['staff'] } });
    const { issuer } = idp;

    h = await startHarness(
      {
        console: {
          oidc: {
            issuer,
            clientId: idp.clientId,
            clientSecret: idp.clientSecret,
            redirectUrl: callback,
            scopes: ['openid', 'email', 'groups'],
            roles: [{ claim: 'groups', value: 'kh-admins', tenant: 'default', role: 'admin' }],
          },
        },
      },
      { serverArgs: ['--listen', `127.0.0.1:${port}`] },
    );
  }, 90_000);

  afterAll(async () => {
    await h?.close();
    await idp?.close();
  });

  it('signs a person in through the provider with the role their group maps to, and revokes that token at sign-out', async () => {
    await signInAtProvider('alice');
    const { page, context } = h;
    await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/ui/secrets');
    await page.getByText('sso:alice@example.org · admin').waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === 'kh_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    const tokens = (await api('GET', '/v1/tokens')).body.items as Array<{
      id: string;
      name: string;
      kind: string;
      role: string;
      expires_at: string | null;
      revoked_at: string | null;
    }>;
    const made = tokens.find((t) => t.name === 'sso:alice@example.org')!;
    expect(made).toMatchObject({ kind: 'personal', role: 'admin', revoked_at: null });
    expect(made.expires_at).not.toBeNull();
    const events = (await api('GET', '/v1/audit/events?action=console.oidc_sign_in')).body.items;
    expect(events[0]).toMatchObject({ outcome: 'success', actor_id: made.id, actor_name: 'sso:alice@example.org' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Keyhaven' }).waitFor();
    const after = (await api('GET', '/v1/tokens')).body.items.find((t: { id: string }) => t.id === made.id);
    expect(after.revoked_at).not.toBeNull();
  });

  it('refuses a person whose groups map to no role, saying so', async () => {
    await signInAtProvider('bob');
    const { page, context } = h;
    await page.getByRole('alert').filter({ hasText: 'no rule gives you a role' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    expect((await context.cookies()).find((c) => c.name === 'kh_session')).toBeUndefined();
    const all = await fetch(`${h.server.url}/v1/sys/audit/events?action=console.oidc_sign_in&outcome=denied`, {
      headers: { authorization: `Bearer ${h.server.rootToken}` },
    });
    expect((await all.json()).items[0]).toMatchObject({ error_code: 'OIDC_NO_ROLE', details: { subject: 'bob' } });
  });

  it('refuses a callback with a state it did not issue', async () => {
    const res = await fetch(`${h.server.url}/v1/console/oidc/callback?code=stolen&state=forged`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/ui/sign-in?sso_error=OIDC_SIGN_IN_FAILED');
    expect(res.headers.get('set-cookie') ?? '').not.toContain('kh_session=');
  });

  it('kept the browser on this machine', () => {
    // The provider's development pages link a web font off the machine: the route guard aborted it.
    expect(h.offMachine.some((u) => u.startsWith('https://fonts.googleapis.com/'))).toBe(true);
    expect(h.offMachine.every((u) => !/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u))).toBe(true);
  });
});
