// The Vault-compatible paths of the OpenAPI document tell the truth as Vault clients see them: a
// started server (KV mounts `secret` and `kv`) behind a recording proxy, driven by hvac (Debian's
// python3-hvac, the suites' own scenarios), node-vault (with its LIST verb), raw HTTP/1.1 as the Go
// client sends it (no Content-Type, PUT, LIST) and fetch for the administration calls. Each recorded
// answer is matched to its operation by method and path, as a client would, and validated (ajv)
// against the documented schema; every Vault-compatible and auth operation must be reached.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { acceptListMethod } from '../../src/http/list-method.js';
import { startServer, type RunningServer } from '../../src/start-server.js';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';
import { startIdentityFixtures, type IdentityFixtures } from '../support/identity-servers.js';
import { hvacPython, rawExchange, rawRequest } from '../vault/support.js';
import { createOperationFinder, createResponseChecker, operationsOf, type Exchange } from './response-validator.js';

const require = createRequire(import.meta.url);
const nodeVault = require('node-vault') as (o: Record<string, unknown>) => any;
const scenario = (name: string) => fileURLToPath(new URL(`../vault/${name}`, import.meta.url));

interface Recorded {
  method: string;
  url: string;
  status: number;
  body: unknown;
  headers: Record<string, unknown>;
  text: string;
}

/** An HTTP proxy in front of the server that records each answer, with its headers and raw body
 *  (LIST arrives as GET ?list=true). */
const startRecordingProxy = async (target: number) => {
  const recorded: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const up = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON: recorded as text, which no JSON schema accepts */
        }
        recorded.push({ method: req.method!, url: req.url!, status: answer.statusCode!, body, headers: answer.headers, text });
        res.writeHead(answer.statusCode!, answer.headers);
        res.end(Buffer.concat(chunks));
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  acceptListMethod(server, 'connection');
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { port, url: `http://127.0.0.1:${port}`, recorded, close: () => new Promise((r) => server.close(r)) };
};

