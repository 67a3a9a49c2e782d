// The SDK's machine-identity logins against a started server: loginClient with AppRole, Kubernetes
// and JWT credentials answers a client holding the token; renew() and keepRenewed() extend it up to
// the max TTL; logout() revokes it; a refused login is a typed KeyhavenApiError with its code.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, loginClient, KeyhavenApiError } from '@keyhaven/sdk';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../src/start-server.js';
import { startIdentityFixtures, type IdentityFixtures } from '../support/identity-servers.js';

describe('SDK logins', () => {
  let db: TestDatabase;
  let running: RunningServer;
  let fx: IdentityFixtures;
  let admin: ReturnType<typeof createClient>;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    running = await startServer(
      loadConfig({
        env: {},
        flags: {
          listen: '127.0.0.1:0',
          dataDir: db.dataDir,
          databaseUrl: db.url,
          masterKey: randomBytes(32).toString('base64'),
          logLevel: 'silent',
          egress: { allowLoopback: true },
        },
      }),
      { print: () => {} },
    );
    fx = await startIdentityFixtures();
    admin = createClient({ addr: running.url, token: running.rootToken!, tenant: 'default' });
    await admin.secrets.set('sdk/key', 'sdk-value');
  });
  afterAll(async () => {
    await running?.close();
    await db?.drop();
    await fx?.close();
  });

  it('AppRole: administers the role, logs in, reads, renews, keeps renewing and logs out', async () => {
    await admin.auth.approle.roles.put('svc', { token_role: 'read', token_ttl: 3, token_max_ttl: 60 });
    expect(await admin.auth.approle.roles.list()).toEqual(['svc']);
    const roleId = await admin.auth.approle.roleId('svc');
    const sid = await admin.auth.approle.issueSecretId('svc', { metadata: { app: 'billing' } });
    expect((await admin.auth.approle.listSecretIds('svc')).map((s) => s.secret_id_accessor)).toEqual([sid.secret_id_accessor]);
    const li = await loginClient({ method: 'approle', roleId, secretId: sid.secret_id }, { addr: running.url, tenant: 'default' });
    expect(li.auth).toMatchObject({ policies: ['read'], lease_duration: 3, renewable: true, metadata: { app: 'billing', role: 'svc' } });
    expect((await li.client.secrets.get('sdk/key')).value).toBe('sdk-value');
    expect(await li.renew()).toBe(3);
    // keepRenewed renews at two thirds of the lease (here every 2 s): after 4.5 s the token still works.
    const keeper = li.keepRenewed();
    await new Promise((r) => setTimeout(r, 4500));
    expect((await li.client.secrets.get('sdk/key')).value).toBe('sdk-value');
    keeper.stop();
    await li.logout();
    const after = await li.client.secrets.get('sdk/key').catch((e) => e);
    expect(after).toBeInstanceOf(KeyhavenApiError);
    expect(after.code).toBe('TOKEN_REVOKED');
    await admin.auth.approle.destroySecretId('svc', sid.secret_id_accessor);
    expect(await admin.auth.approle.listSecretIds('svc')).toEqual([]);
  }, 20_000);

  it('Kubernetes and JWT credentials; a refused login is a typed error', async () => {
    await admin.auth.kubernetes.config.put({ kubernetes_host: fx.kubernetesUrl, token_reviewer_jwt: fx.reviewerJwt });
    await admin.auth.kubernetes.roles.put('pods', {
      bound_service_account_names: ['app'],
      bound_service_account_namespaces: ['prod'],
      token_role: 'read',
    });
    const k = await loginClient({ method: 'kubernetes', role: 'pods', jwt: fx.serviceAccountToken('prod', 'app') }, { addr: running.url });
    expect((await k.client.tokens.self()).identity).toMatchObject({ method: 'kubernetes', subject: 'prod/app' });
    await admin.auth.jwt.config.put({ jwks_url: fx.jwksUrl, bound_issuer: fx.issuer });
    await admin.auth.jwt.roles.put('ci', { bound_claims: { repository: 'acme/*' }, token_role: 'read' });
    expect((await admin.auth.jwt.roles.get('ci')).bound_claims).toEqual({ repository: 'acme/*' });
    const j = await loginClient(
      { method: 'oidc', role: 'ci', jwt: await fx.githubToken({ repository: 'acme/web' }) },
      { addr: running.url },
    );
    expect((await j.client.secrets.get('sdk/key')).value).toBe('sdk-value');
    const refused = await loginClient(
      { method: 'jwt', role: 'ci', jwt: await fx.githubToken({ repository: 'other/web' }) },
      { addr: running.url },
    ).catch((e) => e);
    expect(refused).toBeInstanceOf(KeyhavenApiError);
    expect(refused).toMatchObject({ code: 'AUTH_LOGIN_FAILED', status: 401 });
  });
});
