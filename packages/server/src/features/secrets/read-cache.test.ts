// The fill cache (lib/fill-cache.ts) on its own (bounds, age, invalidation tokens, off while not
// usable) and in the secret service on both backends: reads never see a value older than the last
// committed write, nor an uncommitted one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFillCache } from '../../lib/fill-cache.js';
import { backends } from '../../../test/support/backends.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';

describe('read cache', () => {
  it('serves what was put until the secret is invalidated', () => {
    const c = createFillCache<string>({ maxBytes: 10_000, ttlMs: 60_000 });
    const k = c.groupKey('t', 'apps/a');
    c.put(c.token(k), 'current', 'v1', 2);
    expect(c.get(k, 'current')).toBe('v1');
    expect(c.get(k, 'v1')).toBeUndefined();
    c.invalidate(k);
    expect(c.get(k, 'current')).toBeUndefined();
    expect(c.get(c.groupKey('t', 'apps/b'), 'current')).toBeUndefined();
  });

  it('refuses a fill that began before a change of the secret', () => {
    const c = createFillCache<string>({ maxBytes: 10_000, ttlMs: 60_000 });
    const k = c.groupKey('t', 'apps/a');
    const token = c.token(k); // a read starts …
    c.invalidate(k); // … a write commits meanwhile …
    c.put(token, 'current', 'old', 3); // … the read's older result must not be kept
    expect(c.get(k, 'current')).toBeUndefined();
    const other = c.groupKey('t', 'apps/b');
    const t2 = c.token(other);
    c.clear();
    c.put(t2, 'current', 'old', 3);
    expect(c.get(other, 'current')).toBeUndefined();
  });

  it('serves and keeps nothing while it is not usable (the change feed is down)', () => {
    let usable = true;
    const c = createFillCache<string>({ maxBytes: 10_000, ttlMs: 60_000, usable: () => usable });
    const k = c.groupKey('t', 'apps/a');
    c.put(c.token(k), 'current', 'v1', 2);
    usable = false;
    expect(c.get(k, 'current')).toBeUndefined();
    c.put(c.token(k), 'v2', 'v2', 2);
    usable = true;
    expect(c.get(k, 'v2')).toBeUndefined();
    expect(c.get(k, 'current')).toBe('v1'); // not usable is not cleared: the feed's reset clears it
  });

  it('stays within its byte budget (oldest first) and forgets entries after their age', () => {
    let now = 0;
    const c = createFillCache<number>({ maxBytes: 4 * (256 + 100), ttlMs: 1000, now: () => now });
    for (let i = 0; i < 10; i++) c.put(c.token(c.groupKey('t', `s${i}`)), 'current', i, 100);
    expect(c.stats().bytes).toBeLessThanOrEqual(4 * (256 + 100));
    expect(c.get(c.groupKey('t', 's0'), 'current')).toBeUndefined();
    expect(c.get(c.groupKey('t', 's9'), 'current')).toBe(9);
    now = 1000;
    expect(c.get(c.groupKey('t', 's9'), 'current')).toBeUndefined();
    // A value larger than a quarter of the budget is never cached.
    c.put(c.token(c.groupKey('t', 'big')), 'current', 1, 1000);
    expect(c.get(c.groupKey('t', 'big'), 'current')).toBeUndefined();
  });

  it('is off with a zero budget', () => {
    const c = createFillCache<string>({ maxBytes: 0, ttlMs: 1000 });
    const k = c.groupKey('t', 'a');
    c.put(c.token(k), 'current', 'v', 1);
    expect(c.get(k, 'current')).toBeUndefined();
  });
});

/** A promise the test releases: keeps a write's transaction open while a read runs beside it. */
const gated = () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  return { gate, release };
};

