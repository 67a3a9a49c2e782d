// The rotator conformance suite: every user/password rotator (postgres, mysql, redis) runs these
// tests against a real server through a small harness that can create users and try logins.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyhavenError } from '../../../src/lib/errors.js';
import { generateValue } from '../../../src/rotation/generators/registry.js';
import { createRotator } from '../../../src/rotation/rotator-registry.js';
import type { CredentialValue, Rotator } from '../../../src/rotation/rotator-types.js';
import { expectNoSecrets } from './leak-check.js';
import { closedPort, silentServer } from './reachability.js';

export interface Session {
  alive(): Promise<boolean>;
  close(): Promise<void>;
}

export interface TargetHarness {
  kind: 'postgres' | 'mysql' | 'redis';
  /** Admin credential as the engine would resolve it. */
  admin: Record<string, unknown>;
  /** Rotator config fields besides strategy/users/username. */
  extraConfig?: Record<string, unknown>;
  createUser(username: string, password: string): Promise<void>;
  dropUser(username: string): Promise<void>;
  /** A fresh login with the credential plus a trivial query, and (where the server does not check passwords) the stored verifier. */
  canLogin(cred: Record<string, unknown>): Promise<boolean>;
  openSession(cred: Record<string, unknown>): Promise<Session>;
  credential(username: string, password: string): Record<string, unknown>;
  /** False when the server lets any password in (e.g. PostgreSQL with trust auth). */
  checksPasswordsAtLogin: boolean;
  close(): Promise<void>;
}

/** Passwords with quotes, backslashes and SQL punctuation prove the escaping, not just the happy path. */
const newPassword = async () => `${(await generateValue('password', { length: 24 })) as string}'"\\;--%_`;

