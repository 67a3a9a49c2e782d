// Runs the rotator conformance suite against the real MariaDB/MySQL (KEYHAVEN_TEST_MYSQL_URL), with
// users created as 'name'@'%' by the root account.
import mysql from 'mysql2/promise';
import { describe } from 'vitest';
import { runRotatorConformance, type TargetHarness } from '../../../../test/support/rotators/conformance.js';
import { serverAvailable } from '../../../../test/support/rotators/reachability.js';

const MYSQL_URL = process.env.KEYHAVEN_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const up = await serverAvailable('MySQL/MariaDB', MYSQL_URL, 3306);

const harness = async (): Promise<TargetHarness> => {
  const u = new URL(MYSQL_URL);
  const host = u.hostname;
  const port = Number(u.port || 3306);
  const adminCred = { username: decodeURIComponent(u.username) || 'root', password: decodeURIComponent(u.password), host, port };
  const admin = await mysql.createConnection({ host, port, user: adminCred.username, password: adminCred.password, connectTimeout: 5000 });
  const connectAs = async (cred: Record<string, unknown>) => {
    const c = await mysql.createConnection({
      host: String(cred.host),
      port: Number(cred.port),
      user: String(cred.username),
      password: String(cred.password),
      connectTimeout: 5000,
    });
    c.on('error', () => undefined); // a dropped session shows as a failed query (false), not a crash
    return c;
  };

  return {
    kind: 'mysql',
    admin: adminCred,
    checksPasswordsAtLogin: true,
    createUser: async (name, password) => {
      await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [name, '%', password]);
    },
    dropUser: async (name) => {
      await admin.query('DROP USER IF EXISTS ?@?', [name, '%']);
    },
    canLogin: async (cred) => {
      let c: mysql.Connection | undefined;
      try {
        c = await connectAs(cred);
        const [rows] = await c.query('SELECT 1 AS ok');
        return (rows as Array<{ ok: number }>)[0]?.ok === 1;
      } catch {
        return false;
      } finally {
        await c?.end().catch(() => undefined);
      }
    },
    openSession: async (cred) => {
      const c = await connectAs(cred);
      return {
        alive: () =>
          c.query('SELECT 1 AS ok').then(
            ([rows]) => (rows as Array<{ ok: number }>)[0]?.ok === 1,
            () => false,
          ),
        close: () => c.end(),
      };
    },
    credential: (username, password) => ({ username, password, host, port }),
    close: () => admin.end(),
  };
};

describe.skipIf(!up)(`mysql rotator on ${new URL(MYSQL_URL).host} (skipped when the server is not reachable)`, () => {
  runRotatorConformance('mysql', harness);
});
