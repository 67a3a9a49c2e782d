// Tests for the byte/alphabet generators (api_key, token, hex, base64, base64url, uuid,
// encryption_key, jwt_secret, webhook_secret), the registry and the per-type defaults.
import { describe, expect, it } from 'vitest';
import { KeyhavenError } from '../../lib/errors.js';
import { defaultGeneratorFor, SECRET_TYPES } from './defaults.js';
import { generateValue, getGenerator, listGenerators, parseGeneratorOptions } from './registry.js';

const str = async (kind: string, options?: unknown) => (await generateValue(kind, options)) as string;

describe('string and key generators', () => {
  it('api_key: prefix + base62 of the given length', async () => {
    const k = await str('api_key', { prefix: 'kh_live_', length: 32 });
    expect(k).toMatch(/^kh_live_[0-9A-Za-z]{32}$/);
    expect(await str('api_key')).toMatch(/^[0-9A-Za-z]{40}$/);
  });

  it('token, hex, base64, base64url: decode to the requested byte count', async () => {
    expect(Buffer.from(await str('token', { bytes: 48 }), 'base64url')).toHaveLength(48);
    expect(await str('token', { encoding: 'hex' })).toMatch(/^[0-9a-f]{64}$/);
    expect(await str('hex', { bytes: 20 })).toMatch(/^[0-9a-f]{40}$/);
    const b64 = await str('base64', { bytes: 33 });
    expect(b64).toMatch(/^[A-Za-z0-9+/]{44}$/);
    expect(Buffer.from(b64, 'base64')).toHaveLength(33);
    const b64u = await str('base64url', { bytes: 32 });
    expect(b64u).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('uuid is a version 4 UUID', async () => {
    expect(await str('uuid')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('encryption_key, jwt_secret, webhook_secret have the right size and shape', async () => {
    expect(Buffer.from(await str('encryption_key'), 'base64')).toHaveLength(32);
    expect(Buffer.from(await str('encryption_key', { bytes: 16 }), 'base64')).toHaveLength(16);
    expect(Buffer.from(await str('jwt_secret'), 'base64url')).toHaveLength(64);
    const wh = await str('webhook_secret');
    expect(wh.startsWith('whsec_')).toBe(true);
    expect(Buffer.from(wh.slice(6), 'base64')).toHaveLength(32);
    await expect(generateValue('jwt_secret', { bytes: 16 })).rejects.toMatchObject({ code: 'GENERATOR_OPTIONS_INVALID' });
    await expect(generateValue('encryption_key', { bytes: 20 })).rejects.toMatchObject({ code: 'GENERATOR_OPTIONS_INVALID' });
  });

  it('draws are unique across many calls for every random kind', async () => {
    for (const kind of ['api_key', 'token', 'hex', 'base64', 'base64url', 'uuid', 'encryption_key', 'jwt_secret', 'webhook_secret']) {
      const set = new Set(await Promise.all(Array.from({ length: 1000 }, () => str(kind))));
      expect(set.size, kind).toBe(1000);
    }
  });

  it('an unknown kind is GENERATOR_UNKNOWN listing the known kinds', () => {
    const err = (() => {
      try {
        getGenerator('nope');
      } catch (e) {
        return e;
      }
    })() as KeyhavenError;
    expect(err).toBeInstanceOf(KeyhavenError);
    expect(err.code).toBe('GENERATOR_UNKNOWN');
    for (const def of listGenerators()) expect(err.message).toContain(def.kind);
  });

  it('every secret type has a default generator whose options are valid', () => {
    for (const t of SECRET_TYPES) {
      const choice = defaultGeneratorFor(t);
      expect(() => parseGeneratorOptions(choice.kind, choice.options), t).not.toThrow();
    }
    expect(defaultGeneratorFor('database_credentials')).toEqual({ kind: 'password', options: { length: 40, symbols: false } });
  });
});
