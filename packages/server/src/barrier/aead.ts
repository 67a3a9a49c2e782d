// AES-256-GCM sealing of small buffers with associated data; the only cipher the barrier uses.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { poolRandomBytes } from './random-pool.js';

const IV = 12;
const TAG = 16;

/** Returns iv || tag || ciphertext. */
export const aeadSeal = (key: Buffer, plaintext: Buffer, aad: string): Buffer => {
  const iv = poolRandomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
};

/** Opens iv || tag || ciphertext; returns null when the key, data or aad do not match. */
export const aeadOpen = (key: Buffer, sealed: Buffer, aad: string): Buffer | null => {
  if (sealed.length < IV + TAG) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(sealed.subarray(IV, IV + TAG));
    return Buffer.concat([decipher.update(sealed.subarray(IV + TAG)), decipher.final()]);
  } catch {
    return null;
  }
};
