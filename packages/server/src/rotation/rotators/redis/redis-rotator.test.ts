// Runs the rotator conformance suite against the real Redis (KEYHAVEN_TEST_REDIS_URL) with ACL users
// limited to kh:* keys, and checks Redis specifics: rules survive rotation, revoke disconnects.
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRotator } from '../../rotator-registry.js';
import { runRotatorConformance, type TargetHarness } from '../../../../test/support/rotators/conformance.js';
import { serverAvailable } from '../../../../test/support/rotators/reachability.js';

const REDIS_URL = process.env.KEYHAVEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const up = await serverAvailable('Redis', REDIS_URL, 6379);
const u = new URL(REDIS_URL);
const host = u.hostname;
const port = Number(u.port || 6379);
const adminCred = {
  username: decodeURIComponent(u.username) || 'default',
  password: u.password ? decodeURIComponent(u.password) : undefined,
  host,
  port,
};
const RULES = ['~kh:*', '+@read', '+@write', '+ping', '+@connection'];

const client = (cred: Record<string, unknown>) => {
  const r = new Redis({
    host: String(cred.host),
    port: Number(cred.port),
    username: cred.username as string | undefined,
    password: cred.password as string | undefined,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3000,
  });
  r.on('error', () => undefined);
  return r;
};

const harness = async (): Promise<TargetHarness> => {
  const admin = client(adminCred);
  await admin.connect();
  return {
    kind: 'redis',
    admin: adminCred,
    checksPasswordsAtLogin: true,
    createUser: async (name, password) => {
      await admin.call('ACL', 'SETUSER', name, 'reset', 'on', `>${password}`, ...RULES);
    },
    dropUser: async (name) => {
      await admin.call('ACL', 'DELUSER', name);
    },
    canLogin: async (cred) => {
      const r = client(cred);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    },
    openSession: async (cred) => {
      const r = client(cred);
      await r.connect();
      return {
        alive: () =>
          r.ping().then(
            (p) => p === 'PONG',
            () => false,
          ),
        close: async () => r.disconnect(),
      };
    },
    credential: (username, password) => ({ username, password, host, port }),
    close: async () => admin.disconnect(),
  };
};

describe.skipIf(!up)(`redis rotator on ${u.host} (skipped when the server is not reachable)`, () => {
  runRotatorConformance('redis', harness);

  describe('redis specifics', () => {
    let h: TargetHarness;
    const name = `kh_rot_${randomBytes(3).toString('hex')}_rules`;
    beforeAll(async () => {
      h = await harness();
      await h.createUser(name, 'initial-password-1');
    });
    afterAll(async () => {
      await h.dropUser(name);
      await h.close();
    });

    const getUser = async () => {
      const r = client(adminCred);
      await r.connect();
      try {
        const flat = (await r.call('ACL', 'GETUSER', name)) as unknown[];
        const m = new Map<string, unknown>();
        for (let i = 0; i < flat.length; i += 2) m.set(String(flat[i]), flat[i + 1]);
        return m;
      } finally {
        r.disconnect();
      }
    };

    it("rotation keeps the user's command, key and channel rules; revoke switches it off and drops its connections", async () => {
      const before = await getUser();
      const r = createRotator('redis', { config: { strategy: 'single' }, adminCredential: adminCred });
      const c0 = h.credential(name, 'initial-password-1');
      const c1 = r.prepare(c0, 'rotated-password-2') as Record<string, unknown>;
      await r.set(c1, c0);
      await r.test(c1);
      const after = await getUser();
      for (const field of ['commands', 'keys', 'channels']) expect(after.get(field), field).toEqual(before.get(field));
      expect(after.get('flags')).toContain('on');

      const held = await h.openSession(c1);
      expect(await held.alive()).toBe(true);
      await r.revoke(c1);
      expect(await held.alive()).toBe(false);
      expect(await h.canLogin(c1)).toBe(false);
      expect((await getUser()).get('flags')).toContain('off');
      await held.close();
      await r.close();
    });

    it('refuses to rotate the default user', () => {
      expect(() => createRotator('redis', { config: { strategy: 'single', username: 'default' }, adminCredential: adminCred })).toThrow(
        /default/,
      );
    });
  });
});
