// A real OpenID provider on 127.0.0.1 (the `oidc-provider` package with its development login and
// consent pages) and a person's way through it without a browser: the authorization redirect
// followed by hand with a cookie jar, the login and consent forms posted as a browser posts them,
// until the provider sends the person back to the client's redirect URI with a code.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OidcProviderFixture {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Signs `login` in at the provider from Keyhaven's authorization redirect; returns the URL the
   *  provider sends the browser back to (the redirect URI with `code` and `state`). */
  signIn(authorizationUrl: string, login: string): Promise<URL>;
  close(): Promise<void>;
}

/** `groups`: each login's groups claim (a login not listed has none). */
export const startOidcProvider = async (o: { redirectUri: string; groups: Record<string, string[]> }): Promise<OidcProviderFixture> => {
  const { default: Provider } = await import('oidc-provider');
  let server: Server | undefined;
  const port = await new Promise<number>((resolve) => {
    server = createServer().listen(0, '127.0.0.1', () => resolve((server!.address() as AddressInfo).port));
  });
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'keyhaven-console';
  const clientSecret = 'console-client-secret';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [o.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email'], groups: ['groups'] },
    scopes: ['openid', 'email', 'groups'],
    conformIdTokenClaims: false, // the claims in the ID token, where Keyhaven reads them
    pkce: { required: () => true },
    cookies: { keys: ['a-test-only-cookie-key'] },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: `${id}@example.org`, groups: o.groups[id] ?? [] }),
    }),
  });
  server!.on('request', provider.callback());

  const signIn = async (authorizationUrl: string, login: string): Promise<URL> => {
    const jar = new Map<string, string>();
    const send = async (url: URL, init: RequestInit = {}) => {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), ...(cookie ? { cookie } : {}) } });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const at = pair!.indexOf('=');
        const [name, value] = [pair!.slice(0, at), pair!.slice(at + 1)];
        if (value && !/max-age=0|expires=thu, 01 jan 1970/i.test(c)) jar.set(name, value);
        else jar.delete(name);
      }
      return res;
    };
    let url = new URL(authorizationUrl);
    for (let step = 0; step < 12; step++) {
      const res = await send(url);
      const location = res.headers.get('location');
      if (location) {
        await res.arrayBuffer();
        const next = new URL(location, url);
        if (next.href.startsWith(o.redirectUri)) return next;
        url = next;
        continue;
      }
      // An interaction page: the login form, then the consent form, posted as a browser would.
      const html = await res.text();
      if (res.status !== 200) throw new Error(`the provider answered ${res.status} at ${url.pathname}: ${html.slice(0, 200)}`);
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="([a-z]+)"/.exec(html)?.[1];
      if (!action || !prompt) throw new Error(`no form at ${url.pathname}`);
      const form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any-password' } : { prompt });
      const posted = await send(new URL(action, url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      const back = posted.headers.get('location');
      await posted.arrayBuffer();
      if (!back) throw new Error(`the ${prompt} form was answered ${posted.status}`);
      url = new URL(back, url);
    }
    throw new Error('the provider never sent the person back');
  };

  return {
    issuer,
    clientId,
    clientSecret,
    signIn,
    close: () => new Promise((r) => server!.close(() => r())),
  };
};
