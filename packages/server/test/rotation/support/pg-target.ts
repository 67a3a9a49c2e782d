// A real PostgreSQL rotation target for tests: makes login roles with SCRAM verifiers and checks a
// credential the way a password-checking server would (this server uses trust auth, so the stored
// verifier in pg_authid is compared, as in the rotator conformance suite).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PG_ADMIN_URL } from '../../support/backends.js';
import { scramMatches, scramVerifier } from '../../../src/rotation/rotators/postgres/scram.js';

export const pgTarget = async () => {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  const u = new URL(PG_ADMIN_URL);
  const host = u.hostname;
  const port = Number(u.port || 5432);
  const roles: string[] = [];
  return {
    adminCredential: {
      username: decodeURIComponent(u.username) || 'postgres',
      host,
      port,
      database: 'postgres',
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    },
    async role(opts: { login?: boolean } = {}) {
      const name = `kh_e2e_${randomBytes(4).toString('hex')}`;
      const password = randomBytes(12).toString('base64url');
      await admin.query(
        `CREATE ROLE ${name} ${opts.login === false ? 'NOLOGIN' : 'LOGIN'} PASSWORD ${admin.escapeLiteral(scramVerifier(password))}`,
      );
      roles.push(name);
      return { username: name, password, host, port, database: 'postgres' };
    },
    /** A real login with SELECT 1, plus the stored verifier check. */
    async works(cred: { username: string; password: string }) {
      const c = new pg.Client({
        host,
        port,
        user: cred.username,
        password: cred.password,
        database: 'postgres',
        connectionTimeoutMillis: 5000,
      });
      c.on('error', () => undefined);
      try {
        await c.connect();
        if ((await c.query('SELECT 1 AS ok')).rows[0]?.ok !== 1) return false;
      } catch {
        return false;
      } finally {
        await c.end().catch(() => undefined);
      }
      const r = await admin.query<{ rolpassword: string | null }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [cred.username]);
      return r.rowCount === 1 && scramMatches(cred.password, r.rows[0]!.rolpassword);
    },
    async close() {
      for (const r of roles) {
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [r]).catch(() => undefined);
        await admin.query(`DROP ROLE IF EXISTS ${r}`).catch(() => undefined);
      }
      await admin.end();
    },
  };
};
export type PgTarget = Awaited<ReturnType<typeof pgTarget>>;
