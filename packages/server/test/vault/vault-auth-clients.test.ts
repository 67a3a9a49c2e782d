// Machine-identity logins driven by real Vault clients against a started Keyhaven server, on SQLite
// and PostgreSQL: hvac (Debian's python3-hvac, in a subprocess) administers AppRole and logs in with
// AppRole, Kubernetes and JWT; node-vault logs in with approleLogin and kubernetesLogin.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { backends, createTestDatabase, type BackendName } from '../support/backends.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer } from '../../src/start-server.js';
import { hvacPython, rawExchange, rawRequest, type VaultServer } from './support.js';
import { startIdentityFixtures, type IdentityFixtures } from '../support/identity-servers.js';

const require = createRequire(import.meta.url);
const nodeVault = require('node-vault') as (o: Record<string, unknown>) => any;
const SCENARIO = fileURLToPath(new URL('./hvac-auth-scenario.py', import.meta.url));

/** A listening server like support.ts's, with loopback egress allowed: the fake cluster and JWKS
 *  listen on 127.0.0.1, which the default egress policy refuses (EGRESS_FORBIDDEN). */
const startVaultServer = async (backend: BackendName): Promise<VaultServer> => {
  const db = await createTestDatabase(backend);
  const config = loadConfig({
    env: {},
    flags: {
      listen: '127.0.0.1:0',
      dataDir: db.dataDir,
      databaseUrl: db.url,
      masterKey: randomBytes(32).toString('base64'),
      logLevel: 'silent',
      egress: { allowLoopback: true },
      vaultCompat: { enabled: true, mounts: { secret: 'default' } },
    },
  });
  const running = await startServer(config, { print: () => {} });
  return {
    url: running.url,
    port: Number(new URL(running.url).port),
    rootToken: running.rootToken!,
    running,
    db,
    async close() {
      await running.close();
      await db.drop();
    },
  };
};

