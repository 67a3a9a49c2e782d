// The OpenAPI document tells the truth: a console-like scenario runs against a test server and every
// response body is validated (ajv) against the schema the document gives for its operationId and
// status. Also: every registered route is an operation with an operationId, a documented success
// response and the shared error responses; and the whole document is valid OpenAPI 3.0.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../../src/http/build-http.js';
import { startOidcProvider, type OidcProviderFixture } from '../support/oidc-provider.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { UNDESCRIBED } from '../../src/http/openapi/document.js';
import { createResponseChecker, operationsOf, type Exchange } from './response-validator.js';
import { runConsoleScenario } from './scenario.js';

type Json = Record<string, any>;

let s: TestServer;
let oidc: OidcProviderFixture;
let doc: Json;
let exchanges: Exchange[];
beforeAll(async () => {
  const dotenvDir = mkdtempSync(join(tmpdir(), 'kh-openapi-env-'));
  // The provider sends people back to the callback; the scenario takes that URL and calls it.
  const redirectUrl = 'http://127.0.0.1/v1/console/oidc/callback';
  oidc = await startOidcProvider({ redirectUri: redirectUrl, groups: { alice: ['kh-admins'], bob: ['staff'] } });
  s = await startTestServer('sqlite', {
    config: {
      providers: { syncIntervalSeconds: 3600, dotenv: { enabled: true, directories: [dotenvDir] } },
      // One delivery attempt, polled often: the scenario makes a dead letter and retries it.
      notifications: { maxAttempts: 1, pollIntervalMs: 50, retryBaseMs: 10 },
      console: {
        oidc: {
          issuer: oidc.issuer,
          clientId: oidc.clientId,
          clientSecret: oidc.clientSecret,
          redirectUrl,
          scopes: ['openid', 'email', 'groups'],
          roles: [{ claim: 'groups', value: 'kh-admins', tenant: 'default', role: 'admin' }],
        },
      },
    },
  });
  doc = (await s.call('GET', '/openapi.json', { token: '', tenant: null })).body;
  exchanges = await runConsoleScenario(s, dotenvDir, oidc);
}, 60_000);
afterAll(async () => {
  await s?.close();
  await oidc?.close();
});

const operations = () => operationsOf(doc);

