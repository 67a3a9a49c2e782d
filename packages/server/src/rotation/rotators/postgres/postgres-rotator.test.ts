// Runs the rotator conformance suite against the real PostgreSQL (KEYHAVEN_TEST_PG_URL). The local
// server uses trust auth, so canLogin also checks the role's stored SCRAM verifier, which is what a
// password-checking server would compare at login.
import pg from 'pg';
import { describe } from 'vitest';
import { runRotatorConformance, type TargetHarness } from '../../../../test/support/rotators/conformance.js';
import { serverAvailable } from '../../../../test/support/rotators/reachability.js';
import { scramMatches, scramVerifier } from './scram.js';

const PG_URL = process.env.KEYHAVEN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const up = await serverAvailable('PostgreSQL', PG_URL, 5432);

const connectAdmin = async () => {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined); // a dropped connection rejects the next query (the test fails there), not the process
  await c.connect();
  return c;
};

const tryLogin = async (cred: Record<string, unknown>, db: string) => {
  const c = new pg.Client({
    host: String(cred.host),
    port: Number(cred.port),
    user: String(cred.username),
    password: String(cred.password),
    database: String(cred.database ?? db),
    connectionTimeoutMillis: 5000,
  });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.query('SELECT 1 AS ok')).rows[0]?.ok === 1;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
};

const harness = async (): Promise<TargetHarness> => {
  const admin = await connectAdmin();
  const u = new URL(PG_URL);
  const database = decodeURIComponent(u.pathname.slice(1)) || 'postgres';
  const host = u.hostname;
  const port = Number(u.port || 5432);
  // Does this server check passwords at login? Make a throwaway role and try a wrong password.
  const probe = `kh_rot_probe_${process.pid}`;
  await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(probe)}`);
  await admin.query(`CREATE ROLE ${admin.escapeIdentifier(probe)} LOGIN PASSWORD ${admin.escapeLiteral(scramVerifier('right'))}`);
  const checks = !(await tryLogin({ host, port, username: probe, password: 'wrong' }, database));
  await admin.query(`DROP ROLE ${admin.escapeIdentifier(probe)}`);

  return {
    kind: 'postgres',
    admin: {
      username: decodeURIComponent(u.username) || 'postgres',
      password: u.password ? decodeURIComponent(u.password) : undefined,
      host,
      port,
      database,
    },
    checksPasswordsAtLogin: checks,
    createUser: async (name, password) => {
      await admin.query(`CREATE ROLE ${admin.escapeIdentifier(name)} LOGIN PASSWORD ${admin.escapeLiteral(scramVerifier(password))}`);
    },
    dropUser: async (name) => {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [name]);
      await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(name)}`);
    },
    canLogin: async (cred) => {
      if (!(await tryLogin(cred, database))) return false;
      if (checks) return true;
      const r = await admin.query<{ rolpassword: string | null }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [cred.username]);
      return r.rowCount === 1 && scramMatches(String(cred.password), r.rows[0].rolpassword);
    },
    openSession: async (cred) => {
      const c = new pg.Client({
        host: String(cred.host),
        port: Number(cred.port),
        user: String(cred.username),
        password: String(cred.password),
        database: String(cred.database ?? database),
      });
      c.on('error', () => undefined);
      await c.connect();
      return {
        alive: async () =>
          await c.query('SELECT 1 AS ok').then(
            (r) => r.rows[0]?.ok === 1,
            () => false,
          ),
        close: () => c.end(),
      };
    },
    credential: (username, password) => ({ username, password, host, port, database }),
    close: () => admin.end(),
  };
};

describe.skipIf(!up)(`postgres rotator on ${new URL(PG_URL).host} (skipped when the server is not reachable)`, () => {
  runRotatorConformance('postgres', harness);
});
