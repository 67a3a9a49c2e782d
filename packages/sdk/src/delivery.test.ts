// Unit tests of the SDK's delivery helpers: the env-name rule, value expansion, the LRU, and the
// encrypted snapshot (round trip, wrong key, tampering, 0600 mode, no plaintext on disk).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { envVarName, expandValue } from './env-names.js';
import { Lru } from './lru.js';
import { readSnapshot, snapshotKeyFromEnv, writeSnapshot } from './snapshot.js';
import { SnapshotError } from './reader-errors.js';

describe('env-name rule', () => {
  it('uses the last segment, or the path below the prefix, upper-cased with _ for other characters', () => {
    expect(envVarName('apps/web/db-url')).toBe('DB_URL');
    expect(envVarName('apps/web/db/password', 'apps/web/')).toBe('DB_PASSWORD');
    expect(envVarName('apps/web/2fa.key')).toBe('_2FA_KEY');
    expect(envVarName('other/key', 'apps/')).toBe('KEY');
  });
  it('expands JSON objects into NAME_FIELD and stringifies non-string values', () => {
    expect(expandValue('DB', { user: 'u', 'max-conn': 5 })).toEqual([
      ['DB_USER', 'u'],
      ['DB_MAX_CONN', '5'],
    ]);
    expect(expandValue('LIST', [1, 2])).toEqual([['LIST', '[1,2]']]);
  });
});

describe('Lru', () => {
  it('evicts the least recently used entry', () => {
    const l = new Lru<string, number>(2);
    l.set('a', 1);
    l.set('b', 2);
    l.get('a');
    l.set('c', 3);
    expect([...l.keys()]).toEqual(['a', 'c']);
  });
});

describe('snapshot', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-snap-'));
  const data = {
    created_at: 'now',
    addr: 'http://x',
    tenant: 'default',
    values: { 'apps/k': { value: 'snapshot-secret-value', version: 3 } },
  };

  it('round-trips with a raw key and with a passphrase, mode 0600, no plaintext on disk', () => {
    for (const env of [{ KEYHAVEN_SNAPSHOT_KEY: randomBytes(32).toString('base64') }, { KEYHAVEN_SNAPSHOT_PASSPHRASE: 'pass phrase' }]) {
      const f = path.join(dir, `s-${Object.keys(env)[0]}`);
      writeSnapshot(f, data, snapshotKeyFromEnv(env));
      expect(statSync(f).mode & 0o777).toBe(0o600);
      expect(readFileSync(f, 'utf8')).not.toContain('snapshot-secret-value');
      expect(readSnapshot(f, snapshotKeyFromEnv(env))).toEqual(data);
    }
  });

  it('refuses a wrong key, a tampered file and a missing key, without values in the message', () => {
    const f = path.join(dir, 'tamper');
    writeSnapshot(f, data, { kind: 'passphrase', passphrase: 'right' });
    expect(() => readSnapshot(f, { kind: 'passphrase', passphrase: 'wrong' })).toThrow(SnapshotError);
    const j = JSON.parse(readFileSync(f, 'utf8'));
    const ct = Buffer.from(j.ct, 'base64');
    ct[0] ^= 1;
    j.ct = ct.toString('base64');
    writeFileSync(f, JSON.stringify(j));
    const err = (() => {
      try {
        readSnapshot(f, { kind: 'passphrase', passphrase: 'right' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(SnapshotError);
    expect(err!.message).not.toContain('snapshot-secret-value');
    expect(() => snapshotKeyFromEnv({})).toThrow(/KEYHAVEN_SNAPSHOT_KEY/);
    expect(() => snapshotKeyFromEnv({ KEYHAVEN_SNAPSHOT_KEY: 'c2hvcnQ=' })).toThrow(/32 bytes/);
  });
});
