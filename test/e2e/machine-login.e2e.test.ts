// `keyhaven login` and `keyhaven auth` through the BUILT binary against a dev server started from the
// built binary: AppRole (secret_id from stdin, a file and the environment), Kubernetes (a
// service-account token file, reviewed by a local TokenReview API server) and OIDC (a GitHub
// Actions-shaped token checked against a local JWKS). The token lands in the config directory with
// mode 0600, later commands use it, KEYHAVEN_TOKEN wins over it, and logout revokes it.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuiltCli, keyhaven, scratchDir, startDevServer, type DevServer } from './support/surface.js';
import { startIdentityFixtures, type IdentityFixtures } from '../../packages/server/test/support/identity-servers.js';

vi.setConfig({ testTimeout: 120_000 });

let server: DevServer;
let fx: IdentityFixtures;
let dir: string;
let config: string;
const admin = (args: string[], o: { input?: string } = {}) =>
  keyhaven(args, { cwd: dir, input: o.input, env: { ...server.env, XDG_CONFIG_HOME: config } });
/** A machine: no KEYHAVEN_TOKEN, only the address, the tenant and its config directory. */
const machine = (args: string[], o: { input?: string; env?: Record<string, string> } = {}) =>
  keyhaven(args, {
    cwd: dir,
    input: o.input,
    env: { KEYHAVEN_ADDR: server.url, KEYHAVEN_TENANT: 'default', XDG_CONFIG_HOME: config, ...o.env },
  });
const tokenFile = () => path.join(config, 'keyhaven', 'token');

