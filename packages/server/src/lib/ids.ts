// Identifiers and random strings: every id and token secret comes from node:crypto.
import { randomBytes, randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Unbiased base62 string of the given length. */
export const randomBase62 = (length: number): string => {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(62)];
  return out;
};

/** Short, sortable-enough, prefixed id such as `sec_01H...`; time prefix keeps inserts index-friendly. */
export const newId = (prefix: string): string => `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;

const REQUEST_PREFIX = randomBytes(4).toString('hex');
let requestCounter = 0;
/** Request ids: a random per-process prefix and a counter (unique, cheap: no syscall per request). */
export const newRequestId = (): string => REQUEST_PREFIX + (++requestCounter).toString(16).padStart(8, '0');
