// No secret value at rest or in any output: known values written through every path are then
// searched for in the database (SQLite files or every PostgreSQL row), logs at debug level, the
// file and stdout audit sinks, and the metrics endpoint. None may appear.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const MARKERS = [
  'PLAINTEXT-MARKER-create-91c2',
  'PLAINTEXT-MARKER-put-5d1e',
  'PLAINTEXT-MARKER-json-77ab',
  'PLAINTEXT-MARKER-pending-0f3c',
  'PLAINTEXT-MARKER-cas-4e4e',
];

describe.each(backends())('no plaintext anywhere on %s', (backend) => {
  let s: TestServer;
  const logLines: string[] = [];
  let stdout = '';
  const captureErrors: Error[] = [];
  let auditFile: string;
  beforeAll(async () => {
    auditFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'kh-np-')), 'audit.jsonl');
    const out = new Writable({
      write(chunk, _e, cb) {
        stdout += chunk;
        cb();
      },
    });
    out.on('error', (e) => captureErrors.push(e)); // reported by the stdout test below, not as a crash
    s = await startTestServer(backend, {
      logLines,
      config: { logLevel: 'debug', audit: { sinks: ['database', 'file', 'stdout'], file: auditFile } },
      stdout: out,
    });
    await s.call('POST', '/v1/secrets', { body: { name: 'np/a', value: MARKERS[0], type: 'password' } });
    await s.call('PUT', '/v1/secrets/np/a', { body: { value: MARKERS[1] } });
    await s.call('PUT', '/v1/secrets/np/json', { body: { value: { user: 'u', password: MARKERS[2] } } });
    await s.call('PUT', '/v1/secrets/np/a', { body: { value: MARKERS[3], label: 'pending' } });
    await s.call('PUT', '/v1/secrets/np/a', { body: { value: MARKERS[4], cas: 1 } }); // fails: CAS mismatch
    await s.call('PUT', '/v1/secrets/np/a', { body: { value: MARKERS[4], cas: 'x' } }); // fails: validation
    await s.call('POST', '/v1/secrets', { body: { name: 'bad name!', value: MARKERS[4] } }); // fails: name
    await s.call('GET', '/v1/secrets/np/a');
    await s.call('GET', '/v1/secrets/np/json?field=password');
  });
  afterAll(async () => {
    await s?.close();
  });

  const assertClean = (where: string, text: string) => {
    for (const m of MARKERS) expect(text.includes(m), `${m} found in ${where}`).toBe(false);
  };

  it('the values are really stored (the search below is meaningful)', async () => {
    expect((await s.call('GET', '/v1/secrets/np/json?field=password')).body.value).toBe(MARKERS[2]);
    expect((await s.call('GET', '/v1/secrets/np/a?label=pending')).body.value).toBe(MARKERS[3]);
  });

  it('the database holds ciphertext only', async () => {
    if (backend === 'sqlite') {
      const dir = s.db.dataDir;
      const all = readdirSync(dir)
        .map((f) => readFileSync(path.join(dir, f)).toString('latin1'))
        .join('\n');
      expect(all.length).toBeGreaterThan(10_000);
      assertClean('the SQLite files', all);
    } else {
      const tables = [
        'tenants',
        'tokens',
        'token_grants',
        'secrets',
        'secret_tags',
        'secret_versions',
        'secret_fingerprints',
        'keyring',
        'audit_events',
        'audit_head',
        'policies',
        'roles',
      ];
      let dump = '';
      for (const t of tables) {
        const r = await s.app.storage.transaction('*', (trx) =>
          sql<{ row: string }>`select t::text as row from ${sql.table(t)} t`.execute(trx),
        );
        dump += r.rows.map((x) => x.row).join('\n');
      }
      expect(dump).toContain('c1.');
      assertClean('the PostgreSQL rows', dump);
    }
  });

  it('logs, audit sinks and metrics carry no value', async () => {
    const metrics = (await s.call('GET', '/metrics', { token: '', tenant: null })).text;
    expect(metrics).toContain('keyhaven_http_requests_total');
    assertClean('the metrics', metrics);
    // Debug level logs every request (method, URL, status): the search covers what an operator would see.
    expect(logLines.some((l) => l.includes('/v1/secrets/np/a'))).toBe(true);
    assertClean('the logs', logLines.join('\n'));
    expect(logLines.join('\n')).not.toContain(s.rootToken);
    expect(captureErrors).toEqual([]);
    expect(stdout.length).toBeGreaterThan(100);
    assertClean('the stdout audit sink', stdout);
    assertClean('the audit file', readFileSync(auditFile, 'utf8'));
    assertClean('the audit table', JSON.stringify((await s.call('GET', '/v1/sys/audit/events?limit=1000', { tenant: null })).body));
  });
});