beforeAll(async () => {
  assertBuiltCli();
  dir = scratchDir();
  config = path.join(dir, 'config');
  server = await startDevServer();
  fx = await startIdentityFixtures();
  expect((await admin(['secrets', 'set', 'ci/deploy-key', 'k-123'])).code).toBe(0);
});
afterAll(async () => {
  await server?.stop();
  await fx?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('keyhaven login (built binary)', () => {
  it('approle: admin creates a role and a secret_id; the machine logs in, the token is stored 0600 and used; logout revokes it', async () => {
    expect(
      await admin([
        'auth',
        'approle',
        'role',
        'put',
        'deployer',
        '--token-role',
        'read',
        '--ttl',
        '15m',
        '--max-ttl',
        '1h',
        '--secret-id-uses',
        '2',
      ]),
    ).toMatchObject({ code: 0, stdout: 'Saved approle role deployer.\n' });
    const roleId = (await admin(['auth', 'approle', 'role-id', 'deployer'])).stdout.trim();
    expect(roleId).toMatch(/^[0-9a-f-]{36}$/);
    const issued = JSON.parse(
      (await admin(['auth', 'approle', 'secret-id', 'issue', 'deployer', '--meta', 'host=ci-7', '--format', 'json'])).stdout,
    );
    expect(issued.secret_id).toMatch(/^khs_/);
    expect((await admin(['auth', 'approle', 'secret-id', 'list', 'deployer'])).stdout).toContain(issued.secret_id_accessor);
    expect((await admin(['auth', 'approle', 'secret-id', 'list', 'deployer'])).stdout).not.toContain(issued.secret_id);

    // secret_id from stdin
    const login = await machine(['login', '--method', 'approle', '--role-id', roleId, '--secret-id-file', '-'], {
      input: `${issued.secret_id}\n`,
    });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('Logged in (approle)');
    expect(login.stdout + login.stderr).not.toContain(issued.secret_id);
    expect(statSync(tokenFile()).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(tokenFile())).mode & 0o777).toBe(0o700);
    const token = readFileSync(tokenFile(), 'utf8').trim();
    expect(token).toMatch(/^khv_/);
    // Later commands use the stored token.
    expect(await machine(['secrets', 'get', 'ci/deploy-key'])).toMatchObject({ code: 0, stdout: 'k-123\n' });
    expect((await machine(['secrets', 'set', 'ci/other', 'x'])).code).not.toBe(0); // read role
    // KEYHAVEN_TOKEN wins over the stored token.
    const bogus = await machine(['secrets', 'get', 'ci/deploy-key'], { env: { KEYHAVEN_TOKEN: 'khv_not_a_token' } });
    expect(bogus.code).not.toBe(0);
    // tokens list shows the login identity.
    const list = await admin(['tokens', 'list']);
    expect(list.stdout).toContain('approle:deployer');
    const self = JSON.parse((await machine(['tokens', 'self', '--format', 'json'])).stdout);
    expect(self.identity).toMatchObject({ method: 'approle', role: 'deployer', metadata: { host: 'ci-7', role: 'deployer' } });

    // secret_id from the environment (second and last use), then a replay is refused.
    expect(
      (await machine(['login', '--method', 'approle', '--role-id', roleId], { env: { KEYHAVEN_SECRET_ID: issued.secret_id } })).code,
    ).toBe(0);
    const replay = await machine(['login', '--method', 'approle', '--role-id', roleId], { env: { KEYHAVEN_SECRET_ID: issued.secret_id } });
    expect(replay.code).not.toBe(0);
    expect(replay.stderr).toContain('AUTH_CREDENTIAL_USED');
    // secret_id from a file
    const second = JSON.parse((await admin(['auth', 'approle', 'secret-id', 'issue', 'deployer', '--format', 'json'])).stdout);
    writeFileSync(path.join(dir, 'sid'), second.secret_id, { mode: 0o600 });
    expect((await machine(['login', '--method', 'approle', '--role-id', roleId, '--secret-id-file', path.join(dir, 'sid')])).code).toBe(0);
    const current = readFileSync(tokenFile(), 'utf8').trim();
    expect(await machine(['logout'])).toMatchObject({ code: 0 });
    expect(() => statSync(tokenFile())).toThrow();
    expect((await machine(['secrets', 'get', 'ci/deploy-key'], { env: { KEYHAVEN_TOKEN: current } })).stderr).toContain('TOKEN_REVOKED');
    // A wrong secret_id and an unknown role_id read the same.
    const wrong = await machine(['login', '--method', 'approle', '--role-id', roleId], { env: { KEYHAVEN_SECRET_ID: 'khs_wrong' } });
    const unknown = await machine(['login', '--method', 'approle', '--role-id', '00000000-0000-0000-0000-000000000000'], {
      env: { KEYHAVEN_SECRET_ID: 'khs_wrong' },
    });
    expect(wrong.code).toBe(unknown.code);
    const noId = (t: string) => t.replace(/request id [^)]+/, '');
    expect(noId(wrong.stderr)).toBe(noId(unknown.stderr));
    expect(wrong.stderr).not.toContain('KEYHAVEN_TOKEN');
    expect(wrong.stderr).toContain('AUTH_LOGIN_FAILED');

    // The rest of the role's administration.
    const got = JSON.parse((await admin(['auth', 'approle', 'role', 'get', 'deployer', '--format', 'json'])).stdout);
    expect(got).toMatchObject({ token_role: 'read', token_ttl: 900, token_max_ttl: 3600, secret_id_num_uses: 2, token_policies: ['read'] });
    expect((await admin(['auth', 'approle', 'role', 'list'])).stdout).toBe('deployer\n');
    expect((await admin(['auth', 'approle', 'secret-id', 'destroy', 'deployer', second.secret_id_accessor])).code).toBe(0);
    expect((await admin(['auth', 'approle', 'secret-id', 'list', 'deployer'])).stdout).not.toContain(second.secret_id_accessor);
    const badTtl = await admin(['auth', 'approle', 'role', 'put', 'x', '--token-role', 'read', '--ttl', 'soon']);
    expect(badTtl.code).toBe(2);
    expect(badTtl.stderr).toContain('--ttl');
    expect((await admin(['auth', 'approle', 'role', 'delete', 'deployer'])).code).toBe(0);
    expect((await admin(['auth', 'approle', 'role', 'get', 'deployer'])).stderr).toContain('AUTH_ROLE_NOT_FOUND');
  });

  it('token: an existing token from stdin is checked and stored; --no-store prints instead', async () => {
    const r = await machine(['login', '--method', 'token', '--token-file', '-'], { input: `${server.rootToken}\n` });
    expect(r.code).toBe(0);
    expect(readFileSync(tokenFile(), 'utf8').trim()).toBe(server.rootToken);
    expect(await machine(['secrets', 'get', 'ci/deploy-key'])).toMatchObject({ code: 0, stdout: 'k-123\n' });
    const bad = await machine(['login', '--method', 'token', '--token-file', '-'], { input: 'khv_bogus\n' });
    expect(bad.code).not.toBe(0);
    expect(readFileSync(tokenFile(), 'utf8').trim()).toBe(server.rootToken); // unchanged
    expect(await machine(['logout', '--keep-token'])).toMatchObject({ code: 0 });
    expect((await admin(['auth', 'approle', 'role', 'put', 'printer', '--token-role', 'read'])).code).toBe(0);
    const roleId = (await admin(['auth', 'approle', 'role-id', 'printer'])).stdout.trim();
    const sid = JSON.parse((await admin(['auth', 'approle', 'secret-id', 'issue', 'printer', '--format', 'json'])).stdout).secret_id;
    const printed = await machine(['login', '--method', 'approle', '--role-id', roleId, '--no-store'], {
      env: { KEYHAVEN_SECRET_ID: sid },
    });
    expect(printed.stdout.trim()).toMatch(/^khv_/);
    expect(() => statSync(tokenFile())).toThrow();
  });

  it('kubernetes: configured with the TokenReview API, login with a service-account token file', async () => {
    writeFileSync(path.join(dir, 'reviewer.jwt'), fx.reviewerJwt);
    expect(
      (await admin(['auth', 'kubernetes', 'config', '--host', fx.kubernetesUrl, '--reviewer-jwt-file', path.join(dir, 'reviewer.jwt')]))
        .code,
    ).toBe(0);
    const shown = await admin(['auth', 'kubernetes', 'show-config', '--format', 'json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ kubernetes_host: fx.kubernetesUrl, token_reviewer_jwt_set: true });
    expect(shown.stdout).not.toContain(fx.reviewerJwt);
    expect(
      (
        await admin([
          'auth',
          'kubernetes',
          'role',
          'put',
          'api',
          '--service-accounts',
          'api',
          '--namespaces',
          'payments',
          '--token-role',
          'read',
        ])
      ).code,
    ).toBe(0);
    writeFileSync(path.join(dir, 'sa.jwt'), fx.serviceAccountToken('payments', 'api'));
    const r = await machine(['login', '--method', 'kubernetes', '--role', 'api', '--jwt-file', path.join(dir, 'sa.jwt')]);
    expect(r).toMatchObject({ code: 0 });
    expect(await machine(['secrets', 'get', 'ci/deploy-key'])).toMatchObject({ code: 0, stdout: 'k-123\n' });
    expect((await admin(['tokens', 'list'])).stdout).toContain('kubernetes:api (payments/api)');
    writeFileSync(path.join(dir, 'other.jwt'), fx.serviceAccountToken('default', 'api'));
    const denied = await machine(['login', '--method', 'kubernetes', '--role', 'api', '--jwt-file', path.join(dir, 'other.jwt')]);
    expect(denied.stderr).toContain('AUTH_LOGIN_FAILED');
  });

  it('oidc: a GitHub Actions-shaped token against a JWKS, bound to repository and ref', async () => {
    expect((await admin(['auth', 'jwt', 'config', '--jwks-url', fx.jwksUrl, '--issuer', fx.issuer])).code).toBe(0);
    expect(
      (
        await admin([
          'auth',
          'oidc',
          'role',
          'put',
          'deploy',
          '--audience',
          'https://github.com/acme',
          '--claim',
          'repository=acme/app',
          '--claim',
          'ref=refs/heads/main',
          '--map',
          'repository=repo',
          '--token-role',
          'read',
          '--ttl',
          '10m',
        ])
      ).code,
    ).toBe(0);
    const jwt = await fx.githubToken({ repository: 'acme/app', ref: 'refs/heads/main' });
    const r = await machine(['login', '--method', 'oidc', '--role', 'deploy', '--format', 'json'], { env: { KEYHAVEN_JWT: jwt } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ policies: ['read'], lease_duration: 600, metadata: { repo: 'acme/app', role: 'deploy' } });
    expect(r.stdout).not.toContain(jwt);
    const feature = await fx.githubToken({ repository: 'acme/app', ref: 'refs/heads/feature' });
    expect((await machine(['login', '--method', 'oidc', '--role', 'deploy'], { env: { KEYHAVEN_JWT: feature } })).stderr).toContain(
      'AUTH_LOGIN_FAILED',
    );
    const forged = await fx.githubToken({ repository: 'acme/app' }, { sign: 'other' });
    expect((await machine(['login', '--method', 'oidc', '--role', 'deploy'], { env: { KEYHAVEN_JWT: forged } })).stderr).toContain(
      'AUTH_JWT_INVALID',
    );
  });
});
