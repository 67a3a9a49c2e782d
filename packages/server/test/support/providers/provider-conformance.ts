// The provider conformance suite: one set of vitest tests every provider must pass, run against its
// local protocol-faithful server and, when the environment points at one, against the real store.
// Skips are reasoned: each one is registered as a skipped test whose title says why.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKeyhavenError, type ErrorCode } from '../../../src/lib/errors.js';
import type { Provider, ProviderCapabilities } from '../../../src/providers/provider-types.js';

export type ConformanceCheck = 'tags' | 'describe-versions' | 'unavailable' | 'bad-credential' | 'payload-too-large' | 'delete' | 'list';

export interface ConformanceTarget {
  capabilities: ProviderCapabilities;
  /** Starts local servers; runs in beforeAll. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** A provider talking to a working store. */
  provider(): Promise<Provider>;
  /** A provider whose store is down (closed port), for PROVIDER_UNAVAILABLE. */
  unavailable?(): Promise<Provider>;
  /** A provider with a wrong credential, for PROVIDER_AUTH_FAILED. */
  badCredential?(): Promise<Provider>;
  /** Makes a valid, unique store name from parts (default: joined by "-", lower case). */
  name?(parts: string[]): string;
  /** Puts a value in a read-only store (capabilities.writable false). */
  seed?(name: string, value: string): Promise<void>;
  /** Checks that cannot apply to this target, with the reason. */
  skip?: Partial<Record<ConformanceCheck, string>>;
  /** Upper bound for PROVIDER_UNAVAILABLE to surface, ms (default 10s). */
  unavailableWithinMs?: number;
}

const MULTILINE = 'héllo wörld 🌍 — ключ 秘密\nline two\r\nthird\tline "double" \'single\' `back` \\n literal # not a comment $HOME =eq\n';

const expectCode = async (p: Promise<unknown>, code: ErrorCode): Promise<Error> => {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeDefined();
  if (!isKeyhavenError(err)) throw err;
  expect(err.code, err.message).toBe(code);
  return err;
};

/** Asserts no secret value is visible anywhere on an error: message, details, stack or causes. */
export const expectNoSecret = (err: unknown, secret: string) => {
  for (let cur: unknown = err, depth = 0; cur && depth < 8; depth++) {
    const e = cur as { message?: string; stack?: string; details?: unknown; cause?: unknown };
    const seen = [String(cur), e.message ?? '', e.stack ?? '', JSON.stringify(e.details ?? null) ?? ''].join('\n');
    expect(seen.includes(secret), 'an error carries the secret value').toBe(false);
    cur = e.cause;
  }
};

