// Test backends: a fresh SQLite file, and (when reachable; required under CI=true) a fresh
// PostgreSQL database owned by a fresh non-superuser role, so row-level security really applies.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type BackendName = 'sqlite' | 'postgres';
export const PG_ADMIN_URL = process.env.KEYHAVEN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const probePostgres = async (): Promise<boolean> => {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  c.on('error', () => {}); // a dropped connection fails the pending call instead of the test process
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
};

const pgAvailable = await probePostgres();
if (!pgAvailable && process.env.CI === 'true') {
  throw new Error(`PostgreSQL is required under CI=true but ${PG_ADMIN_URL} is not reachable`);
}
if (!pgAvailable) console.warn(`[skip] PostgreSQL backend suites: ${PG_ADMIN_URL} is not reachable`);

/** The backends this run covers; PostgreSQL only when reachable (always under CI). */
export const backends = (): BackendName[] => (pgAvailable ? ['sqlite', 'postgres'] : ['sqlite']);
export const postgresAvailable = pgAvailable;

export interface TestDatabase {
  url: string;
  backend: BackendName;
  dataDir: string;
  drop(): Promise<void>;
}

export const adminQuery = async (sql: string, url = PG_ADMIN_URL) => {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {}); // as above
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
};

export const createTestDatabase = async (backend: BackendName): Promise<TestDatabase> => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'keyhaven-test-'));
  if (backend === 'sqlite') {
    return {
      backend,
      dataDir,
      url: path.join(dataDir, 'keyhaven.db'),
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const suffix = randomBytes(6).toString('hex');
  const role = `kh_app_${suffix}`;
  const db = `kh_test_${suffix}`;
  await adminQuery(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS`);
  await adminQuery(`CREATE DATABASE ${db} OWNER ${role}`);
  const u = new URL(PG_ADMIN_URL);
  u.username = role;
  u.password = '';
  u.pathname = `/${db}`;
  return {
    backend,
    dataDir,
    url: u.toString(),
    async drop() {
      await adminQuery(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await adminQuery(`DROP ROLE IF EXISTS ${role}`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
