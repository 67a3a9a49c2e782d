// The random pool hands out every byte once, zeroes what it handed out, and refills past a block.
import { describe, expect, it } from 'vitest';
import { poolRandomBytes } from './random-pool.js';

describe('random pool', () => {
  it('gives fresh, distinct bytes of the asked length across many blocks', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const b = poolRandomBytes(i % 2 ? 12 : 32);
      expect(b.length).toBe(i % 2 ? 12 : 32);
      const hex = b.toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
    expect(poolRandomBytes(1000).length).toBe(1000);
  });

  it('hands out buffers that do not share memory with the pool or each other', () => {
    const a = poolRandomBytes(32);
    const b = poolRandomBytes(32);
    expect(a.buffer).not.toBe(b.buffer);
    const copy = Buffer.from(a);
    poolRandomBytes(32);
    expect(a.equals(copy)).toBe(true);
    a.fill(0); // zeroing a used key leaves others untouched
    expect(b.equals(Buffer.alloc(32))).toBe(false);
  });
});
