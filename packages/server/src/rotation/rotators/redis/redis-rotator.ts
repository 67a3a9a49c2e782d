// Redis ACL rotator: ACL SETUSER <user> on resetpass #<sha256> as an admin. ACL SETUSER is
// incremental, so the user's commands/keys/channels rules stay as they are; test = AUTH + PING.
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { KeyhavenError } from '../../../lib/errors.js';
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

export const redisConfigSchema = z
  .object({
    ...strategyFields,
    /** Logical database the test connection selects. */
    db: z.number().int().min(0).max(15).optional(),
    /** Revoke also switches the user off and disconnects its clients (CLIENT KILL USER). */
    disable_on_revoke: z.boolean().default(true),
  })
  .strict()
  .superRefine(strategyRule);
export type RedisConfig = z.infer<typeof redisConfigSchema> & StrategyConfig;

const adminSchema = z
  .object({
    username: z.string().min(1).default('default'),
    password: z.string().optional(),
    host: z.string().min(1),
    port: z.coerce.number().int().min(1).max(65535).default(6379),
  })
  .passthrough();
type Admin = z.infer<typeof adminSchema>;

/** The "#<hex sha256>" ACL form: the plaintext never travels in the command. */
const passwordHash = (password: string) => '#' + createHash('sha256').update(password, 'utf8').digest('hex');

const createRedisDriver = (admin: Admin, config: RedisConfig, timeoutMs: number, signal?: AbortSignal): CredentialDriver => {
  const open = new Set<Redis>();
  const withClient = async <T>(opts: RedisOptions, fn: (r: Redis) => Promise<T>): Promise<T> => {
    const r = new Redis({
      ...opts,
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
      showFriendlyErrorStack: false,
    });
    // ioredis rejects connect() with a bare "Connection is closed."; the cause (ECONNREFUSED,
    // WRONGPASS…) arrives as an 'error' event, so keep it and report that instead.
    let lastError: unknown;
    r.on('error', (e: unknown) => {
      lastError = e;
    });
    open.add(r);
    try {
      return await withDeadline(
        r.connect().then(() => fn(r)),
        { timeoutMs, signal, onCancel: () => r.disconnect() },
      );
    } catch (err) {
      throw lastError !== undefined && r.status !== 'ready' ? lastError : err;
    } finally {
      open.delete(r);
      r.disconnect();
    }
  };
  const asAdmin = <T>(fn: (r: Redis) => Promise<T>) =>
    withClient({ host: admin.host, port: admin.port, username: admin.username, password: admin.password }, fn);

  return {
    setPassword: (username, password, purpose) =>
      guard(PURPOSE_CODE[purpose], `Changing the password of ACL user "${username}" on Redis (${purpose})`, () =>
        asAdmin(async (r) => {
          // SETUSER would create a missing user: check first, and fail instead.
          if ((await r.call('ACL', 'GETUSER', username)) === null) throw Object.assign(new Error('no such user'), { code: 'USER_MISSING' });
          const rules = purpose === 'revoke' && config.disable_on_revoke ? ['off'] : purpose === 'revoke' ? [] : ['on'];
          await r.call('ACL', 'SETUSER', username, ...rules, 'resetpass', passwordHash(password));
        }),
      ),
    login: (cred: Credential) =>
      guard('ROTATION_TEST_FAILED', `Logging in to Redis as ACL user "${cred.username}"`, () =>
        withClient({ host: cred.host, port: cred.port, username: cred.username, password: cred.password, db: config.db }, async (r) => {
          if ((await r.ping()) !== 'PONG') throw Object.assign(new Error('unexpected reply'), { code: 'UNEXPECTED_REPLY' });
        }),
      ),
    endSessions: async (username) => {
      if (!config.disable_on_revoke) return;
      await guard('ROTATION_REVOKE_FAILED', `Disconnecting the clients of ACL user "${username}" on Redis`, () =>
        asAdmin((r) => r.call('CLIENT', 'KILL', 'USER', username)),
      );
    },
    close: async () => {
      for (const r of open) r.disconnect();
    },
  };
};

export const redisRotator: RotatorDefinition<RedisConfig> = {
  kind: 'redis',
  displayName: 'Redis ACL user password',
  description:
    'Rotates the password of a Redis 6+ ACL user with ACL SETUSER as an admin, keeping its command and key rules. "alternating" switches between two ACL users with the same rules.',
  configSchema: redisConfigSchema as z.ZodType<RedisConfig, z.ZodTypeDef, unknown>,
  capabilities: { strategies: ['single', 'alternating'], rollback: true, revoke: true, needsAdminCredential: true },
  target: (_config, admin) => {
    const h = targetHost({}, admin, 6379);
    return h && `redis://${h}`;
  },
  destinations: credentialDestinations,
  create(ctx) {
    const admin = parseAdmin(adminSchema, ctx.adminCredential, 'redis');
    if (ctx.config.users?.includes('default') || ctx.config.username === 'default') {
      throw new KeyhavenError(
        'ROTATOR_CONFIG_INVALID',
        'The Redis "default" user cannot be rotated by this rotator; create a named ACL user for clients.',
        [{ path: 'users', message: 'the "default" user is not allowed' }],
      );
    }
    const driver = createRedisDriver(admin, ctx.config, ctx.timeoutMs, ctx.signal);
    return createCredentialRotator(ctx.config, { host: admin.host, port: admin.port }, driver);
  },
};
