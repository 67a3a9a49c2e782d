// MySQL/MariaDB rotator: ALTER USER 'name'@'host' IDENTIFIED BY … as an admin (single strategy, or
// two alternating users); test = a fresh login as the new credential + SELECT 1.
import mysql from 'mysql2/promise';
import { z } from 'zod';
import type { RotatorDefinition } from '../../rotator-types.js';
import {
  type Credential,
  credentialDestinations,
  parseAdmin,
  type StrategyConfig,
  strategyFields,
  strategyRule,
  targetHost,
} from '../shared/credential-config.js';
import { createCredentialRotator, PURPOSE_CODE, type CredentialDriver } from '../shared/credential-rotator.js';
import { withDeadline } from '../shared/deadline.js';
import { guard } from '../shared/target-errors.js';

export const mysqlConfigSchema = z
  .object({
    ...strategyFields,
    /** The host part of the account, as in 'app'@'%'. */
    host_pattern: z.string().min(1).max(255).default('%'),
    /** Database the test login selects (optional). */
    database: z.string().min(1).max(64).optional(),
    /** Revoke also kills the user's open connections (needs CONNECTION ADMIN / SUPER). */
    kill_sessions_on_revoke: z.boolean().default(true),
  })
  .strict()
  .superRefine(strategyRule);
export type MysqlConfig = z.infer<typeof mysqlConfigSchema> & StrategyConfig;

const adminSchema = z
  .object({
    username: z.string().min(1),
    password: z.string().optional(),
    host: z.string().min(1),
    port: z.coerce.number().int().min(1).max(65535).default(3306),
    database: z.string().min(1).optional(),
  })
  .passthrough();
type Admin = z.infer<typeof adminSchema>;

const createMysqlDriver = (admin: Admin, config: MysqlConfig, timeoutMs: number, signal?: AbortSignal): CredentialDriver => {
  const open = new Set<mysql.Connection>();
  const withConn = async <T>(opts: mysql.ConnectionOptions, fn: (c: mysql.Connection) => Promise<T>): Promise<T> => {
    const connecting = mysql.createConnection({ ...opts, connectTimeout: timeoutMs + 1000 });
    const conn = await withDeadline(connecting, {
      timeoutMs,
      signal,
      onCancel: () =>
        void connecting.then(
          (c) => c.destroy(),
          () => undefined,
        ), // a late connection is closed at once
    });
    const cancel = () => conn.destroy();
    conn.on('error', () => undefined);
    open.add(conn);
    try {
      return await withDeadline(fn(conn), { timeoutMs, signal, onCancel: cancel });
    } finally {
      open.delete(conn);
      await conn.end().catch(() => conn.destroy());
    }
  };
  const asAdmin = <T>(fn: (c: mysql.Connection) => Promise<T>) =>
    withConn({ host: admin.host, port: admin.port, user: admin.username, password: admin.password ?? '', database: admin.database }, fn);

  return {
    setPassword: (username, password, purpose) =>
      guard(PURPOSE_CODE[purpose], `Changing the password of user "${username}"@"${config.host_pattern}" on MySQL (${purpose})`, () =>
        asAdmin(async (c) => {
          // ALTER USER takes no bind parameters in every server version: escape each literal.
          await c.query(`ALTER USER ${c.escape(username)}@${c.escape(config.host_pattern)} IDENTIFIED BY ${c.escape(password)}`);
        }),
      ),
    login: (cred: Credential) =>
      guard('ROTATION_TEST_FAILED', `Logging in to MySQL as user "${cred.username}"`, () =>
        withConn(
          {
            host: cred.host,
            port: cred.port,
            user: cred.username,
            password: cred.password,
            database: cred.database !== undefined ? String(cred.database) : config.database,
          },
          async (c) => {
            const [rows] = await c.query('SELECT 1 AS ok');
            if ((rows as Array<{ ok: number }>)[0]?.ok !== 1)
              throw Object.assign(new Error('unexpected reply'), { code: 'UNEXPECTED_REPLY' });
          },
        ),
      ),
    endSessions: async (username) => {
      if (!config.kill_sessions_on_revoke) return;
      await guard('ROTATION_REVOKE_FAILED', `Ending the sessions of user "${username}" on MySQL`, () =>
        asAdmin(async (c) => {
          const [rows] = await c.query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()', [
            username,
          ]);
          for (const { id } of rows as Array<{ id: number }>) await c.query('KILL CONNECTION ?', [Number(id)]).catch(() => undefined); // may have ended already
        }),
      );
    },
    close: async () => {
      for (const c of open) c.destroy();
    },
  };
};

export const mysqlRotator: RotatorDefinition<MysqlConfig> = {
  kind: 'mysql',
  displayName: 'MySQL / MariaDB user password',
  description:
    'Rotates the password of a MySQL or MariaDB account with ALTER USER as an admin. "single" changes one user in place; "alternating" switches between two users so clients holding the current one keep working.',
  configSchema: mysqlConfigSchema as z.ZodType<MysqlConfig, z.ZodTypeDef, unknown>,
  capabilities: { strategies: ['single', 'alternating'], rollback: true, revoke: true, needsAdminCredential: true },
  target: (_config, admin) => {
    const h = targetHost({}, admin, 3306);
    return h && `mysql://${h}`;
  },
  destinations: credentialDestinations,
  create(ctx) {
    const admin = parseAdmin(adminSchema, ctx.adminCredential, 'mysql');
    const driver = createMysqlDriver(admin, ctx.config, ctx.timeoutMs, ctx.signal);
    return createCredentialRotator(ctx.config, { host: admin.host, port: admin.port, database: ctx.config.database }, driver);
  },
};
