// Configuration: defaults, precedence (file < environment < flags), and every problem listed at once.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('has safe defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.listen).toBe('127.0.0.1:8377');
    expect(c.maxValueBytes).toBe(65536);
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('layers file, environment and flags', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-cfg-'));
    const file = path.join(dir, 'keyhaven.yaml');
    writeFileSync(file, 'listen: 0.0.0.0:9000\nlogLevel: debug\nmaxValueBytes: 1000\n');
    const c = loadConfig({
      file,
      env: { KEYHAVEN_LOG_LEVEL: 'warn', KEYHAVEN_DATABASE_URL: 'postgres://u@h/db' },
      flags: { listen: '127.0.0.1:1234' },
    });
    expect(c).toMatchObject({ listen: '127.0.0.1:1234', logLevel: 'warn', maxValueBytes: 1000, databaseUrl: 'postgres://u@h/db' });
  });

  it('chooses the change feed of PostgreSQL replicas: the change log by default, the file and the environment merged', () => {
    const defaults = { mode: 'log', pollMs: 1000, maxStalenessMs: 3000, notifyDelayMs: 1, retentionSeconds: 600 };
    expect(loadConfig({ env: {} }).changeFeed).toEqual(defaults);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-cfg-'));
    const file = path.join(dir, 'keyhaven.yaml');
    writeFileSync(file, 'changeFeed:\n  pollMs: 500\n');
    expect(loadConfig({ file, env: { KEYHAVEN_CHANGE_FEED: 'notify' } }).changeFeed).toEqual({ ...defaults, mode: 'notify', pollMs: 500 });
    expect(() => loadConfig({ env: { KEYHAVEN_CHANGE_FEED: 'both' } })).toThrow(/KEYHAVEN_CHANGE_FEED: must be log or notify/);
    writeFileSync(file, 'changeFeed:\n  pollMs: 5000\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(/maxStalenessMs must be larger than pollMs/);
  });

  it('sizes the read cache from the file and the environment, the environment winning', () => {
    expect(loadConfig({ env: {} }).readCache).toEqual({ maxBytes: 32 * 1024 * 1024, ttlSeconds: 300 });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-cfg-'));
    const file = path.join(dir, 'keyhaven.yaml');
    writeFileSync(file, 'readCache:\n  maxBytes: 1000000\n  ttlSeconds: 30\n');
    expect(loadConfig({ file, env: {} }).readCache).toEqual({ maxBytes: 1000000, ttlSeconds: 30 });
    expect(loadConfig({ file, env: { KEYHAVEN_READ_CACHE_BYTES: '0' } }).readCache).toEqual({ maxBytes: 0, ttlSeconds: 30 });
    expect(() => loadConfig({ env: { KEYHAVEN_READ_CACHE_BYTES: '-5' } })).toThrow(
      /KEYHAVEN_READ_CACHE_BYTES: must be a whole number of bytes/,
    );
  });

  it('lists every problem at once', () => {
    let message = '';
    try {
      loadConfig({
        env: {
          KEYHAVEN_LISTEN: 'nope',
          KEYHAVEN_LOG_LEVEL: 'loud',
          KEYHAVEN_MASTER_KEY: 'a',
          KEYHAVEN_MASTER_KEY_FILE: '/x',
          KEYHAVEN_MAX_VALUE_BYTES: 'big',
        },
      });
    } catch (e) {
      expect((e as { code: string }).code).toBe('CONFIG_INVALID');
      message = (e as Error).message;
    }
    expect(message).toContain('listen: must be host:port');
    expect(message).toContain('logLevel');
    expect(message).toContain('either KEYHAVEN_MASTER_KEY or KEYHAVEN_MASTER_KEY_FILE');
    expect(message).toContain('KEYHAVEN_MAX_VALUE_BYTES: must be a number');
  });

  it('reports unreadable or malformed config files and unknown keys', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-cfg-'));
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'listen: [\n');
    expect(() => loadConfig({ file: bad, env: {} })).toThrow(/not valid YAML/);
    expect(() => loadConfig({ file: path.join(dir, 'missing.yaml'), env: {} })).toThrow(/cannot be read/);
    const unknown = path.join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ lisen: '1.2.3.4:5' }));
    expect(() => loadConfig({ file: unknown, env: {} })).toThrow(/Unrecognized key/);
  });

  it('keeps the env and dotenv providers off by default; file and environment merge key by key', () => {
    expect(loadConfig({ env: {} }).providers).toMatchObject({
      env: { enabled: false, allow: [] },
      dotenv: { enabled: false, directories: [] },
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-cfg-'));
    const file = path.join(dir, 'keyhaven.yaml');
    writeFileSync(
      file,
      'providers:\n  syncIntervalSeconds: 30\n  env:\n    allow: [APP_*]\n  dotenv:\n    enabled: true\n    directories: [/srv/env]\n',
    );
    const c = loadConfig({
      file,
      env: { KEYHAVEN_PROVIDERS_ENV_ENABLED: 'true', KEYHAVEN_PROVIDERS_DOTENV_DIRECTORIES: '/srv/a, /srv/b' },
    });
    expect(c.providers).toMatchObject({
      syncIntervalSeconds: 30,
      env: { enabled: true, allow: ['APP_*'] },
      dotenv: { enabled: true, directories: ['/srv/a', '/srv/b'] },
    });
  });

  it('refuses KEYHAVEN_* in the env allow-list, relative or missing dotenv directories, and non-boolean switches', () => {
    let message = '';
    try {
      loadConfig({
        env: {
          KEYHAVEN_PROVIDERS_ENV_ALLOW: 'KEYHAVEN_MASTER_KEY,APP_*',
          KEYHAVEN_PROVIDERS_ENV_ENABLED: 'maybe',
          KEYHAVEN_PROVIDERS_DOTENV_DIRECTORIES: 'relative/dir',
        },
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('never served');
    expect(message).toContain('KEYHAVEN_PROVIDERS_ENV_ENABLED: must be true or false');
    expect(message).toContain('must be an absolute directory path');
    expect(() => loadConfig({ env: { KEYHAVEN_PROVIDERS_DOTENV_ENABLED: 'true' } })).toThrow(
      /providers\.dotenv\.directories: the dotenv provider is enabled but no directory/,
    );
  });

  it('egress: loopback refused by default; env vars and file merge; bad entries are listed', () => {
    expect(loadConfig({ env: {} }).egress).toEqual({ allowLoopback: false, deny: [] });
    const c = loadConfig({
      env: {
        KEYHAVEN_EGRESS_ALLOW_LOOPBACK: 'true',
        KEYHAVEN_EGRESS_ALLOW: '10.0.0.0/8, *.db.internal',
        KEYHAVEN_EGRESS_DENY: '10.9.0.0/16',
      },
    });
    expect(c.egress).toEqual({ allowLoopback: true, allow: ['10.0.0.0/8', '*.db.internal'], deny: ['10.9.0.0/16'] });
    let message = '';
    try {
      loadConfig({
        env: { KEYHAVEN_EGRESS_DENY: '*.example', KEYHAVEN_EGRESS_ALLOW: 'http://x/', KEYHAVEN_EGRESS_ALLOW_LOOPBACK: 'maybe' },
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('must be a CIDR such as 10.0.0.0/8');
    expect(message).toContain('host name/glob');
    expect(message).toContain('KEYHAVEN_EGRESS_ALLOW_LOOPBACK: must be true or false');
  });

  it('reads keyring rotation from seed 003 KEY_ROTATION_* and KEYHAVEN_KEY_ROTATION_* (prefixed wins), merged with the file', () => {
    expect(loadConfig({ env: {} }).keyRotation).toEqual({
      enabled: false,
      intervalHours: 168,
      timezone: 'UTC',
      batchSize: 200,
      checkSeconds: 60,
    });
    expect(loadConfig({ env: { KEYHAVEN_KEY_ROTATION_CHECK_SECONDS: '5' } }).keyRotation.checkSeconds).toBe(5);
    expect(() => loadConfig({ env: { KEYHAVEN_KEY_ROTATION_CHECK_SECONDS: '0.5' } })).toThrow(
      /KEYHAVEN_KEY_ROTATION_CHECK_SECONDS: must be a whole number/,
    );
    expect(
      loadConfig({ env: { KEY_ROTATION_ENABLED: 'true', KEY_ROTATION_INTERVAL_HOURS: '24', KEY_ROTATION_SCHEDULE: '0 3 * * 0' } })
        .keyRotation,
    ).toMatchObject({ enabled: true, intervalHours: 24, schedule: '0 3 * * 0' });
    expect(
      loadConfig({
        env: {
          KEY_ROTATION_INTERVAL_HOURS: '24',
          KEYHAVEN_KEY_ROTATION_INTERVAL_HOURS: '2',
          KEYHAVEN_KEY_ROTATION_TIMEZONE: 'Europe/Paris',
        },
      }).keyRotation,
    ).toMatchObject({ intervalHours: 2, timezone: 'Europe/Paris' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-cfg-'));
    const file = path.join(dir, 'keyhaven.yaml');
    writeFileSync(file, 'keyRotation:\n  batchSize: 50\n  intervalHours: 12\n');
    expect(loadConfig({ file, env: { KEY_ROTATION_ENABLED: 'on' } }).keyRotation).toMatchObject({
      enabled: true,
      intervalHours: 12,
      batchSize: 50,
    });
    let message = '';
    try {
      loadConfig({
        env: {
          KEY_ROTATION_ENABLED: 'maybe',
          KEYHAVEN_KEY_ROTATION_INTERVAL_HOURS: '-1',
          KEY_ROTATION_SCHEDULE: '61 * * * *',
          KEY_ROTATION_TIMEZONE: 'Mars/Base',
        },
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('KEY_ROTATION_ENABLED: must be true or false');
    expect(message).toContain('KEYHAVEN_KEY_ROTATION_INTERVAL_HOURS: must be a positive number of hours');
    expect(message).toMatch(/keyRotation\.schedule: not a valid cron expression/);
    expect(message).toMatch(/keyRotation\.timezone: unknown IANA time zone/);
  });

  it('reads the database URL from KEYHAVEN_DATABASE_URL_FILE (trimmed), refusing it together with KEYHAVEN_DATABASE_URL or empty', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-cfg-'));
    const file = path.join(dir, 'db-url');
    writeFileSync(file, 'postgres://kh@db:5432/keyhaven\n');
    expect(loadConfig({ env: { KEYHAVEN_DATABASE_URL_FILE: file } }).databaseUrl).toBe('postgres://kh@db:5432/keyhaven');
    expect(() => loadConfig({ env: { KEYHAVEN_DATABASE_URL_FILE: file, KEYHAVEN_DATABASE_URL: 'postgres://x@y/z' } })).toThrow(
      /either KEYHAVEN_DATABASE_URL or KEYHAVEN_DATABASE_URL_FILE, not both/,
    );
    writeFileSync(file, '\n');
    expect(() => loadConfig({ env: { KEYHAVEN_DATABASE_URL_FILE: file } })).toThrow(/KEYHAVEN_DATABASE_URL_FILE: .* is empty/);
    let message = '';
    try {
      loadConfig({ env: { KEYHAVEN_DATABASE_URL_FILE: path.join(dir, 'missing') } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`KEYHAVEN_DATABASE_URL_FILE: cannot read ${path.join(dir, 'missing')}`);
  });
});