describe('the Vault-compatible paths of the OpenAPI document, as Vault clients see them', () => {
  let db: TestDatabase;
  let running: RunningServer;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let fx: IdentityFixtures;
  let root: string;
  let doc: Record<string, any>;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    const config = loadConfig({
      env: {},
      flags: {
        listen: '127.0.0.1:0',
        dataDir: db.dataDir,
        databaseUrl: db.url,
        masterKey: randomBytes(32).toString('base64'),
        logLevel: 'silent',
        egress: { allowLoopback: true },
        vaultCompat: { enabled: true, mounts: { secret: 'default', kv: 'default' } },
      },
    });
    running = await startServer(config, { print: () => {} });
    root = running.rootToken!;
    proxy = await startRecordingProxy(Number(new URL(running.url).port));
    fx = await startIdentityFixtures();
    doc = await (await fetch(`${running.url}/openapi.json`)).json();
  });
  afterAll(async () => {
    await proxy?.close();
    await fx?.close();
    await running?.close();
    await db?.drop();
  });

  /** What a Vault client sends for administration: X-Vault-Token and a JSON body. */
  const vault = (method: string, path: string, body?: unknown, token = root) =>
    fetch(`${proxy.url}/v1/${path}`, {
      method,
      headers: { 'x-vault-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  /** The status, with the body in the message when it is not the expected one. */
  const status = async (r: Promise<Response>, expected: number) => {
    const res = await r;
    const text = await res.text();
    expect(res.status, text).toBe(expected);
    return text ? JSON.parse(text) : undefined;
  };

  it.skipIf(!hvacPython)(
    'every Vault-compatible and auth operation answers as documented',
    async () => {
      const run = promisify(execFile);
      // Kubernetes and JWT logins: configured and given roles the way hvac users configure Vault.
      await status(vault('POST', 'auth/kubernetes/config', { kubernetes_host: fx.kubernetesUrl, token_reviewer_jwt: fx.reviewerJwt }), 204);
      await status(
        vault('POST', 'auth/kubernetes/role/pods', {
          bound_service_account_names: ['app'],
          bound_service_account_namespaces: ['prod'],
          token_policies: 'read',
        }),
        204,
      );
      await status(vault('POST', 'auth/jwt/config', { jwks_url: fx.jwksUrl, bound_issuer: fx.issuer }), 204);
      await status(
        vault('POST', 'auth/jwt/role/gha', {
          bound_audiences: ['https://github.com/acme'],
          bound_claims: { repository: 'acme/app', ref: 'refs/heads/main' },
          claim_mappings: { repository: 'repo', workflow: 'workflow' },
          token_policies: ['read'],
          user_claim: 'sub',
        }),
        204,
      );

      // hvac: the KV scenario, the KV metadata scenario and the login scenario of the Vault suites.
      await run(hvacPython!, [scenario('hvac-scenario.py'), proxy.url, root, 'hvac/app'], { timeout: 60_000 });
      await run(hvacPython!, [scenario('hvac-kv-metadata.py'), proxy.url, root], { timeout: 60_000 });
      const saJwt = fx.serviceAccountToken('prod', 'app');
      const ciJwt = await fx.githubToken({ repository: 'acme/app', ref: 'refs/heads/main' });
      await run(hvacPython!, [scenario('hvac-auth-scenario.py'), proxy.url, root, saJwt, ciJwt], { timeout: 60_000 });

      // node-vault on the `kv` mount: write, read, LIST (its own verb), delete.
      const nv = nodeVault({ endpoint: proxy.url, apiVersion: 'v1', token: root });
      await nv.write('kv/data/nv/app', { data: { user: 'app' } });
      await nv.read('kv/data/nv/app');
      await nv.list('kv/metadata/nv');
      await nv.delete('kv/data/nv/app');

      // The Go client's shapes (vault CLI, ESO, Terraform): PUT and PATCH without JSON Content-Type,
      // version operations, metadata writes, LIST, the CLI's mount lookup.
      // The Go client's shapes on both mounts.
      for (const mount of ['kv', 'secret']) {
        const go = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
          rawRequest(method, path.replace(/^\/v1\/kv\//, `/v1/${mount}/`), {
            token: root,
            body: body === undefined ? undefined : JSON.stringify(body),
            headers,
          });
        const { responses } = await rawExchange(
          proxy.port,
          [
            go('GET', `/v1/sys/internal/ui/mounts/${mount}/go/app`),
            go('PUT', '/v1/kv/data/go/app', { data: { a: '1' } }),
            go('PUT', '/v1/kv/data/go/app', { data: { a: '2' }, options: { cas: 1 } }),
            go('PATCH', '/v1/kv/data/go/app', { data: { b: '3' } }, { 'Content-Type': 'application/merge-patch+json' }),
            go('PUT', '/v1/kv/metadata/go/app', { custom_metadata: { owner: 'go' }, max_versions: 5 }),
            go('PATCH', '/v1/kv/metadata/go/app', { custom_metadata: { team: 'pay' } }, { 'Content-Type': 'application/merge-patch+json' }),
            go('POST', '/v1/kv/metadata/go/other', { custom_metadata: { managed_by: 'eso' } }),
            go('LIST', '/v1/kv/metadata/go'),
            go('PUT', '/v1/kv/destroy/go/app', { versions: [1] }),
            go('POST', '/v1/kv/destroy/go/app', { versions: [2] }),
            go('PUT', '/v1/kv/delete/go/app', { versions: [3] }),
            go('PUT', '/v1/kv/undelete/go/app', { versions: [3] }),
            go('POST', '/v1/kv/delete/go/app', { versions: [3] }),
            go('POST', '/v1/kv/undelete/go/app', { versions: [3] }),
            go('GET', '/v1/kv/data/go/app?version=1'), // destroyed: 404 with its metadata
            go('DELETE', '/v1/kv/metadata/go/app'),
            go('GET', '/v1/sys/init'),
            go('POST', '/v1/auth/token/lookup-self'),
            go('LIST', '/v1/auth/kubernetes/role'),
            go('LIST', '/v1/auth/jwt/role'),
            go('LIST', '/v1/auth/approle/role'),
          ],
          21,
          10_000,
          { sequential: true },
        );
        expect(responses.map((r) => r.status)).toEqual([
          200, 200, 200, 200, 204, 204, 204, 200, 204, 204, 204, 204, 204, 204, 404, 204, 200, 200, 200, 200, 200,
        ]);
      }

      // Administration the scenarios leave out: reads and deletes of roles and configurations, the
      // AppRole accessor lookup and DELETE destroy, PUT renew and revoke, the mounts list.
      for (const [m, role] of [
        ['kubernetes', 'pods'],
        ['jwt', 'gha'],
      ] as const) {
        await status(vault('GET', `auth/${m}/role/${role}`), 200);
        await status(vault('GET', `auth/${m}/config`), 200);
        await status(
          vault(
            'PUT',
            `auth/${m}/role/${role}-2`,
            m === 'jwt'
              ? { bound_subject: 'repo:acme/app', token_role: 'read' }
              : { bound_service_account_names: 'a', bound_service_account_namespaces: 'b', token_role: 'read' },
          ),
          204,
        );
        await status(vault('DELETE', `auth/${m}/role/${role}-2`), 204);
        await status(
          vault('PUT', `auth/${m}/config`, m === 'jwt' ? { jwks_url: fx.jwksUrl } : { pem_keys: [fx.serviceAccountPublicPem] }),
          204,
        );
      }
      await status(vault('PUT', 'auth/kubernetes/login', { role: 'pods', jwt: fx.serviceAccountToken('prod', 'app') }), 200);
      await status(
        vault('PUT', 'auth/jwt/login', { role: 'gha', jwt: await fx.githubToken({ repository: 'acme/app', ref: 'refs/heads/main' }) }),
        200,
      );
      await status(vault('DELETE', 'auth/kubernetes/config'), 204);
      await status(vault('DELETE', 'auth/jwt/config'), 204);
      await status(vault('PUT', 'auth/approle/role/put-role', { token_policies: 'read', token_ttl: 600, token_max_ttl: 3600 }), 204);
      const roleId = (await (await vault('GET', 'auth/approle/role/put-role/role-id')).json()).data.role_id;
      const sid = (await (await vault('PUT', 'auth/approle/role/put-role/secret-id', { metadata: '{"host":"go"}' })).json()).data;
      await status(vault('GET', 'auth/approle/role/put-role/secret-id?list=true'), 200);
      await status(
        vault('POST', 'auth/approle/role/put-role/secret-id-accessor/lookup', { secret_id_accessor: sid.secret_id_accessor }),
        200,
      );
      const login = await (await vault('PUT', 'auth/approle/login', { role_id: roleId, secret_id: sid.secret_id }, '')).json();
      const token = login.auth.client_token as string;
      await status(vault('PUT', 'auth/token/renew-self', { increment: '10m' }, token), 200);
      await status(vault('PUT', 'auth/token/revoke-self', undefined, token), 204);
      await status(
        vault('DELETE', 'auth/approle/role/put-role/secret-id-accessor/destroy', { secret_id_accessor: sid.secret_id_accessor }),
        204,
      );
      await status(vault('DELETE', 'auth/approle/role/put-role'), 204);
      await status(vault('GET', 'sys/mounts'), 200);
      await status(vault('GET', 'auth/approle/role/nope', undefined, 'khv_not-a-token'), 403); // Vault's denial

      // Every recorded answer is the documented one for the operation its method and path reach.
      const find = createOperationFinder(doc);
      const unmatched = proxy.recorded.filter((r) => !find(r.method, r.url)).map((r) => `${r.method} ${r.url}`);
      expect(unmatched).toEqual([]);
      expect(proxy.recorded.length).toBeGreaterThan(120);
      const exchanges: Exchange[] = proxy.recorded.map((r) => ({ ...r, operationId: find(r.method, r.url)! }));
      expect(createResponseChecker(doc)(exchanges)).toEqual([]);
      // Every Vault-compatible and auth operation was answered with success at least once.
      const succeeded = new Set(exchanges.filter((e) => e.status < 300).map((e) => e.operationId));
      const vaultOps = operationsOf(doc).filter(({ op }) => op.tags?.includes('vault-compat') || op.tags?.includes('auth'));
      expect(vaultOps.length).toBeGreaterThan(60);
      expect(vaultOps.map(({ op }) => op.operationId as string).filter((id) => !succeeded.has(id))).toEqual([]);
      // …and errors in Vault's shape were among them.
      expect(exchanges.filter((e) => e.status >= 400).length).toBeGreaterThanOrEqual(5);
    },
    120_000,
  );
});
