// The barrier: the only door for secret material. Envelope encryption with a fresh data key per
// record (AES-256-GCM), wrapped by the active KEK; associated data binds each ciphertext to its
// identity (tenant, secret, version) so rows cannot be swapped. Keyed fingerprints find equal values.
import { createHash, createHmac } from 'node:crypto';
import { poolRandomBytes } from './random-pool.js';
import { aeadOpen, aeadSeal } from './aead.js';
import { fail } from '../lib/errors.js';
import type { Keyring } from './keyring.js';

export interface SealedRecord {
  /** `k1.<kekId>.<base64url(iv|tag|wrapped data key)>` */
  wrappedDek: string;
  /** `c1.<base64url(iv|tag|ciphertext)>` */
  ciphertext: string;
}

export interface Barrier {
  seal(plaintext: Buffer, aad: string): SealedRecord;
  open(record: SealedRecord, aad: string): Buffer;
  /** Keyed fingerprint of a value, computed from its SHA-256 so clients can match without sending it. */
  fingerprintOfSha256(sha256: Buffer): string;
  fingerprint(plaintext: string | Buffer): string;
  /** Re-wraps a data key under the active KEK; returns null when it is already under it. */
  rewrapDek(wrappedDek: string, aad: string): string | null;
  kekIdOf(wrappedDek: string): string;
  /** Wipes cached data keys whose AAD starts with `aadPrefix` (versions destroyed: crypto-shredding
   *  leaves no unwrapped key behind in memory either). */
  forget(aadPrefix: string): void;
  readonly keyring: Keyring;
}

const parseWrapped = (wrappedDek: string): { kekId: string; body: Buffer } => {
  const [fmt, kekId, body] = wrappedDek.split('.');
  if (fmt !== 'k1' || !kekId || !body) throw fail('DECRYPTION_FAILED', 'A stored data key has an unknown format.');
  return { kekId, body: Buffer.from(body, 'base64url') };
};

/** Unwrapped data keys kept for hot reads: bounded in count and age. The KEKs that could unwrap
 *  them again are in memory anyway, so this adds no new exposure; entries expire so a destroyed
 *  version's key does not linger. */
const DEK_CACHE_MAX = 10_000;
const DEK_CACHE_MS = 5 * 60_000;

export const createBarrier = (keyring: Keyring): Barrier => {
  const dekCache = new Map<string, { dek: Buffer; at: number }>();
  /** Entries are in insertion order and a hit does not renew one, so the expired ones are at the
   *  front: each lookup wipes and drops them (before, an entry expired only when it was hit again, so
   *  a destroyed version's key stayed until 10,000 newer ones pushed it out). */
  const sweep = (now: number) => {
    for (const [k, e] of dekCache) {
      if (now - e.at < DEK_CACHE_MS) break;
      e.dek.fill(0);
      dekCache.delete(k);
    }
  };
  // An idle server drops them too.
  setInterval(() => sweep(Date.now()), 60_000).unref();
  const cachedDek = (wrappedDek: string, aad: string): Buffer => {
    const key = `${aad}\u0000${wrappedDek}`;
    const now = Date.now();
    sweep(now);
    const hit = dekCache.get(key);
    if (hit) return hit.dek;
    const dek = unwrapDek(wrappedDek, aad);
    if (dekCache.size >= DEK_CACHE_MAX) {
      const oldest = dekCache.keys().next().value!;
      dekCache.get(oldest)!.dek.fill(0);
      dekCache.delete(oldest);
    }
    dekCache.set(key, { dek, at: now });
    return dek;
  };
  const unwrapDek = (wrappedDek: string, aad: string): Buffer => {
    const { kekId, body } = parseWrapped(wrappedDek);
    const kek = keyring.kek(kekId);
    if (!kek) throw fail('DECRYPTION_FAILED', `A stored data key names key ${kekId}, which is not in the keyring.`, { unknown_kek: kekId });
    const dek = aeadOpen(kek, body, `dek|${aad}`);
    if (!dek) throw fail('DECRYPTION_FAILED');
    return dek;
  };
  const wrapDek = (dek: Buffer, aad: string): string => {
    const id = keyring.activeKekId;
    return `k1.${id}.${aeadSeal(keyring.kek(id)!, dek, `dek|${aad}`).toString('base64url')}`;
  };
  return {
    keyring,
    seal(plaintext, aad) {
      const dek = poolRandomBytes(32);
      const ciphertext = `c1.${aeadSeal(dek, plaintext, `val|${aad}`).toString('base64url')}`;
      const record = { wrappedDek: wrapDek(dek, aad), ciphertext };
      dek.fill(0);
      return record;
    },
    open(record, aad) {
      if (!record.ciphertext.startsWith('c1.')) throw fail('DECRYPTION_FAILED', 'A stored value has an unknown format.');
      const dek = cachedDek(record.wrappedDek, aad);
      const out = aeadOpen(dek, Buffer.from(record.ciphertext.slice(3), 'base64url'), `val|${aad}`);
      if (!out) throw fail('DECRYPTION_FAILED');
      return out;
    },
    forget(aadPrefix) {
      for (const [k, e] of dekCache)
        if (k.startsWith(aadPrefix)) {
          e.dek.fill(0);
          dekCache.delete(k);
        }
    },
    fingerprintOfSha256: (sha256) => createHmac('sha256', keyring.fingerprintKey).update(sha256).digest('hex'),
    fingerprint(plaintext) {
      const sha = createHash('sha256').update(plaintext).digest();
      return createHmac('sha256', keyring.fingerprintKey).update(sha).digest('hex');
    },
    rewrapDek(wrappedDek, aad) {
      if (parseWrapped(wrappedDek).kekId === keyring.activeKekId) return null;
      const dek = unwrapDek(wrappedDek, aad);
      const out = wrapDek(dek, aad);
      dek.fill(0);
      return out;
    },
    kekIdOf: (wrappedDek) => parseWrapped(wrappedDek).kekId,
  };
};
