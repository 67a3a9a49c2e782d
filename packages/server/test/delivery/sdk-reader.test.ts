// The SDK's cached reader against a real server: cache hits and TTL expiry, LRU size limit, stale
// values served (bounded, with a warning) when the server is down, timeouts on a silent server,
// refresh on change events, env and _FILE fallback, seed 003 settings; no value in any error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createClient, createSecretsReader, readerSettingsFromEnv, SecretUnavailableError, KeyhavenApiError } from '@keyhaven/sdk';
import { cleanup, startRealServer, tempDir, waitFor, type RealServer } from './support.js';

let server: RealServer;
let dir: string;
const VALUE = 'v-' + randomBytes(10).toString('hex');

beforeAll(async () => {
  server = await startRealServer();
  dir = tempDir();
  await createClient({ addr: server.url, token: server.rootToken }).secrets.set('apps/sdk/key', VALUE);
});
afterAll(async () => {
  await server?.close();
  cleanup(dir);
});

const clientFor = (addr: string, timeoutMs = 2000) => createClient({ addr, token: server.rootToken, timeoutMs });

describe('createSecretsReader', () => {
  it('serves from the cache within the TTL and refetches after it expires', async () => {
    let t = 1_000_000;
    const r = createSecretsReader(clientFor(server.url), { fromEnv: false, cacheTtlMs: 1000, now: () => t });
    expect(await r.read('apps/sdk/key')).toMatchObject({ value: VALUE, source: 'server', version: 1 });
    expect((await r.read('apps/sdk/key')).source).toBe('cache');
    t += 1001;
    expect((await r.read('apps/sdk/key')).source).toBe('server');
    expect(r.stats()).toMatchObject({ hits: 1, misses: 2 });
  });

  it('keeps at most maxEntries values, evicting the least recently used', async () => {
    const c = clientFor(server.url);
    for (const n of ['a', 'b', 'c']) await c.secrets.set(`apps/lru/${n}`, `value-${n}`);
    const r = createSecretsReader(c, { fromEnv: false, maxEntries: 2 });
    await r.get('apps/lru/a');
    await r.get('apps/lru/b');
    await r.get('apps/lru/a');
    await r.get('apps/lru/c');
    expect(r.stats().size).toBe(2);
    expect((await r.read('apps/lru/a')).source).toBe('cache');
    expect((await r.read('apps/lru/b')).source).toBe('server'); // b was evicted
  });

  it('serves a stale value with a warning while the server is down, but only up to maxStaleMs', async () => {
    const own = await startRealServer();
    await createClient({ addr: own.url, token: own.rootToken }).secrets.set('x/key', VALUE);
    let t = 0;
    const warnings: string[] = [];
    const r = createSecretsReader(createClient({ addr: own.url, token: own.rootToken, timeoutMs: 2000 }), {
      fromEnv: false,
      cacheTtlMs: 1000,
      maxStaleMs: 5000,
      now: () => t,
      onWarning: (m) => warnings.push(m),
    });
    expect(await r.get('x/key')).toBe(VALUE);
    await own.close();
    t = 3000;
    expect(await r.read('x/key')).toMatchObject({ value: VALUE, source: 'stale' });
    expect(warnings.join('\n')).toContain('unavailable');
    expect(warnings.join('\n')).not.toContain(VALUE);
    t = 7000; // 6 s past the TTL, beyond maxStale
    const err = await r.get('x/key').catch((e) => e);
    expect(err).toBeInstanceOf(SecretUnavailableError);
    expect(err.message).toContain('x/key');
    expect(err.message).not.toContain(VALUE);
    expect(JSON.stringify(err)).not.toContain(VALUE);
  });

  it('times out on a server that never answers and serves the stale value', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = http.createServer(() => {
      /* never answers */
    });
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const addr = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      // A first read from the real server fills the cache; the same reader then talks to the silent one.
      let target = server.url;
      const client = createClient({
        addr: 'http://placeholder',
        token: server.rootToken,
        timeoutMs: 300,
        fetch: (url, init) => fetch(String(url).replace('http://placeholder', target), init),
      });
      let t = 0;
      const warnings: string[] = [];
      const r = createSecretsReader(client, {
        fromEnv: false,
        cacheTtlMs: 10,
        maxStaleMs: 60_000,
        now: () => t,
        onWarning: (m) => warnings.push(m),
      });
      await r.get('apps/sdk/key');
      target = addr;
      t = 100;
      expect(await r.read('apps/sdk/key')).toMatchObject({ source: 'stale', value: VALUE });
      expect(warnings[0]).toContain('no answer within 300 ms');
      const fresh = createSecretsReader(client, { fromEnv: false });
      const err = await fresh.get('apps/sdk/key').catch((e) => e);
      expect(err).toBeInstanceOf(SecretUnavailableError);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('drops a cached value when the server announces a change (refresh on rotation events)', async () => {
    const c = clientFor(server.url);
    await c.secrets.set('apps/events/key', 'before-change');
    const r = createSecretsReader(c, { fromEnv: false, cacheTtlMs: 3_600_000, refreshOnEvents: true });
    try {
      expect(await r.eventsReady()).toBe(true);
      expect(await r.get('apps/events/key')).toBe('before-change');
      await c.secrets.set('apps/events/key', 'after-change');
      await waitFor(async () => (await r.get('apps/events/key')) === 'after-change', 'the reader to see the new version');
      expect(r.stats().invalidations).toBeGreaterThan(0);
    } finally {
      r.close();
    }
  });

  it('falls back to environment variables and NAME_FILE paths when the server is unreachable', async () => {
    const f = path.join(dir, 'db-password');
    writeFileSync(f, 'from-file\n');
    const env = { APP_KEY: 'from-env', APP_DB_PASSWORD_FILE: f };
    const warnings: string[] = [];
    const r = createSecretsReader(createClient({ addr: 'http://127.0.0.1:9', token: 't' }), {
      fromEnv: false,
      env,
      fallback: { env: true, files: true, prefix: 'APP_' },
      onWarning: (m) => warnings.push(m),
    });
    expect(await r.read('apps/sdk/key')).toEqual({ value: 'from-env', source: 'env' });
    expect(await r.read('apps/db#password')).toEqual({ value: 'from-file', source: 'file' });
    expect(warnings).toHaveLength(2);
    await expect(r.get('apps/none')).rejects.toBeInstanceOf(SecretUnavailableError);
    const noFallback = createSecretsReader(createClient({ addr: 'http://127.0.0.1:9', token: 't' }), {
      fromEnv: false,
      env,
      fallback: false,
    });
    await expect(noFallback.get('apps/sdk/key')).rejects.toBeInstanceOf(SecretUnavailableError);
  });

  it('does not fall back on an answer that says no (not found, forbidden)', async () => {
    const r = createSecretsReader(clientFor(server.url), { fromEnv: false, env: { MISSING: 'x' }, fallback: { env: true } });
    const err = await r.get('apps/missing').catch((e) => e);
    expect(err).toBeInstanceOf(KeyhavenApiError);
    expect(err.status).toBe(404);
  });

  it('reads seed 003 settings from the environment', () => {
    expect(readerSettingsFromEnv({})).toEqual({
      cacheEnabled: true,
      cacheTtlMs: 300_000,
      maxEntries: 100,
      maxStaleMs: 3_600_000,
      fallback: { env: true, files: true, prefix: '' },
    });
    expect(
      readerSettingsFromEnv({
        SECRETS_CACHE_ENABLED: 'false',
        SECRETS_CACHE_TTL_SECONDS: '30',
        SECRETS_CACHE_MAX_SIZE: '5',
        SECRETS_FALLBACK_ENABLED: 'false',
      }),
    ).toMatchObject({ cacheEnabled: false, cacheTtlMs: 30_000, maxEntries: 5, fallback: false });
    expect(readerSettingsFromEnv({ SECRETS_FALLBACK_TO_ENV: 'no' }).fallback).toMatchObject({ env: false });
  });

  it('with the cache disabled every read goes to the server', async () => {
    const r = createSecretsReader(clientFor(server.url), { fromEnv: false, cacheEnabled: false });
    await r.get('apps/sdk/key');
    expect((await r.read('apps/sdk/key')).source).toBe('server');
  });
});
