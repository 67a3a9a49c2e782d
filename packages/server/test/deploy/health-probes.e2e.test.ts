// /health/live and /health/ready through HTTP against the built `keyhaven server`, on PostgreSQL:
// ready goes 503 (live stays 200) while the database refuses connections and comes back after, and
// a server refuses to start on a database that a newer Keyhaven migrated.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminQuery, createTestDatabase, postgresAvailable, type TestDatabase } from '../support/backends.js';
import { assertBuilt, killAll, masterKey, runCli, startServerProcess, tempDir, cleanup, waitFor } from './support.js';

vi.setConfig({ testTimeout: 90_000 });
const dbs: TestDatabase[] = [];
const dirs: string[] = [];
beforeAll(() => assertBuilt());
afterAll(async () => {
  killAll();
  for (const d of dbs) await d.drop();
  for (const d of dirs) cleanup(d);
});

const get = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};

describe('health probes (SQLite)', () => {
  it('live, ready and /health answer 200 without a token and reveal only check names', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const s = await startServerProcess(['--data-dir', dir], { KEYHAVEN_MASTER_KEY: masterKey() });
    try {
      expect(await get(`${s.url}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });
      expect(await get(`${s.url}/health/ready`)).toEqual({
        status: 200,
        body: { status: 'ready', checks: { database: 'ok', keyring: 'ok', migrations: 'ok', audit: 'ok' } },
      });
      expect(await get(`${s.url}/health`)).toEqual({ status: 200, body: { status: 'ok', database: 'ok' } });
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });
});

describe.skipIf(!postgresAvailable)('health probes (PostgreSQL)', () => {
  it('ready is 503 while the database refuses connections, live stays 200, and ready recovers', async () => {
    const db = await createTestDatabase('postgres');
    dbs.push(db);
    const name = new URL(db.url).pathname.slice(1);
    const s = await startServerProcess([], {
      KEYHAVEN_DATABASE_URL: db.url,
      KEYHAVEN_MASTER_KEY: masterKey(),
      KEYHAVEN_DATA_DIR: db.dataDir,
    });
    try {
      expect((await get(`${s.url}/health/ready`)).status).toBe(200);
      await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
      const down = await get(`${s.url}/health/ready`);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'not_ready', checks: { database: 'failed', keyring: 'ok', audit: 'failed' } });
      expect(JSON.stringify(down.body)).not.toMatch(/postgres|kh_|connect/i);
      expect((await get(`${s.url}/health/live`)).status).toBe(200);
      expect((await get(`${s.url}/health`)).status).toBe(503);
      await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await waitFor(async () => (await get(`${s.url}/health/ready`)).status === 200, 'ready again', 15_000);
    } finally {
      await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => {});
      expect(await s.stop()).toBe(0);
    }
  });

  it('refuses to start on a database with a migration it does not know, saying what to do (exit 1)', async () => {
    const db = await createTestDatabase('postgres');
    dbs.push(db);
    const env = { KEYHAVEN_DATABASE_URL: db.url, KEYHAVEN_MASTER_KEY: masterKey(), KEYHAVEN_DATA_DIR: db.dataDir };
    const s = await startServerProcess([], env);
    expect(await s.stop()).toBe(0);
    await adminQuery(
      `INSERT INTO keyhaven_migrations (name, timestamp) VALUES ('999_from_the_future', now()::text)`,
      db.url.replace(/\/\/[^@]+@/, '//postgres@'),
    );
    const r = await runCli(['server', '--listen', '127.0.0.1:0'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[DATABASE_TOO_NEW]');
    expect(r.stderr).toContain('999_from_the_future');
    expect(r.stderr).toMatch(/restore a backup taken before that upgrade/);
  });
});
