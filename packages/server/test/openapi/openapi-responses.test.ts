// The OpenAPI document tells the truth: a console-like scenario runs against a test server and every
// response body is validated (ajv) against the schema the document gives for its operationId and
// status. Also: every registered route is an operation with an operationId, a documented success
// response and the shared error responses; and the whole document is valid OpenAPI 3.0.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../../src/http/build-http.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { runConsoleScenario, type Exchange } from './scenario.js';

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

let s: TestServer;
let doc: Json;
let exchanges: Exchange[];
beforeAll(async () => {
  const dotenvDir = mkdtempSync(join(tmpdir(), 'kh-openapi-env-'));
  s = await startTestServer('sqlite', {
    config: { providers: { syncIntervalSeconds: 3600, dotenv: { enabled: true, directories: [dotenvDir] } } },
  });
  doc = (await s.call('GET', '/openapi.json', { token: '', tenant: null })).body;
  exchanges = await runConsoleScenario(s, dotenvDir);
});
afterAll(() => s?.close());

const operations = (): Array<{ path: string; method: string; op: Json }> =>
  Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] })),
  );

/** The JSON schema the document gives for an operation's status (exact status, then 4XX/5XX). */
const responseFor = (operationId: string, status: number): Json | undefined => {
  const found = operations().find((o) => o.op.operationId === operationId);
  if (!found) throw new Error(`no operation ${operationId} in the document`);
  const r = found.op.responses[String(status)] ?? found.op.responses[`${String(status)[0]}XX`];
  return r?.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r;
};

const rebase = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(rebase)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? `doc${x}` : rebase(x)]))
      : v;

describe('the OpenAPI document', () => {
  it('describes every response of a console session truthfully', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addSchema({ $id: 'doc', components: { schemas: rebase(doc.components.schemas) } });
    const failures: string[] = [];
    for (const e of exchanges) {
      const response = responseFor(e.operationId, e.status);
      if (!response) {
        failures.push(`${e.operationId} ${e.status}: status not documented`);
        continue;
      }
      const schema = response.content?.['application/json']?.schema;
      if (!response.content && e.body === undefined) continue; // documented as a reply without a body
      if (!schema) {
        failures.push(`${e.operationId} ${e.status}: no documented JSON schema`);
        continue;
      }
      const validate = ajv.compile(rebase(schema) as Json);
      if (!validate(e.body))
        failures.push(
          `${e.operationId} ${e.status} ${e.method} ${e.url}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(e.body).slice(0, 300)}`,
        );
    }
    expect(failures).toEqual([]);
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
    ])
      expect(seen, id).toContain(id);
    expect(exchanges.filter((e) => e.status >= 400).length).toBeGreaterThanOrEqual(8);
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