describe.each(backends())('cached reads in the secret service on %s', (backend) => {
  let s: TestServer;
  const scope = { tenant: 'default', actor: { tokenId: 'tok_test', name: 'test' } };
  beforeAll(async () => {
    s = await startTestServer(backend);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a read during an uncommitted write sees the committed value; after the commit, the new one', async () => {
    const secrets = s.app.services.secrets;
    await secrets.write(scope, 'cache/a', 'v1', { create: true });
    expect((await secrets.read(scope, 'cache/a')).value).toBe('v1');
    const { gate, release } = gated();
    const writing = secrets.write(scope, 'cache/a', 'v2', { inTransaction: () => gate });
    await new Promise((r) => setTimeout(r, 20));
    const during = secrets.read(scope, 'cache/a');
    release();
    await writing;
    // The read that started during the write returns either value, never an uncommitted one that is
    // then lost; every read that starts after the write returned sees v2.
    expect(['v1', 'v2']).toContain((await during).value);
    expect((await secrets.read(scope, 'cache/a')).value).toBe('v2');
    expect((await secrets.read(scope, 'cache/a', { version: 1 })).labels).toEqual(['previous']);
  });

  it('a read while a write is open never sees its uncommitted version, even when the write then fails', async () => {
    const secrets = s.app.services.secrets;
    await secrets.write(scope, 'cache/e', 'v1', { create: true });
    expect((await secrets.read(scope, 'cache/e')).value).toBe('v1');
    const { gate, release } = gated();
    const writing = secrets.write(scope, 'cache/e', 'v2', {
      inTransaction: async () => {
        await gate;
        throw new Error('abort after storing v2');
      },
    });
    await new Promise((r) => setTimeout(r, 20)); // v2 is stored, uncommitted, in the open transaction
    const during = secrets.read(scope, 'cache/e');
    release();
    await expect(writing).rejects.toThrow('abort after storing v2');
    expect((await during).value).toBe('v1');
    expect((await secrets.read(scope, 'cache/e')).version).toBe(1);
  });

  it('a write that fails after storing its version leaves the old value readable', async () => {
    const secrets = s.app.services.secrets;
    await secrets.write(scope, 'cache/b', 'v1', { create: true });
    expect((await secrets.read(scope, 'cache/b')).value).toBe('v1');
    await expect(
      secrets.write(scope, 'cache/b', 'v2', {
        inTransaction: async () => {
          throw new Error('boom');
        },
      }),
    ).rejects.toThrow('boom');
    expect((await secrets.read(scope, 'cache/b')).value).toBe('v1');
    expect((await secrets.read(scope, 'cache/b')).version).toBe(1);
  });

  it('metadata changes, deletes, restores and destroys are seen at once', async () => {
    const secrets = s.app.services.secrets;
    await secrets.write(scope, 'cache/c', { user: 'app', password: 'p1' }, { create: true });
    expect((await secrets.read(scope, 'cache/c')).type).toBe('generic');
    await secrets.update(scope, 'cache/c', { type: 'database_credentials' });
    expect((await secrets.read(scope, 'cache/c')).type).toBe('database_credentials');
    await secrets.write(scope, 'cache/c', { user: 'app', password: 'p2' });
    expect((await secrets.read(scope, 'cache/c', { version: 1, field: 'password' })).value).toBe('p1');
    await secrets.write(scope, 'cache/c', { user: 'app', password: 'p3' });
    expect((await secrets.read(scope, 'cache/c', { version: 1 })).labels).toEqual([]);
    await secrets.destroy(scope, 'cache/c', [1]);
    await expect(secrets.read(scope, 'cache/c', { version: 1 })).rejects.toMatchObject({ code: 'VERSION_DESTROYED' });
    await secrets.remove(scope, 'cache/c');
    await expect(secrets.read(scope, 'cache/c')).rejects.toMatchObject({ code: 'SECRET_DELETED' });
    await secrets.restore(scope, 'cache/c');
    expect((await secrets.read(scope, 'cache/c', { field: 'password' })).value).toBe('p3');
  });

  it('a served read cannot be changed in place by its caller, and fields are own properties only', async () => {
    const secrets = s.app.services.secrets;
    await secrets.write(scope, 'cache/d', { password: 'p1' }, { create: true });
    const r = await secrets.read(scope, 'cache/d');
    expect(() => {
      (r.value as Record<string, string>).password = 'tampered';
    }).toThrow(TypeError);
    expect(() => {
      (r.labels as string[]).push('x');
    }).toThrow(TypeError);
    expect((await secrets.read(scope, 'cache/d', { field: 'password' })).value).toBe('p1');
    await expect(secrets.read(scope, 'cache/d', { field: 'constructor' })).rejects.toMatchObject({ code: 'FIELD_NOT_FOUND' });
    await expect(secrets.read(scope, 'cache/d', { field: '__proto__' })).rejects.toMatchObject({ code: 'FIELD_NOT_FOUND' });
  });
});
