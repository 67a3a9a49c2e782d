import { describe, expect, it } from 'vitest';
import { createFillCache } from './fill-cache.js';

describe('fill cache', () => {
  it("drops a group's entries when the group changes, and keeps the others", () => {
    const c = createFillCache<string>({ maxBytes: 1 << 20, ttlMs: 60_000 });
    const a = c.groupKey('default', 'a');
    const b = c.groupKey('default', 'b');
    for (let v = 1; v <= 50; v++) c.put(c.token(a), `v${v}`, `value-${v}`, 10);
    c.put(c.token(b), 'current', 'b-value', 10);
    expect(c.stats()).toEqual({ entries: 51, bytes: 51 * (10 + 256), groups: 2 });
    c.invalidate(a);
    expect(c.stats()).toEqual({ entries: 1, bytes: 10 + 256, groups: 1 });
    expect(c.get(a, 'v1')).toBeUndefined();
    expect(c.get(b, 'current')).toBe('b-value');
    // A fill that began before the change is refused; one after it is kept.
    const stale = c.token(b);
    c.invalidate(b);
    c.put(stale, 'current', 'old', 10);
    expect(c.get(b, 'current')).toBeUndefined();
    c.put(c.token(b), 'current', 'new', 10);
    expect(c.get(b, 'current')).toBe('new');
    expect(c.stats()).toEqual({ entries: 1, bytes: 10 + 256, groups: 1 });
  });

  it('evicts the oldest entries past the byte bound and keeps the group index in step', () => {
    const c = createFillCache<string>({ maxBytes: 10 * 266, ttlMs: 60_000 });
    for (let i = 0; i < 25; i++) c.put(c.token(c.groupKey('t', `s${i}`)), 'current', `v${i}`, 10);
    expect(c.stats()).toEqual({ entries: 10, bytes: 10 * 266, groups: 10 });
    expect(c.get(c.groupKey('t', 's0'), 'current')).toBeUndefined();
    expect(c.get(c.groupKey('t', 's24'), 'current')).toBe('v24');
  });
});