describe('the OpenAPI document', () => {
  it('describes every response of a console session truthfully', () => {
    expect(createResponseChecker(doc)(exchanges)).toEqual([]);
    // The scenario really reaches the operations the console uses, with successes and errors.
    const seen = new Set(exchanges.filter((e) => e.status < 300).map((e) => e.operationId));
    for (const id of [
      'secrets.list',
      'secrets.read',
      'secrets.describe',
      'secrets.versions',
      'secrets.create',
      'secrets.write',
      'secrets.update',
      'secrets.delete',
      'secrets.restore',
      'secrets.destroy',
      'fingerprints.match',
      'rotation.register',
      'rotation.schedules',
      'rotation.schedule',
      'rotation.rotate',
      'rotation.history',
      'rotation.rollback',
      'rotation.emergencyRotate',
      'rotation.rotateDue',
      'audit.events',
      'audit.access',
      'audit.anomalies',
      'sys.audit.verify',
      'tokens.self',
      'tokens.create',
      'tokens.list',
      'tokens.get',
      'tokens.revoke',
      'policies.list',
      'policies.put',
      'roles.list',
      'roles.put',
      'providers.list',
      'providers.create',
      'providers.test',
      'references.read',
      'sync.destinations.create',
      'sync.destinations.list',
      'sync.status',
      'sync.run',
      'console.session.create',
      'console.session.get',
      'console.session.delete',
      'tenants.list',
      'notifications.subscriptions.create',
      'notifications.subscriptions.get',
      'notifications.subscriptions.update',
      'notifications.subscriptions.test',
      'notifications.subscriptions.delete',
      'notifications.deadLetters.retry',
      'notifications.deadLetters.retryAll',
      'admin.secrets.testConnection',
      'admin.secrets.clearCache',
      'admin.keyRotation.toggle',
      'admin.keyRotation.perform',
      'admin.logNameHash',
      'sys.audit.prune',
      'sys.masterKey.rewrap',
      'sys.audit.seal',
      'tokens.renewSelf',
      'sys.audit.events',
      'sys.audit.anomalies',
      'rotation.register.unversioned',
      'rotation.schedule.unversioned',
      'rotation.rotate.unversioned',
      'rotation.rollback.unversioned',
      'rotation.emergencyRotate.unversioned',
      'rotation.rotateDue.unversioned',
      'rotation.due.unversioned',
      'rotation.history.unversioned',
      'providers.configure',
      'providers.import',
      'providers.validateCredential',
      'rotation.scheduled',
    ])
      expect(seen, id).toContain(id);
    expect(exchanges.filter((e) => e.status >= 400).length).toBeGreaterThanOrEqual(8);
    // Every operation outside the Vault-compatible and auth paths (those are the Vault clients' test)
    // was answered with a success (or its redirect) here, so each success response above was checked on a real answer.
    const mine = operations().filter(({ op }) => !op.tags?.includes('vault-compat') && !op.tags?.includes('auth'));
    expect(mine.length).toBeGreaterThan(90);
    const answered = new Set(exchanges.filter((e) => e.status < 400).map((e) => e.operationId));
    expect(mine.map(({ op }) => op.operationId as string).filter((id) => !answered.has(id))).toEqual([]);
    // …with their headers and raw bodies: content types, Location headers, JSON lines and events checked.
    expect(exchanges.filter((e) => !e.headers || e.text === undefined)).toEqual([]);
  });

  it('gives every route an operationId, a documented success response and the shared error responses', () => {
    const ops = operations();
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.filter((x) => typeof x !== 'string' || !x)).toEqual([]);
    expect(ids.filter((x, i) => ids.indexOf(x) !== i)).toEqual([]);
    for (const { path, method, op } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(
        Object.keys(op.responses).some((k) => /^[23]\d\d$/.test(k)),
        where,
      ).toBe(true);
      const vault = op.tags?.includes('vault-compat') || op.tags?.includes('auth');
      const err = vault ? '#/components/responses/VaultError' : '#/components/responses/Error';
      expect(op.responses['4XX']?.$ref, where).toBe(err);
      expect(op.responses['5XX']?.$ref, where).toBe(err);
    }
    // Every registered route is in the document (a wildcard route may be several operations).
    const docPaths = new Set(
      ops.map((o) => `${o.method.toUpperCase()} ${o.path.replace(/\{[^}]+\}(:[a-z]+)?$/, '*').replace(/\{[^}]+\}/g, ':')}`),
    );
    const routes = registeredRoutes(s.app.http).filter((r) => !r.hidden && !r.url.startsWith('/docs'));
    expect(routes.length).toBeGreaterThan(150);
    const missing = routes
      .map((r) => `${r.method} ${r.url.replace(/:[^/]+$/, '*').replace(/:[^/]+/g, ':')}`)
      .filter((k) => !docPaths.has(k));
    expect(missing).toEqual([]);
  });

  it('describes every operation: no placeholder response is left', () => {
    const undescribed = operations()
      .filter(
        ({ op }) =>
          op[UNDESCRIBED] || Object.values(op.responses as Json).some((r: Json) => /not described/i.test(String(r.description ?? ''))),
      )
      .map(({ path, method, op }) => `${method.toUpperCase()} ${path} (${op.operationId})`);
    expect(undescribed).toEqual([]);
    // Each success response of a JSON reply has a schema that names something (no bare open object).
    const vague = operations().flatMap(({ path, method, op }) =>
      Object.entries(op.responses as Json)
        .filter(([status, r]: [string, Json]) => /^2/.test(status) && r.content)
        .filter(([, r]: [string, Json]) => {
          const schema = Object.values(r.content as Json)[0]?.schema ?? {};
          return schema.type === 'object' && !schema.properties && schema.additionalProperties === true;
        })
        .map(([status]) => `${method.toUpperCase()} ${path} ${status}`),
    );
    expect(vague).toEqual([]);
  });

  it('documents errors in Keyhaven shape, and Vault paths in Vault shape', () => {
    const err = doc.components.schemas.Error;
    expect(err.required).toEqual(['error']);
    expect(err.properties.error.required).toEqual(['code', 'message']);
    expect(doc.components.schemas.VaultError.properties.errors.type).toBe('array');
  });

  it('is a valid OpenAPI 3.0 document', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
