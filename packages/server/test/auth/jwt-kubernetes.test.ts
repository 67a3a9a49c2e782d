// JWT/OIDC and Kubernetes logins through the HTTP layer on SQLite and PostgreSQL, against a local
// JWKS endpoint (GitHub Actions-shaped tokens signed with jose) and a local server speaking the
// Kubernetes TokenReview API (HTTP and HTTPS with its CA): bound audiences and claims, claim
// mappings, expired, forged and wrongly issued tokens, local key verification of service-account
// tokens, the reviewer token kept sealed, the egress policy, and no JWT in the audit trail or logs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { generateValue } from '../../src/rotation/generators/registry.js';
import { startIdentityFixtures, type IdentityFixtures } from '../support/identity-servers.js';

describe.each(backends())('JWT and Kubernetes logins on %s', (backend) => {
  let s: TestServer;
  let fx: IdentityFixtures;
  let ca: string;
  const logLines: string[] = [];
  const seen: string[] = [];
  const login = (method: 'jwt' | 'kubernetes', role: string, jwt: string, tenant = 'default') => {
    seen.push(jwt);
    return s.call('POST', `/v1/auth/${method}/login`, { token: '', tenant, body: { role, jwt } });
  };

  beforeAll(async () => {
    const cert = (await generateValue('tls_certificate', {
      common_name: 'localhost',
      sans: ['localhost', '127.0.0.1'],
      validity_days: 2,
    })) as Record<string, string>;
    ca = cert.certificate!;
    fx = await startIdentityFixtures({ tls: { cert: cert.certificate!, key: cert.private_key! } });
    s = await startTestServer(backend, { logLines, config: { logLevel: 'debug' } });
    await s.call('PUT', '/v1/secrets/ci/key', { body: { value: 'ci-value' } });
    expect((await s.call('POST', '/v1/auth/jwt/config', { body: { jwks_url: fx.jwksUrl, bound_issuer: fx.issuer } })).status).toBe(204);
    expect(
      (
        await s.call('POST', '/v1/auth/jwt/role/deploy', {
          body: {
            token_role: 'read',
            token_ttl: '5m',
            bound_audiences: ['https://github.com/acme'],
            bound_claims: { repository: 'acme/app', ref: ['refs/heads/main', 'refs/tags/v*'] },
            claim_mappings: { repository: 'repo', ref: 'ref', actor: 'actor' },
          },
        })
      ).status,
    ).toBe(204);
  });
  afterAll(async () => {
    await s?.close();
    await fx?.close();
  });

  it('JWT: a GitHub Actions token bound to repository and ref logs in; claims map to token metadata; the identity shows in tokens list', async () => {
    const r = await login('jwt', 'deploy', await fx.githubToken({ repository: 'acme/app', ref: 'refs/tags/v1.2.0' }));
    expect(r.status).toBe(200);
    expect(r.body.auth).toMatchObject({
      policies: ['read'],
      lease_duration: 300,
      metadata: { role: 'deploy', repo: 'acme/app', ref: 'refs/tags/v1.2.0', actor: 'octocat' },
    });
    expect((await s.call('GET', '/v1/secrets/ci/key', { token: r.body.auth.client_token })).body.value).toBe('ci-value');
    const t = (await s.call('GET', '/v1/tokens')).body.items.find((x: any) => x.id === r.body.auth.accessor);
    expect(t.identity).toMatchObject({ method: 'jwt', role: 'deploy', subject: 'repo:acme/app:ref:refs/tags/v1.2.0' });
  });

  it('JWT: wrong audience, an unbound ref and an unknown role read the same; expired, forged, wrongly issued and unsigned tokens are named', async () => {
    const norm = (b: any) => ({ code: b.error.code, message: b.error.message.replace(/"[^"]+" does not exist/, '"X" does not exist') });
    const unknown = await login('jwt', 'ghost', await fx.githubToken());
    const aud = await login('jwt', 'deploy', await fx.githubToken({}, { audience: 'https://github.com/other' }));
    const ref = await login('jwt', 'deploy', await fx.githubToken({ ref: 'refs/heads/feature' }));
    const repo = await login('jwt', 'deploy', await fx.githubToken({ repository: 'evil/app' }));
    for (const x of [unknown, aud, ref, repo]) expect(x.status).toBe(401);
    expect(norm(aud.body)).toEqual(norm(unknown.body));
    expect(norm(ref.body)).toEqual(norm(unknown.body));
    expect(norm(repo.body)).toEqual(norm(unknown.body));
    expect(unknown.body.error.code).toBe('AUTH_LOGIN_FAILED');

    expect((await login('jwt', 'deploy', await fx.githubToken({}, { expiresIn: -300 }))).body.error.code).toBe('AUTH_CREDENTIAL_EXPIRED');
    const forged = await login('jwt', 'deploy', await fx.githubToken({}, { sign: 'other' }));
    expect(forged.body.error).toMatchObject({ code: 'AUTH_JWT_INVALID', message: expect.stringContaining('signature') });
    const iss = await login('jwt', 'deploy', await fx.githubToken({}, { issuer: 'https://gitlab.example.com' }));
    expect(iss.body.error).toMatchObject({ code: 'AUTH_JWT_INVALID', message: expect.stringContaining('"iss"') });
    const hs = await new SignJWT({ repository: 'acme/app' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(fx.issuer)
      .setAudience('https://github.com/acme')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(32)));
    expect((await login('jwt', 'deploy', hs)).body.error).toMatchObject({
      code: 'AUTH_JWT_INVALID',
      message: expect.stringContaining('HS256'),
    });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    expect((await login('jwt', 'deploy', none)).body.error.code).toBe('AUTH_JWT_INVALID');
    expect((await login('jwt', 'deploy', 'not-a-jwt')).body.error.code).toBe('AUTH_JWT_INVALID');
    expect((await s.call('POST', '/v1/auth/jwt/login', { token: '', body: { role: 'deploy' } })).body.error.code).toBe('VALIDATION_FAILED');
  });

  it('JWT: static PEM keys, a tenant without the method, roles that bind nothing are refused', async () => {
    await s.call('POST', '/v1/tenants', { tenant: null, body: { id: 'pem-team' } });
    expect((await login('jwt', 'deploy', await fx.githubToken(), 'pem-team')).body.error.code).toBe('AUTH_METHOD_NOT_CONFIGURED');
    expect((await login('jwt', 'deploy', await fx.githubToken(), 'no-such-tenant')).body.error).toEqual({
      ...(await login('jwt', 'deploy', await fx.githubToken(), 'pem-team')).body.error,
      request_id: expect.any(String),
      message: expect.stringContaining('not configured'),
    });
    expect(
      (
        await s.call('POST', '/v1/auth/jwt/config', {
          tenant: 'pem-team',
          body: { jwt_validation_pubkeys: [fx.githubPublicPem], bound_issuer: fx.issuer },
        })
      ).status,
    ).toBe(204);
    expect(
      (await s.call('POST', '/v1/auth/jwt/role/any', { tenant: 'pem-team', body: { token_role: 'read' } })).body.error.message,
    ).toContain('must bind something');
    await s.call('POST', '/v1/auth/jwt/role/main', {
      tenant: 'pem-team',
      body: { token_role: 'read', bound_subject: 'repo:acme/app:ref:refs/heads/main' },
    });
    const r = await login('jwt', 'main', await fx.githubToken(), 'pem-team');
    expect(r.status).toBe(200);
    expect((await login('jwt', 'main', await fx.githubToken({}, { sign: 'other' }), 'pem-team')).body.error.code).toBe('AUTH_JWT_INVALID');
    expect(
      (await s.call('POST', '/v1/auth/jwt/config', { tenant: 'pem-team', body: { jwt_validation_pubkeys: ['not pem'] } })).status,
    ).toBe(400);
    expect(
      (
        await s.call('POST', '/v1/auth/jwt/config', {
          tenant: 'pem-team',
          body: { jwks_url: fx.jwksUrl, jwt_validation_pubkeys: [fx.githubPublicPem] },
        })
      ).status,
    ).toBe(400);
  });

  it('Kubernetes: TokenReview over HTTPS with the configured CA; bound namespace and name; the reviewer token is sealed and never read back', async () => {
    expect(
      (
        await s.call('POST', '/v1/auth/kubernetes/config', {
          body: { kubernetes_host: fx.kubernetesHttpsUrl, kubernetes_ca_cert: ca, token_reviewer_jwt: fx.reviewerJwt },
        })
      ).status,
    ).toBe(204);
    await s.call('POST', '/v1/auth/kubernetes/role/api', {
      body: {
        bound_service_account_names: ['api', 'worker-*'],
        bound_service_account_namespaces: ['payments'],
        token_role: 'read',
        token_ttl: 600,
      },
    });
    const ok = await login('kubernetes', 'api', fx.serviceAccountToken('payments', 'worker-2'));
    expect(ok.status).toBe(200);
    expect(ok.body.auth.metadata).toMatchObject({
      role: 'api',
      service_account_name: 'worker-2',
      service_account_namespace: 'payments',
      service_account_uid: 'uid-payments-worker-2',
    });
    const t = (await s.call('GET', '/v1/tokens')).body.items.find((x: any) => x.id === ok.body.auth.accessor);
    expect(t.identity).toMatchObject({ method: 'kubernetes', role: 'api', subject: 'payments/worker-2' });
    expect(fx.reviews.at(-1)).toMatchObject({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      authorization: `Bearer ${fx.reviewerJwt}`,
      contentType: 'application/json',
    });

    const unknown = await login('kubernetes', 'ghost', fx.serviceAccountToken('payments', 'api'));
    const ns = await login('kubernetes', 'api', fx.serviceAccountToken('default', 'api'));
    const name = await login('kubernetes', 'api', fx.serviceAccountToken('payments', 'admin'));
    const norm = (b: any) => b.error.message.replace(/"[^"]+" does not exist/, '"X" does not exist');
    expect(norm(ns.body)).toBe(norm(unknown.body));
    expect(norm(name.body)).toBe(norm(unknown.body));
    expect(unknown.body.error.code).toBe('AUTH_LOGIN_FAILED');
    expect((await login('kubernetes', 'api', fx.serviceAccountToken('payments', 'api', { expiresIn: -10 }))).body.error.code).toBe(
      'AUTH_JWT_INVALID',
    );

    const cfg = await s.call('GET', '/v1/auth/kubernetes/config');
    expect(cfg.body.data).toMatchObject({ kubernetes_host: fx.kubernetesHttpsUrl, token_reviewer_jwt_set: true });
    expect(JSON.stringify(cfg.body)).not.toContain(fx.reviewerJwt);
    if (backend === 'sqlite')
      expect(readFileSync(path.join(s.db.dataDir, 'keyhaven.db')).includes(Buffer.from(fx.reviewerJwt))).toBe(false);

    // Without the CA the TLS handshake fails; with a wrong reviewer token the API refuses the review.
    await s.call('POST', '/v1/auth/kubernetes/config', { body: { kubernetes_host: fx.kubernetesHttpsUrl } });
    expect((await login('kubernetes', 'api', fx.serviceAccountToken('payments', 'api'))).body.error.code).toBe('AUTH_TOKEN_REVIEW_FAILED');
    await s.call('POST', '/v1/auth/kubernetes/config', {
      body: { kubernetes_host: fx.kubernetesUrl, token_reviewer_jwt: 'wrong-reviewer' },
    });
    const refused = await login('kubernetes', 'api', fx.serviceAccountToken('payments', 'api'));
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: 'AUTH_TOKEN_REVIEW_FAILED', message: expect.stringContaining('401') });
  });

  it('Kubernetes: service-account tokens verified locally with the issuer\'s public key; roles refuse "*" for both bindings', async () => {
    await s.call('POST', '/v1/tenants', { tenant: null, body: { id: 'local-k8s' } });
    expect(
      (
        await s.call('POST', '/v1/auth/kubernetes/config', {
          tenant: 'local-k8s',
          body: { pem_keys: [fx.serviceAccountPublicPem], issuer: fx.serviceAccountIssuer },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await s.call('POST', '/v1/auth/kubernetes/role/all', {
          tenant: 'local-k8s',
          body: { bound_service_account_names: '*', bound_service_account_namespaces: '*', token_role: 'read' },
        })
      ).status,
    ).toBe(400);
    await s.call('POST', '/v1/auth/kubernetes/role/api', {
      tenant: 'local-k8s',
      body: { bound_service_account_names: 'api', bound_service_account_namespaces: '*', token_role: 'read', audience: 'keyhaven' },
    });
    const before = fx.reviews.length;
    const ok = await login('kubernetes', 'api', fx.serviceAccountToken('shop', 'api', { audience: ['keyhaven'] }), 'local-k8s');
    expect(ok.status).toBe(200);
    expect(fx.reviews.length).toBe(before); // no TokenReview call
    expect((await login('kubernetes', 'api', fx.serviceAccountToken('shop', 'api'), 'local-k8s')).body.error.code).toBe(
      'AUTH_LOGIN_FAILED',
    ); // wrong audience
    const { generateKeyPairSync } = await import('node:crypto');
    const forged = fx.serviceAccountToken('shop', 'api', {
      audience: ['keyhaven'],
      key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    });
    expect((await login('kubernetes', 'api', forged, 'local-k8s')).body.error.code).toBe('AUTH_JWT_INVALID');
  });

  it('no JWT reaches the audit trail or the logs; logins are audited with their identity', async () => {
    const all = JSON.stringify((await s.call('GET', '/v1/sys/audit/events?limit=1000', { tenant: null })).body);
    for (const jwt of seen) expect(all.includes(jwt.split('.')[2] || jwt)).toBe(false);
    expect(all).not.toContain(fx.reviewerJwt);
    const logs = logLines.join('\n');
    for (const jwt of seen) expect(logs.includes(jwt)).toBe(false);
    const events = (await s.call('GET', '/v1/sys/audit/events?limit=1000&action=auth.kubernetes.login', { tenant: null })).body
      .items as any[];
    expect(events.some((e) => e.outcome === 'success' && e.details?.identity === 'payments/worker-2')).toBe(true);
    expect(events.some((e) => e.outcome === 'denied' && e.error_code === 'AUTH_LOGIN_FAILED')).toBe(true);
  });
});

describe('the egress policy applies to login destinations', () => {
  it('a loopback kubernetes_host or jwks_url is refused under the default policy', async () => {
    const s = await startTestServer('sqlite', { config: { egress: {} } });
    try {
      const k = await s.call('POST', '/v1/auth/kubernetes/config', { body: { kubernetes_host: 'http://127.0.0.1:6443' } });
      expect(k.body.error.code).toBe('EGRESS_FORBIDDEN');
      const j = await s.call('POST', '/v1/auth/jwt/config', { body: { jwks_url: 'http://169.254.169.254/jwks' } });
      expect(j.body.error.code).toBe('EGRESS_FORBIDDEN');
    } finally {
      await s.close();
    }
  });
});