describe.each(backends())('Vault clients log in to Keyhaven on %s', (backend) => {
  let s: VaultServer;
  let fx: IdentityFixtures;
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${s.url}/v1/${path}`, {
      method,
      headers: { 'x-vault-token': s.rootToken, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  beforeAll(async () => {
    s = await startVaultServer(backend);
    fx = await startIdentityFixtures();
    expect(
      (await admin('POST', 'auth/kubernetes/config', { kubernetes_host: fx.kubernetesUrl, token_reviewer_jwt: fx.reviewerJwt })).status,
    ).toBe(204);
    expect(
      (
        await admin('POST', 'auth/kubernetes/role/pods', {
          bound_service_account_names: ['app'],
          bound_service_account_namespaces: ['prod'],
          token_policies: 'read',
        })
      ).status,
    ).toBe(204);
    expect((await admin('POST', 'auth/jwt/config', { jwks_url: fx.jwksUrl, bound_issuer: fx.issuer })).status).toBe(204);
    expect(
      (
        await admin('POST', 'auth/jwt/role/gha', {
          bound_audiences: ['https://github.com/acme'],
          bound_claims: { repository: 'acme/app', ref: 'refs/heads/main' },
          claim_mappings: { repository: 'repo', workflow: 'workflow' },
          token_policies: ['read'],
          user_claim: 'sub',
        })
      ).status,
    ).toBe(204);
  });
  afterAll(async () => {
    await s?.close();
    await fx?.close();
  });

  it.skipIf(!hvacPython)('hvac: AppRole admin and login, renew-self, revoke-self, Kubernetes and JWT logins', async () => {
    const saJwt = fx.serviceAccountToken('prod', 'app');
    const ciJwt = await fx.githubToken({ repository: 'acme/app', ref: 'refs/heads/main' });
    const { stdout } = await promisify(execFile)(hvacPython!, [SCENARIO, s.url, s.rootToken, saJwt, ciJwt], { timeout: 60_000 });
    const r = JSON.parse(stdout);
    expect(r.create_role).toEqual({ ok: 204 });
    expect(r.read_role.ok).toEqual(['read']);
    expect(r.role_id.ok).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.secret_id.ok).toEqual(expect.arrayContaining(['secret_id', 'secret_id_accessor']));
    expect(r.accessors).toEqual({ ok: true });
    expect(r.login.ok).toMatchObject({
      policies: ['read'],
      token_policies: ['read'],
      lease_duration: 600,
      renewable: true,
      metadata: { role: 'hvac-app' },
    });
    expect(r.login.ok.accessor).toMatch(/^tok_/);
    expect(r.token_set).toEqual({ ok: true });
    expect(r.authenticated).toEqual({ ok: true });
    expect(r.lookup_self.ok).toEqual({
      accessor: r.login.ok.accessor,
      policies: ['read'],
      meta: { role: 'hvac-app', secret_id_accessor: expect.any(String) },
      renewable: true,
      creation_ttl: 600,
      explicit_max_ttl: 3600,
      path: 'auth/approle/login',
    });
    expect(r.renew_self.ok).toBe(600);
    expect(r.kv_write_denied).toMatchObject({ error: 'Forbidden' });
    expect(r.revoke_self).toEqual({ ok: 204 });
    expect(r.after_revoke).toEqual({ ok: false });
    expect(r.login_again).toEqual({ ok: true });
    expect(r.login_replayed).toMatchObject({ error: 'Unauthorized', message: expect.stringContaining('used as many times') });
    expect(r.login_bad).toMatchObject({ error: 'Unauthorized' });
    const noRequestId = (x: { message: string }) => x.message.replace(/"request_id":"[^"]+"/, '');
    expect(noRequestId(r.login_unknown_role)).toBe(noRequestId(r.login_bad));
    expect(r.destroy_accessor).toEqual({ ok: 204 });
    expect(r.k8s_login.ok).toMatchObject({ role: 'pods', service_account_name: 'app', service_account_namespace: 'prod' });
    expect(r.k8s_authenticated).toEqual({ ok: true });
    expect(r.k8s_wrong_role).toMatchObject({ error: 'Unauthorized' });
    expect(r.jwt_login.ok).toMatchObject({ role: 'gha', repo: 'acme/app', workflow: 'deploy' });
    expect(r.jwt_authenticated).toEqual({ ok: true });
    expect(r.jwt_wrong_role).toMatchObject({ error: 'Unauthorized' });
    expect(stdout).not.toContain(saJwt);
    expect(stdout).not.toContain(ciJwt);
  });

  it("the Go client's shape (ESO, Vault Agent, the vault CLI): login bodies without Content-Type, LIST of accessors", async () => {
    await admin('POST', 'auth/approle/role/go', { token_policies: 'read', secret_id_num_uses: 0 });
    const roleId = (await (await admin('GET', 'auth/approle/role/go/role-id')).json()).data.role_id;
    const secretId = (await (await admin('POST', 'auth/approle/role/go/secret-id', {})).json()).data.secret_id;
    const { responses } = await rawExchange(
      s.port,
      [
        rawRequest('PUT', '/v1/auth/approle/login', { body: JSON.stringify({ role_id: roleId, secret_id: secretId }) }),
        rawRequest('LIST', '/v1/auth/approle/role/go/secret-id', { token: s.rootToken }),
        rawRequest('PUT', '/v1/auth/kubernetes/login', {
          body: JSON.stringify({ role: 'pods', jwt: fx.serviceAccountToken('prod', 'app') }),
        }),
        rawRequest('PUT', '/v1/auth/approle/login', { body: '{"role_id": ' }),
      ],
      4,
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 400]);
    expect(responses[0]!.json().auth).toMatchObject({ policies: ['read'], token_type: 'service', renewable: true });
    expect(responses[1]!.json().data.keys).toHaveLength(1);
    expect(responses[2]!.json().auth.metadata).toMatchObject({ service_account_namespace: 'prod' });
    expect(responses[3]!.json().errors[0]).toContain('not valid JSON');
  });

  it('node-vault: approleLogin and kubernetesLogin set the client token', async () => {
    await admin('POST', 'auth/approle/role/nv', { token_policies: 'read' });
    const roleId = (await (await admin('GET', 'auth/approle/role/nv/role-id')).json()).data.role_id;
    const secretId = (await (await admin('POST', 'auth/approle/role/nv/secret-id', {})).json()).data.secret_id;
    const vault = nodeVault({ endpoint: s.url, apiVersion: 'v1' });
    const a = await vault.approleLogin({ role_id: roleId, secret_id: secretId });
    expect(a.auth).toMatchObject({ policies: ['read'], metadata: { role: 'nv' } });
    expect(vault.token).toBe(a.auth.client_token);
    expect((await vault.tokenLookupSelf()).data.accessor).toBe(a.auth.accessor);
    const bad = await nodeVault({ endpoint: s.url, apiVersion: 'v1' })
      .approleLogin({ role_id: roleId, secret_id: 'khs_x' })
      .catch((e: any) => e);
    expect(bad.response.statusCode).toBe(401);
    expect(bad.response.body.errors[0]).toContain('role_id or the secret_id is not valid');

    const k = nodeVault({ endpoint: s.url, apiVersion: 'v1' });
    // node-vault 0.10 renders the path from the arguments only: its kubernetesPath option never
    // reaches the template, so users pass mount_point.
    const kl = await k.kubernetesLogin({ mount_point: 'kubernetes', role: 'pods', jwt: fx.serviceAccountToken('prod', 'app') });
    expect(kl.auth.metadata).toMatchObject({ service_account_namespace: 'prod' });
    expect(k.token).toBe(kl.auth.client_token);
    // The TokenReview server saw the real request shape, authenticated with the reviewer token.
    expect(fx.reviews.at(-1)).toMatchObject({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      authorization: `Bearer ${fx.reviewerJwt}`,
    });
    const wrongNs = await nodeVault({ endpoint: s.url, apiVersion: 'v1' })
      .kubernetesLogin({ mount_point: 'kubernetes', role: 'pods', jwt: fx.serviceAccountToken('dev', 'app') })
      .catch((e: any) => e);
    expect(wrongNs.response.statusCode).toBe(401);
  });
});
