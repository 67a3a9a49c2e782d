// Unbiased random selection helpers on node:crypto (randomInt rejects out-of-range draws, so every
// character of an alphabet is equally likely). Nothing here uses Math.random.
import { randomInt } from 'node:crypto';

export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const DIGITS = '0123456789';
export const BASE62 = DIGITS + UPPER + LOWER;

/** `length` characters drawn uniformly and independently from `alphabet`. */
export const randomString = (alphabet: string, length: number): string => {
  const chars = [...alphabet];
  if (chars.length === 0) throw new Error('randomString: empty alphabet');
  let out = '';
  for (let i = 0; i < length; i++) out += chars[randomInt(chars.length)];
  return out;
};

/** Fisher–Yates shuffle with crypto randomness; returns a new array. */
export const shuffle = <T>(items: readonly T[]): T[] => {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
