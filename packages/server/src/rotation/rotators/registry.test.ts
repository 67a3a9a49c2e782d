// Tests for the rotator registry (lookup, config errors that list every problem) and for the
// "generated" rotator, which only builds values.
import { describe, expect, it } from 'vitest';
import { KeyhavenError } from '../../lib/errors.js';
import { generateValue } from '../generators/registry.js';
import { createRotator, getRotator, listRotators, parseRotatorConfig } from '../rotator-registry.js';

const thrown = (fn: () => unknown): KeyhavenError => {
  try {
    fn();
  } catch (e) {
    return e as KeyhavenError;
  }
  throw new Error('expected an error');
};

describe('rotator registry', () => {
  it('lists every kind with a description, schema and capabilities', () => {
    const kinds = listRotators().map((d) => d.kind);
    expect(kinds).toEqual(['generated', 'postgres', 'mysql', 'redis', 'webhook', 'provider']);
    for (const d of listRotators()) {
      expect(d.displayName.length).toBeGreaterThan(3);
      expect(d.description.length).toBeGreaterThan(20);
      expect(d.capabilities.strategies.length).toBeGreaterThan(0);
      expect(getRotator(d.kind)).toBe(d);
    }
  });

  it('an unknown kind is ROTATOR_UNKNOWN listing the known kinds', () => {
    const err = thrown(() => getRotator('oracle'));
    expect(err).toBeInstanceOf(KeyhavenError);
    expect(err.code).toBe('ROTATOR_UNKNOWN');
    expect(err.message).toContain('"oracle"');
    expect(err.message).toContain('postgres, mysql, redis, webhook');
  });

  it('parseRotatorConfig lists every problem at once, with paths and without echoing values', () => {
    const err = thrown(() =>
      parseRotatorConfig('postgres', { strategy: 'alternating', users: ['only-one'], port: 'p@ss-in-port', extra: true }),
    );
    expect(err.code).toBe('ROTATOR_CONFIG_INVALID');
    const problems = err.details as Array<{ path: string; message: string }>;
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['users', 'port']));
    expect(problems.some((p) => p.message.includes('extra'))).toBe(true);
    expect(err.message).not.toContain('p@ss-in-port');
    expect(parseRotatorConfig('mysql', { strategy: 'alternating', users: ['a', 'b'] })).toMatchObject({
      host_pattern: '%',
      users: ['a', 'b'],
    });
  });

  it('an impossible password policy for the new value is a clear PASSWORD_POLICY_IMPOSSIBLE', async () => {
    const err = (await generateValue('password', { length: 6, lower: 3, upper: 3, digits: 1 }).catch((e: unknown) => e)) as KeyhavenError;
    expect(err.code).toBe('PASSWORD_POLICY_IMPOSSIBLE');
    expect(err.status).toBe(400);
  });

  it('generated: returns the generated value, or merges it into one field of an object value', async () => {
    const plain = createRotator('generated', { config: {} });
    expect(plain.prepare('old', 'new')).toBe('new');
    const field = createRotator('generated', { config: { field: 'api_key' } });
    expect(field.prepare({ api_key: 'old', endpoint: 'https://x' }, 'new')).toEqual({ api_key: 'new', endpoint: 'https://x' });
    expect(field.prepare(null, 'new')).toEqual({ api_key: 'new' });
    await expect(field.set('new', 'old')).resolves.toBeUndefined();
    await expect(field.test('new')).resolves.toBeUndefined();
  });

  it('prepare for a database rotator is pure and picks the other user when alternating', () => {
    const r = createRotator('postgres', {
      config: { strategy: 'alternating', users: ['app_a', 'app_b'] },
      adminCredential: { username: 'postgres', host: '127.0.0.1' },
    });
    const fromA = r.prepare({ username: 'app_a', password: 'x', host: 'db', port: 5433, database: 'app' }, 'n1') as Record<string, unknown>;
    expect(fromA).toEqual({ username: 'app_b', password: 'n1', host: 'db', port: 5433, database: 'app' });
    expect((r.prepare(fromA, 'n2') as Record<string, unknown>).username).toBe('app_a');
    expect(r.prepare(null, 'n0') as Record<string, unknown>).toEqual({
      username: 'app_a',
      password: 'n0',
      host: '127.0.0.1',
      port: 5432,
      database: 'postgres',
    });
    const single = createRotator('postgres', { config: {}, adminCredential: { username: 'postgres', host: '127.0.0.1' } });
    expect(thrown(() => single.prepare(null, 'x')).message).toContain('username');
    expect(thrown(() => single.prepare({ user: 'x' }, 'y')).code).toBe('ROTATOR_CONFIG_INVALID');
  });
});
