// The barrier and keyring: round trips, identity binding by associated data, KEK rotation with old
// keys still decrypting, re-wrapping, fingerprints, and a wrong master key refusing to open.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBarrier } from './barrier.js';
import { openKeyring } from './keyring.js';
import { createLocalKekSource, parseMasterKey } from './kek-sources/local-key.js';
import type { KeyringRow, KeyringStore } from '../storage/keyring-store.js';
import { KeyhavenError } from '../lib/errors.js';

const memoryStore = (): KeyringStore & { rows: KeyringRow[] } => {
  const rows: KeyringRow[] = [];
  return {
    rows,
    loadKeyring: async () => rows.map((r) => ({ ...r })),
    insertKey: async (row, retire) => {
      if (retire) for (const r of rows) if (r.purpose === row.purpose) r.state = 'retired';
      rows.push({ ...row });
    },
    updateWrapped: async (id, wrapped, source) => {
      const r = rows.find((x) => x.id === id)!;
      r.wrapped = wrapped;
      r.source = source;
    },
  };
};
const now = () => new Date();

describe('barrier', () => {
  it('forgets the cached data keys of destroyed versions, and only theirs', async () => {
    const keyring = await openKeyring({ store: memoryStore(), source: createLocalKekSource(randomBytes(32), 'test'), now });
    let unwraps = 0;
    const counting = new Proxy(keyring, {
      get: (t, p, r) =>
        p === 'kek'
          ? (id: string) => {
              unwraps++;
              return t.kek(id);
            }
          : Reflect.get(t, p, r),
    });
    const barrier = createBarrier(counting);
    const v1 = barrier.seal(Buffer.from('one'), 't1|sec_1|1');
    const v2 = barrier.seal(Buffer.from('two'), 't1|sec_1|2');
    const other = barrier.seal(Buffer.from('three'), 't1|sec_10|1');
    unwraps = 0;
    for (let i = 0; i < 3; i++) {
      barrier.open(v1, 't1|sec_1|1');
      barrier.open(v2, 't1|sec_1|2');
      barrier.open(other, 't1|sec_10|1');
    }
    expect(unwraps).toBe(3); // one unwrap each, then cached
    barrier.forget('t1|sec_1|1\u0000');
    barrier.open(v1, 't1|sec_1|1');
    barrier.open(v2, 't1|sec_1|2');
    barrier.open(other, 't1|sec_10|1');
    expect(unwraps).toBe(4); // only version 1's key was dropped
    barrier.forget('t1|sec_1|'); // the whole secret, not sec_10
    barrier.open(v2, 't1|sec_1|2');
    barrier.open(other, 't1|sec_10|1');
    expect(unwraps).toBe(5);
  });

  it('seals and opens, bound to its identity', async () => {
    const store = memoryStore();
    const barrier = createBarrier(await openKeyring({ store, source: createLocalKekSource(randomBytes(32), 'test'), now }));
    const rec = barrier.seal(Buffer.from('hunter2-value'), 't1|sec_1|1');
    expect(rec.wrappedDek).toMatch(/^k1\.kek1\./);
    expect(rec.ciphertext.startsWith('c1.')).toBe(true);
    expect(rec.ciphertext).not.toContain(Buffer.from('hunter2-value').toString('base64url'));
    expect(barrier.open(rec, 't1|sec_1|1').toString()).toBe('hunter2-value');
    // The same bytes under another identity (row swapped between tenants/secrets/versions) do not open.
    for (const aad of ['t2|sec_1|1', 't1|sec_2|1', 't1|sec_1|2']) {
      expect(() => barrier.open(rec, aad)).toThrowError(expect.objectContaining({ code: 'DECRYPTION_FAILED' }));
    }
    const tampered = { ...rec, ciphertext: rec.ciphertext.slice(0, -2) + (rec.ciphertext.endsWith('A') ? 'BB' : 'AA') };
    expect(() => barrier.open(tampered, 't1|sec_1|1')).toThrow(KeyhavenError);
  });

  it('rotates the KEK: new records use it, old ones still open, and re-wrapping moves them', async () => {
    const store = memoryStore();
    const keyring = await openKeyring({ store, source: createLocalKekSource(randomBytes(32), 'test'), now });
    const barrier = createBarrier(keyring);
    const old = barrier.seal(Buffer.from('v'), 'a');
    expect(await keyring.rotate()).toBe('kek2');
    const fresh = barrier.seal(Buffer.from('w'), 'b');
    expect(barrier.kekIdOf(fresh.wrappedDek)).toBe('kek2');
    expect(barrier.open(old, 'a').toString()).toBe('v');
    const rewrapped = barrier.rewrapDek(old.wrappedDek, 'a')!;
    expect(barrier.kekIdOf(rewrapped)).toBe('kek2');
    expect(barrier.rewrapDek(rewrapped, 'a')).toBeNull();
    expect(barrier.open({ wrappedDek: rewrapped, ciphertext: old.ciphertext }, 'a').toString()).toBe('v');
    expect(store.rows.filter((r) => r.purpose === 'kek').map((r) => r.state)).toEqual(['retired', 'active']);
  });

  it('computes keyed fingerprints that match from a SHA-256 alone', async () => {
    const barrier = createBarrier(await openKeyring({ store: memoryStore(), source: createLocalKekSource(randomBytes(32), 't'), now }));
    const other = createBarrier(await openKeyring({ store: memoryStore(), source: createLocalKekSource(randomBytes(32), 't'), now }));
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update('s3cret').digest();
    expect(barrier.fingerprint('s3cret')).toBe(barrier.fingerprintOfSha256(sha));
    expect(barrier.fingerprint('s3cret')).not.toBe(other.fingerprint('s3cret'));
    expect(barrier.fingerprint('s3cret')).not.toBe(sha.toString('hex'));
  });

  it('refuses a wrong master key with a clear message and re-wraps under a new one', async () => {
    const store = memoryStore();
    const right = randomBytes(32);
    const keyring = await openKeyring({ store, source: createLocalKekSource(right, 'right'), now });
    const sealed = createBarrier(keyring).seal(Buffer.from('kept'), 'x');
    await expect(openKeyring({ store, source: createLocalKekSource(randomBytes(32), 'wrong key file'), now })).rejects.toMatchObject({
      code: 'MASTER_KEY_INVALID',
      message: expect.stringContaining('does not open this store'),
    });
    const next = randomBytes(32);
    await keyring.rewrapUnder(createLocalKekSource(next, 'next'));
    await expect(openKeyring({ store, source: createLocalKekSource(right, 'old'), now })).rejects.toMatchObject({
      code: 'MASTER_KEY_INVALID',
    });
    const reopened = createBarrier(await openKeyring({ store, source: createLocalKekSource(next, 'next'), now }));
    expect(reopened.open(sealed, 'x').toString()).toBe('kept');
  });

  it('parses master keys in base64 and hex and rejects anything else', () => {
    const k = randomBytes(32);
    expect(parseMasterKey(k.toString('base64')).equals(k)).toBe(true);
    expect(parseMasterKey(k.toString('hex')).equals(k)).toBe(true);
    expect(() => parseMasterKey('short')).toThrowError(expect.objectContaining({ code: 'MASTER_KEY_INVALID' }));
  });
});

describe('keyring across replicas', () => {
  it('a replica loads a KEK another replica created when it meets it', async () => {
    const store = memoryStore();
    const master = createLocalKekSource(randomBytes(32), 'shared');
    const a = createBarrier(await openKeyring({ store, source: master, now }));
    const b = createBarrier(await openKeyring({ store, source: master, now }));
    await a.keyring.rotate();
    const sealed = a.seal(Buffer.from('fresh'), 'x');
    expect(() => b.open(sealed, 'x')).toThrowError(
      expect.objectContaining({ code: 'DECRYPTION_FAILED', details: { unknown_kek: 'kek2' } }),
    );
    expect(await b.keyring.refresh()).toBe(true);
    expect(b.open(sealed, 'x').toString()).toBe('fresh');
    expect(b.keyring.activeKekId).toBe('kek2');
    expect(await b.keyring.refresh()).toBe(false);
  });
});