export const runRotatorConformance = (label: string, makeHarness: () => Promise<TargetHarness>) => {
  let h: TargetHarness;
  const created: string[] = [];
  const rotators: Rotator[] = [];
  const sessions: Session[] = [];
  const prefix = `kh_rot_${randomBytes(3).toString('hex')}`;

  const user = async (tag: string) => {
    const name = `${prefix}_${tag}`;
    const password = await newPassword();
    created.push(name);
    await h.createUser(name, password);
    return h.credential(name, password);
  };
  const rotator = (config: Record<string, unknown>, admin: Record<string, unknown> = h.admin) => {
    const r = createRotator(h.kind, { config: { ...h.extraConfig, ...config }, adminCredential: admin, timeoutMs: 5000 });
    rotators.push(r);
    return r;
  };
  const rotate = async (r: Rotator, current: CredentialValue) => {
    const pending = r.prepare(current, await newPassword()) as Record<string, unknown>;
    await r.set(pending, current);
    await r.test(pending);
    return pending;
  };
  const session = async (cred: Record<string, unknown>) => {
    const s = await h.openSession(cred);
    sessions.push(s);
    return s;
  };

  describe(`${label}: rotator conformance`, () => {
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
      await Promise.all(rotators.map((r) => r.close()));
      for (const name of created) await h?.dropUser(name);
      await h?.close();
    });

    it('single: the new credential logs in, the old one no longer does, twice in a row; set is idempotent', async () => {
      const c0 = await user('single');
      const r = rotator({ strategy: 'single' });
      expect(await h.canLogin(c0)).toBe(true);
      const c1 = r.prepare(c0, await newPassword()) as Record<string, unknown>;
      expect(c1.username).toBe(c0.username);
      expect(c1.host).toBe(c0.host);
      await r.set(c1, c0);
      await r.set(c1, c0); // the engine may repeat set after a crash
      await r.test(c1);
      expect(await h.canLogin(c1)).toBe(true);
      expect(await h.canLogin(c0)).toBe(false);
      const c2 = await rotate(r, c1);
      expect(await h.canLogin(c2)).toBe(true);
      expect(await h.canLogin(c1)).toBe(false);
    });

    it('single: rollback after set restores the current credential', async () => {
      const c0 = await user('rollback');
      const r = rotator({ strategy: 'single' });
      const pending = r.prepare(c0, await newPassword()) as Record<string, unknown>;
      await r.set(pending, c0);
      expect(await h.canLogin(c0)).toBe(false);
      await r.rollback(pending, c0);
      expect(await h.canLogin(c0)).toBe(true);
      expect(await h.canLogin(pending)).toBe(false);
    });

    it('test() rejects a credential that does not log in, with ROTATION_TEST_FAILED and no password', async () => {
      const c0 = await user('testfail');
      const r = rotator({ strategy: 'single' });
      const wrongPassword = { ...c0, password: `wrong-${randomBytes(8).toString('hex')}` };
      const wrongUser = { ...c0, username: `${prefix}_absent`, password: `wrong-${randomBytes(8).toString('hex')}` };
      // A missing user fails on every server; a wrong password only where the server checks passwords
      // at login (PostgreSQL here runs with trust auth, see the harness).
      const cases = h.checksPasswordsAtLogin ? [wrongUser, wrongPassword] : [wrongUser];
      for (const wrong of cases) {
        expect(await h.canLogin(wrong)).toBe(false);
        const err = await r.test(wrong).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(KeyhavenError);
        expect((err as KeyhavenError).code).toBe('ROTATION_TEST_FAILED');
        expectNoSecrets(err, [wrong.password]);
      }
    });

    it('alternating: the old credential keeps working (open session and fresh login) through one rotation; the second rotation changes the first user', async () => {
      const a0 = await user('alt_a');
      const b0 = await user('alt_b');
      const r = rotator({ strategy: 'alternating', users: [a0.username, b0.username] });
      const held = await session(a0);

      const b1 = await rotate(r, a0);
      expect(b1.username).toBe(b0.username);
      expect(await h.canLogin(b1)).toBe(true);
      expect(await h.canLogin(b0)).toBe(false); // b's old password is gone
      expect(await h.canLogin(a0)).toBe(true); // the current user was not touched
      expect(await held.alive()).toBe(true);

      const a1 = await rotate(r, b1);
      expect(a1.username).toBe(a0.username);
      expect(await h.canLogin(a1)).toBe(true);
      expect(await h.canLogin(a0)).toBe(false);
      expect(await h.canLogin(b1)).toBe(true); // now the previous credential, still valid
    });

    it('alternating: rollback scrambles the unpromoted user and leaves the current one working', async () => {
      const a0 = await user('altrb_a');
      const b0 = await user('altrb_b');
      const r = rotator({ strategy: 'alternating', users: [a0.username, b0.username] });
      const pending = r.prepare(a0, await newPassword()) as Record<string, unknown>;
      await r.set(pending, a0);
      await r.rollback(pending, a0);
      expect(await h.canLogin(a0)).toBe(true);
      expect(await h.canLogin(pending)).toBe(false);
      expect(await h.canLogin(b0)).toBe(false);
    });

    it('revoke makes the old credential fail at once', async () => {
      const c0 = await user('revoke');
      const r = rotator({ strategy: 'single' });
      expect(await h.canLogin(c0)).toBe(true);
      await r.revoke(c0);
      expect(await h.canLogin(c0)).toBe(false);
    });

    it('set against a closed port: ROTATION_TARGET_UNREACHABLE, and no password in the error', async () => {
      const c0 = h.credential(`${prefix}_nobody`, 'unused');
      const port = await closedPort();
      const admin = { ...h.admin, port };
      const r = rotator({ strategy: 'single' }, admin);
      const pending = r.prepare(c0, await newPassword()) as Record<string, unknown>;
      const err = await r.set(pending, c0).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KeyhavenError);
      expect((err as KeyhavenError).code).toBe('ROTATION_TARGET_UNREACHABLE');
      expect((err as KeyhavenError).message).toContain('refused');
      expectNoSecrets(err, [String(pending.password), String(h.admin.password ?? '')]);
    });

    it('set against a server that accepts but never answers fails within the timeout (ROTATION_TARGET_UNREACHABLE)', async () => {
      const silent = await silentServer();
      try {
        const r = createRotator(h.kind, {
          config: { ...h.extraConfig, strategy: 'single' },
          adminCredential: { ...h.admin, port: silent.port },
          timeoutMs: 400,
        });
        rotators.push(r);
        const c0 = h.credential(`${prefix}_nobody`, 'unused');
        const pending = r.prepare(c0, await newPassword()) as Record<string, unknown>;
        const started = Date.now();
        const err = await r.set(pending, c0).catch((e: unknown) => e);
        expect(Date.now() - started).toBeLessThan(3000);
        expect((err as KeyhavenError).code).toBe('ROTATION_TARGET_UNREACHABLE');
        expectNoSecrets(err, [String(pending.password)]);
      } finally {
        await silent.close();
      }
    });

    it('aborting the signal stops a hung set at once', async () => {
      const silent = await silentServer();
      try {
        const ac = new AbortController();
        const r = createRotator(h.kind, {
          config: { ...h.extraConfig, strategy: 'single' },
          adminCredential: { ...h.admin, port: silent.port },
          timeoutMs: 20_000,
          signal: ac.signal,
        });
        rotators.push(r);
        const c0 = h.credential(`${prefix}_nobody`, 'unused');
        const pending = r.prepare(c0, await newPassword());
        const started = Date.now();
        setTimeout(() => ac.abort(), 150);
        const err = await r.set(pending, c0).catch((e: unknown) => e);
        expect(Date.now() - started).toBeLessThan(2000);
        expect((err as KeyhavenError).message).toContain('cancelled');
      } finally {
        await silent.close();
      }
    });

    it('set for a missing user: ROTATION_SET_FAILED naming the user, no password in the error, and no user created', async () => {
      const ghost = `${prefix}_ghost`;
      created.push(ghost);
      const r = rotator({ strategy: 'single', username: ghost });
      const pending = r.prepare(null, `LEAK-${randomBytes(8).toString('hex')}'; DROP ROLE x; --`) as Record<string, unknown>;
      const err = await r.set(pending, null).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KeyhavenError);
      expect((err as KeyhavenError).code).toBe('ROTATION_SET_FAILED');
      expect((err as KeyhavenError).message).toContain(ghost);
      expect((err as Error).cause).toBeInstanceOf(Error);
      expectNoSecrets(err, [String(pending.password), 'LEAK-', 'DROP ROLE']);
      expect(await h.canLogin(pending)).toBe(false);
    });

    it('bad config: alternating without two distinct users, missing admin credential, unknown kind', () => {
      const codeOf = (fn: () => unknown) => {
        try {
          fn();
        } catch (e) {
          return e as KeyhavenError;
        }
        throw new Error('expected an error');
      };
      const noUsers = codeOf(() => createRotator(h.kind, { config: { strategy: 'alternating' }, adminCredential: h.admin }));
      expect(noUsers.code).toBe('ROTATOR_CONFIG_INVALID');
      expect(noUsers.message).toContain('users');
      const same = codeOf(() =>
        createRotator(h.kind, { config: { strategy: 'alternating', users: ['x', 'x'] }, adminCredential: h.admin }),
      );
      expect(same.message).toContain('must differ');
      const many = codeOf(() =>
        createRotator(h.kind, { config: { strategy: 'sometimes', port: 'x', colour: 1 }, adminCredential: h.admin }),
      );
      expect(many.message).toMatch(/strategy.*port.*colour|strategy[\s\S]*port[\s\S]*colour/);
      const noAdmin = codeOf(() => createRotator(h.kind, { config: { strategy: 'single' } }));
      expect(noAdmin.code).toBe('ROTATOR_CONFIG_INVALID');
      expect(noAdmin.message).toContain('admin credential');
      const unknown = codeOf(() => createRotator(`${h.kind}-nope`, { config: {} }));
      expect(unknown.code).toBe('ROTATOR_UNKNOWN');
      expect(unknown.message).toContain(h.kind);
    });
  });
};
