// Tests for the password generator: length, required classes, excluded characters, impossible
// policies and uniqueness across draws.
import { describe, expect, it } from 'vitest';
import { KeyhavenError } from '../../lib/errors.js';
import { generateValue } from './registry.js';
import { AMBIGUOUS, DEFAULT_SYMBOLS } from './password.js';

const draw = async (options: unknown) => (await generateValue('password', options)) as string;
const count = (s: string, chars: string) => [...s].filter((c) => chars.includes(c)).length;
const expectImpossible = async (options: unknown, fragment: string) => {
  const err = await generateValue('password', options).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KeyhavenError);
  expect((err as KeyhavenError).code).toBe('PASSWORD_POLICY_IMPOSSIBLE');
  expect((err as KeyhavenError).message).toContain(fragment);
};

describe('password generator', () => {
  it('honours the length and puts every required class in every password', async () => {
    for (let i = 0; i < 200; i++) {
      const p = await draw({ length: 8 });
      expect(p).toHaveLength(8);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[0-9]/);
      expect(count(p, DEFAULT_SYMBOLS)).toBeGreaterThan(0);
    }
  });

  it('meets minimum counts and leaves disabled classes out', async () => {
    for (let i = 0; i < 100; i++) {
      const p = await draw({ length: 12, lower: 3, upper: false, digits: 5, symbols: false });
      expect(p).toMatch(/^[a-z0-9]{12}$/);
      expect(count(p, '0123456789')).toBeGreaterThanOrEqual(5);
      expect(count(p, 'abcdefghijklmnopqrstuvwxyz')).toBeGreaterThanOrEqual(3);
    }
  });

  it('never uses excluded or ambiguous characters and uses the given symbol set', async () => {
    const all = (
      await Promise.all(Array.from({ length: 100 }, () => draw({ length: 64, exclude: 'abc', exclude_ambiguous: true, symbol_set: '-_' })))
    ).join('');
    for (const c of 'abc' + AMBIGUOUS) expect(all).not.toContain(c);
    expect(all).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(all).toContain('-');
    expect(all).toContain('_');
  });

  it('uses every allowed character over many draws (no character is unreachable)', async () => {
    const seen = new Set((await Promise.all(Array.from({ length: 200 }, () => draw({ length: 64 })))).join(''));
    expect(seen.size).toBe(26 + 26 + 10 + DEFAULT_SYMBOLS.length);
  });

  it('gives distinct passwords across many draws', async () => {
    const set = new Set(await Promise.all(Array.from({ length: 2000 }, () => draw({ length: 16 }))));
    expect(set.size).toBe(2000);
  });

  it('rejects impossible policies with PASSWORD_POLICY_IMPOSSIBLE naming the problem', async () => {
    await expectImpossible({ length: 8, lower: 4, upper: 4, digits: 1, symbols: false }, 'add up to 9, more than the length 8');
    await expectImpossible({ length: 8, lower: false, upper: false, digits: false, symbols: false }, 'no character class');
    await expectImpossible(
      { length: 8, lower: false, upper: false, symbols: false, exclude: '0123456789' },
      'digits is required but every digits character is excluded',
    );
    await expectImpossible({ length: 8, symbols: true, symbol_set: '!', exclude: '!' }, 'symbols is required');
  });

  it('rejects malformed options with GENERATOR_OPTIONS_INVALID listing each field', async () => {
    const err = (await generateValue('password', { length: 2, lower: 'yes', colour: 1 }).catch((e: unknown) => e)) as KeyhavenError;
    expect(err.code).toBe('GENERATOR_OPTIONS_INVALID');
    expect(err.message).toContain('length');
    expect(err.message).toContain('lower');
    expect(err.message).toContain('colour');
  });
});
