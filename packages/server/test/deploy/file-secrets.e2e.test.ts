// `_FILE` variants through the BUILT `keyhaven server`, as containers and Kubernetes hand secrets
// over (a mounted file with a trailing newline): KEYHAVEN_MASTER_KEY_FILE and KEYHAVEN_DATABASE_URL_FILE
// start a server that keeps its store across restarts; conflicting or unreadable settings exit 2.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/backends.js';
import { api, assertBuilt, cleanup, killAll, masterKey, runCli, startServerProcess, tempDir } from './support.js';

vi.setConfig({ testTimeout: 60_000 });
const dbs: TestDatabase[] = [];
const dirs: string[] = [];
beforeAll(() => assertBuilt());
afterAll(async () => {
  killAll();
  for (const d of dbs) await d.drop();
  for (const d of dirs) cleanup(d);
});

describe('KEYHAVEN_MASTER_KEY_FILE and KEYHAVEN_DATABASE_URL_FILE', () => {
  it.skipIf(!postgresAvailable)(
    'start a PostgreSQL-backed server from mounted files (0444, trailing newline) and reopen the store after a restart',
    async () => {
      const db = await createTestDatabase('postgres');
      dbs.push(db);
      const secrets = tempDir();
      dirs.push(secrets);
      const keyFile = path.join(secrets, 'master_key');
      const urlFile = path.join(secrets, 'database_url');
      writeFileSync(keyFile, masterKey() + '\n');
      writeFileSync(urlFile, db.url + '\n');
      chmodSync(keyFile, 0o444);
      chmodSync(urlFile, 0o444); // as compose secrets are mounted
      const env = { KEYHAVEN_MASTER_KEY_FILE: keyFile, KEYHAVEN_DATABASE_URL_FILE: urlFile, KEYHAVEN_DATA_DIR: db.dataDir };
      const s1 = await startServerProcess([], env);
      const token = s1.rootToken!;
      expect((await api(s1.url, token)('PUT', '/v1/secrets/files/a', { value: 'from-files' })).status).toBeLessThan(300);
      expect(await s1.stop()).toBe(0);
      const s2 = await startServerProcess([], env);
      expect(s2.rootToken).toBeUndefined();
      expect((await api(s2.url, token)('GET', '/v1/secrets/files/a')).json.value).toBe('from-files');
      const health = (await (await fetch(`${s2.url}/admin/secrets/health`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        data: { database: string };
      };
      expect(health.data.database).toBe('ok');
      expect(await s2.stop()).toBe(0);
    },
  );

  it('refuses a URL given twice, an empty URL file and an unreadable one, each named (exit 2)', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const urlFile = path.join(dir, 'database_url');
    writeFileSync(urlFile, 'postgres://kh@127.0.0.1/kh\n');
    const both = await runCli(['server', '--listen', '127.0.0.1:0'], {
      KEYHAVEN_MASTER_KEY: masterKey(),
      KEYHAVEN_DATABASE_URL_FILE: urlFile,
      KEYHAVEN_DATABASE_URL: 'postgres://x@127.0.0.1/y',
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('either KEYHAVEN_DATABASE_URL or KEYHAVEN_DATABASE_URL_FILE, not both');
    writeFileSync(urlFile, '\n');
    const empty = await runCli(['server', '--listen', '127.0.0.1:0'], {
      KEYHAVEN_MASTER_KEY: masterKey(),
      KEYHAVEN_DATABASE_URL_FILE: urlFile,
    });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(`KEYHAVEN_DATABASE_URL_FILE: ${urlFile} is empty`);
    const missing = await runCli(['server', '--listen', '127.0.0.1:0'], {
      KEYHAVEN_MASTER_KEY: masterKey(),
      KEYHAVEN_DATABASE_URL_FILE: path.join(dir, 'nope'),
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('KEYHAVEN_DATABASE_URL_FILE: cannot read');
  });
});