export const runProviderConformance = (title: string, target: ConformanceTarget | { skip: string }) => {
  if (!('capabilities' in target)) {
    describe(`provider conformance: ${title}`, () => {
      it.skip(`skipped: ${target.skip}`, () => undefined);
    });
    return;
  }
  const caps = target.capabilities;
  const run = randomBytes(3).toString('hex');
  const mk = (...parts: string[]) => (target.name ? target.name(['khc', run, ...parts]) : ['khc', run, ...parts].join('-').toLowerCase());
  const created = new Set<string>();
  let p: Provider;
  const secret = () => `KH-SECRET-${randomBytes(8).toString('hex')}`;
  const put = async (name: string, value: string, opts?: { description?: string; tags?: Record<string, string> }) => {
    created.add(name);
    if (caps.writable) return p.create(name, value, opts);
    await target.seed!(name, value);
    return p.read(name);
  };
  const skipped = (check: ConformanceCheck) => target.skip?.[check];
  const itIf = (ok: boolean, name: string, why: string | undefined, fn: () => Promise<void>) =>
    ok ? it(name, fn) : it.skip(`${name} — skipped: ${why}`, () => undefined);
  const itUnless = (check: ConformanceCheck, name: string, fn: () => Promise<void>) => itIf(!skipped(check), name, skipped(check), fn);

  describe(`provider conformance: ${title}`, () => {
    beforeAll(async () => {
      await target.start?.();
      p = await target.provider();
    });
    afterAll(async () => {
      if (p && caps.writable) for (const n of created) await p.delete(n, { force: true }).catch(() => undefined);
      await p?.close?.();
      await target.stop?.();
    });

    it('testConnection succeeds against a working store', async () => {
      await expect(p.testConnection()).resolves.toMatchObject({ ok: true });
    });

    it('creates and reads back a value labelled current', async () => {
      const name = mk('basic');
      const v = secret();
      const c = await put(name, v);
      expect(c.version).toBeTruthy();
      const r = await p.read(name);
      expect(r).toMatchObject({ name, value: v, version: c.version });
      expect(r.labels).toContain('current');
    });

    it('a missing secret reads and describes as PROVIDER_SECRET_NOT_FOUND', async () => {
      await expectCode(p.read(mk('missing')), 'PROVIDER_SECRET_NOT_FOUND');
      await expectCode(p.describe(mk('missing')), 'PROVIDER_SECRET_NOT_FOUND');
    });

    it('unicode and multi-line values round-trip byte for byte', async () => {
      const name = mk('unicode');
      await put(name, MULTILINE);
      expect((await p.read(name)).value).toBe(MULTILINE);
    });

    itIf(!caps.writable, 'a read-only store refuses create, write and delete', 'the store is writable', async () => {
      await expectCode(p.create(mk('ro'), 'x'), 'PROVIDER_CAPABILITY_MISSING');
      await expectCode(p.write(mk('ro'), 'x'), 'PROVIDER_CAPABILITY_MISSING');
      await expectCode(p.delete(mk('ro')), 'PROVIDER_CAPABILITY_MISSING');
    });

    describe.runIf(caps.writable)(caps.writable ? 'writes' : 'writes — skipped: the store is read-only', () => {
      it('create refuses an existing name with PROVIDER_SECRET_EXISTS', async () => {
        const name = mk('dup');
        await put(name, secret());
        await expectCode(p.create(name, secret()), 'PROVIDER_SECRET_EXISTS');
      });

      it('write adds a new current version and creates missing secrets', async () => {
        const name = mk('write');
        created.add(name);
        const v1 = secret();
        const v2 = secret();
        const w1 = await p.write(name, v1);
        const w2 = await p.write(name, v2);
        expect(w2.version).not.toBe(w1.version);
        const r = await p.read(name);
        expect(r).toMatchObject({ value: v2, version: w2.version });
        expect(r.labels).toContain('current');
      });

      itIf(caps.versions, 'older versions stay readable by version id', 'no versions capability', async () => {
        const name = mk('versions');
        const a = await put(name, 'first');
        const b = await p.write(name, 'second');
        expect((await p.read(name, { version: a.version })).value).toBe('first');
        expect((await p.read(name, { version: b.version })).value).toBe('second');
        await expectCode(p.read(name, { version: 'no-such-version-1234567890' }), 'PROVIDER_SECRET_NOT_FOUND');
      });

      itIf(caps.labels, 'pending stages without promoting; promote moves pending->current->previous', 'no labels capability', async () => {
        const name = mk('labels');
        const a = await put(name, 'old');
        const b = await p.write(name, 'new', { label: 'pending' });
        expect((await p.read(name)).value).toBe('old');
        expect(await p.read(name, { label: 'pending' })).toMatchObject({ value: 'new', version: b.version });
        await p.promote!(name, b.version);
        expect(await p.read(name, { label: 'current' })).toMatchObject({ value: 'new', version: b.version });
        expect(await p.read(name, { label: 'previous' })).toMatchObject({ value: 'old', version: a.version });
        await expectCode(p.read(name, { label: 'pending' }), 'PROVIDER_SECRET_NOT_FOUND');
        await p.moveLabel!(name, 'current', a.version);
        expect((await p.read(name, { label: 'current' })).value).toBe('old');
        const info = await p.describe(name);
        expect(info.versions?.find((v) => v.version === a.version)?.labels).toContain('current');
      });

      itIf(!caps.labels, 'writing a pending value is refused without the labels capability', 'the store has labels', async () => {
        const name = mk('nolabels');
        await put(name, 'v');
        await expectCode(p.write(name, 'w', { label: 'pending' }), 'PROVIDER_CAPABILITY_MISSING');
        expect((await p.read(name)).value).toBe('v');
      });

      itIf(caps.cas, 'check-and-set writes succeed on the current version and fail on a stale one', 'no cas capability', async () => {
        const name = mk('cas');
        const a = await put(name, 'one');
        const b = await p.write(name, 'two', { cas: a.version });
        const marker = secret();
        const err = await expectCode(p.write(name, marker, { cas: a.version }), 'PROVIDER_CAS_MISMATCH');
        expectNoSecret(err, marker);
        expect(await p.read(name)).toMatchObject({ value: 'two', version: b.version });
      });

      itIf(!caps.cas, 'a cas write is refused without the cas capability', 'the store has cas', async () => {
        const name = mk('nocas');
        const a = await put(name, 'v');
        await expectCode(p.write(name, 'w', { cas: a.version }), 'PROVIDER_CAPABILITY_MISSING');
      });

      itUnless('list', 'list returns names under a prefix and nothing else', async () => {
        const a = mk('lst', 'a');
        const b = mk('lst', 'b');
        const other = mk('oth', 'c');
        await Promise.all([put(a, '1'), put(b, '2'), put(other, '3')]);
        const names = await p.list(mk('lst'));
        expect(names).toEqual(expect.arrayContaining([a, b]));
        expect(names).not.toContain(other);
      });

      it('describe reports the versions of a secret', async () => {
        const name = mk('describe');
        const a = await put(name, 'one');
        await p.write(name, 'two');
        const info = await p.describe(name);
        expect(info.name).toBe(name);
        if (skipped('describe-versions')) return;
        const versions = info.versions ?? [];
        expect(versions.length).toBe(caps.versions ? 2 : 1);
        if (caps.versions) expect(versions.map((v) => v.version)).toContain(a.version);
        expect(versions.filter((v) => v.labels.includes('current'))).toHaveLength(1);
      });

      itUnless('tags', 'tags and description set at create are described', async () => {
        const name = mk('tags');
        await put(name, 'v', { description: 'conformance', tags: { team: 'core' } });
        const info = await p.describe(name);
        expect(info.tags?.team).toBe('core');
        expect(info.description).toBe('conformance');
      });

      itUnless('delete', 'delete (force) removes the secret from reads and lists', async () => {
        const name = mk('del');
        await put(name, 'v');
        await p.delete(name, { force: true });
        await expectCode(p.read(name), 'PROVIDER_SECRET_NOT_FOUND');
        expect(await p.list(mk('del'))).not.toContain(name);
      });

      itUnless('payload-too-large', 'a value over maxValueBytes is refused before anything is sent', async () => {
        const big = 'x'.repeat(caps.maxValueBytes - 8) + secret();
        // Against a store that is down, only a local check can answer PAYLOAD_TOO_LARGE.
        const q = target.unavailable ? await target.unavailable() : p;
        for (const err of [
          await expectCode(q.write(mk('big'), big), 'PROVIDER_PAYLOAD_TOO_LARGE'),
          await expectCode(q.create(mk('big'), big), 'PROVIDER_PAYLOAD_TOO_LARGE'),
        ]) {
          expectNoSecret(err, big.slice(-24));
        }
        await q.close?.();
        const exact = 'y'.repeat(Math.min(caps.maxValueBytes, 4096));
        const name = mk('fits');
        await put(name, exact);
        expect((await p.read(name)).value).toBe(exact);
      });
    });

    itIf(
      !!target.unavailable && !skipped('unavailable'),
      'a store that is down fails quickly with PROVIDER_UNAVAILABLE',
      skipped('unavailable') ?? 'no unavailable target',
      async () => {
        const q = await target.unavailable!();
        const t0 = Date.now();
        await expectCode(q.testConnection(), 'PROVIDER_UNAVAILABLE');
        const marker = secret();
        expectNoSecret(await expectCode(caps.writable ? q.write(mk('down'), marker) : q.read(mk('down')), 'PROVIDER_UNAVAILABLE'), marker);
        expect(Date.now() - t0).toBeLessThan(target.unavailableWithinMs ?? 10_000);
        await q.close?.();
      },
    );

    itIf(
      !!target.badCredential && !skipped('bad-credential'),
      'a wrong credential fails with PROVIDER_AUTH_FAILED',
      skipped('bad-credential') ?? 'no credential to get wrong',
      async () => {
        const q = await target.badCredential!();
        await expectCode(q.testConnection(), 'PROVIDER_AUTH_FAILED');
        const marker = secret();
        expectNoSecret(await expectCode(caps.writable ? q.write(mk('auth'), marker) : q.read(mk('auth')), 'PROVIDER_AUTH_FAILED'), marker);
        await q.close?.();
      },
    );
  });
};

/** A port on 127.0.0.1 with nothing listening, for "store is down" targets. */
export const closedPort = async (): Promise<number> => {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
};

/** Real-cloud runs need the network; the repo's loopback guard forbids it in the default config. */
export const realCloudSkipReason = (envHint: string, configured: boolean): string | undefined => {
  if (!configured) return `set ${envHint} to run against the real store`;
  return undefined;
};
