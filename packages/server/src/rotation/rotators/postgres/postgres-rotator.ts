// PostgreSQL rotator: changes a role's password with ALTER ROLE as an admin (single strategy, or two
// alternating roles for zero downtime); test = a fresh login as the new credential + SELECT 1.
import pg from 'pg';
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
import { scramVerifier } from './scram.js';

export const postgresConfigSchema = z
  .object({
    ...strategyFields,
    /** Database the credential's clients use (and the test login opens); default: the admin's, else "postgres". */
    database: z.string().min(1).max(63).optional(),
    /** Revoke also terminates the role's open sessions (needs superuser or pg_signal_backend). */
    terminate_sessions_on_revoke: z.boolean().default(true),
  })
  .strict()
  .superRefine(strategyRule);
export type PostgresConfig = z.infer<typeof postgresConfigSchema> & StrategyConfig;

const adminSchema = z
  .object({
    username: z.string().min(1),
    password: z.string().optional(),
    host: z.string().min(1),
    port: z.coerce.number().int().min(1).max(65535).default(5432),
    database: z.string().min(1).default('postgres'),
  })
  .passthrough();
type Admin = z.infer<typeof adminSchema>;

interface Conn {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

const createPostgresDriver = (admin: Admin, config: PostgresConfig, timeoutMs: number, signal?: AbortSignal): CredentialDriver => {
  const open = new Set<pg.Client>();
  const withClient = async <T>(conn: Conn, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    // The driver's own limits sit just past ours so withDeadline reports a recognisable DEADLINE.
    const client = new pg.Client({
      ...conn,
      connectionTimeoutMillis: timeoutMs + 1000,
      query_timeout: timeoutMs + 1000,
      application_name: 'keyhaven-rotator',
    });
    client.on('error', () => undefined); // a dropped connection surfaces through the pending call instead
    open.add(client);
    // client.end() waits for a polite goodbye that a hung server never sends: on cancel, also drop the socket.
    const cancel = () => {
      void client.end().catch(() => undefined);
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    };
    try {
      await withDeadline(client.connect(), { timeoutMs, signal, onCancel: cancel });
      return await withDeadline(fn(client), { timeoutMs, signal, onCancel: cancel });
    } finally {
      open.delete(client);
      await withDeadline(client.end(), { timeoutMs: 1000 }).catch(cancel);
    }
  };
  const asAdmin = <T>(fn: (c: pg.Client) => Promise<T>) =>
    withClient({ host: admin.host, port: admin.port, user: admin.username, password: admin.password, database: admin.database }, fn);

  return {
    setPassword: (username, password, purpose) =>
      guard(PURPOSE_CODE[purpose], `Changing the password of role "${username}" on PostgreSQL (${purpose})`, () =>
        asAdmin(async (c) => {
          // ALTER ROLE takes no bind parameters: quote the name and the (pre-hashed) literal.
          await c.query(`ALTER ROLE ${c.escapeIdentifier(username)} WITH PASSWORD ${c.escapeLiteral(scramVerifier(password))}`);
        }),
      ),
    login: (cred: Credential) =>
      guard('ROTATION_TEST_FAILED', `Logging in to PostgreSQL as role "${cred.username}"`, () =>
        withClient(
          {
            host: cred.host,
            port: cred.port,
            user: cred.username,
            password: cred.password,
            database: String(cred.database ?? config.database ?? admin.database),
          },
          async (c) => {
            const r = await c.query<{ ok: number }>('SELECT 1 AS ok');
            if (r.rows[0]?.ok !== 1) throw Object.assign(new Error('unexpected reply'), { code: 'UNEXPECTED_REPLY' });
          },
        ),
      ),
    endSessions: async (username) => {
      if (!config.terminate_sessions_on_revoke) return;
      await guard('ROTATION_REVOKE_FAILED', `Ending the sessions of role "${username}" on PostgreSQL`, () =>
        asAdmin((c) =>
          c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()', [username]),
        ),
      );
    },
    close: async () => {
      await Promise.all([...open].map((c) => withDeadline(c.end(), { timeoutMs: 1000 }).catch(() => undefined)));
    },
  };
};

export const postgresRotator: RotatorDefinition<PostgresConfig> = {
  kind: 'postgres',
  displayName: 'PostgreSQL role password',
  description:
    'Rotates the password of a PostgreSQL role with ALTER ROLE as an admin. "single" changes one role in place; "alternating" switches between two roles so clients holding the current one keep working.',
  configSchema: postgresConfigSchema as z.ZodType<PostgresConfig, z.ZodTypeDef, unknown>,
  capabilities: { strategies: ['single', 'alternating'], rollback: true, revoke: true, needsAdminCredential: true },
  target: (config, admin) => {
    const h = targetHost({}, admin, 5432);
    return h && `postgres://${h}/${config.database ?? (typeof admin?.database === 'string' ? admin.database : 'postgres')}`;
  },
  destinations: credentialDestinations,
  create(ctx) {
    const admin = parseAdmin(adminSchema, ctx.adminCredential, 'postgres');
    const driver = createPostgresDriver(admin, ctx.config, ctx.timeoutMs, ctx.signal);
    return createCredentialRotator(
      ctx.config,
      { host: admin.host, port: admin.port, database: ctx.config.database ?? admin.database },
      driver,
    );
  },
};
