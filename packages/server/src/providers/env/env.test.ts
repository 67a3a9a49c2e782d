// Runs the provider conformance suite on the read-only env provider (values seeded into a private
// environment map), plus its prefix handling.
import { describe, expect, it } from 'vitest';
import { runProviderConformance } from '../../../test/support/providers/provider-conformance.js';
import { createEnvProvider, envCapabilities } from './env-provider.js';

const source: NodeJS.ProcessEnv = {};
runProviderConformance('env', {
  capabilities: envCapabilities,
  provider: async () => createEnvProvider({ prefix: 'KHT_' }, { allow: ['KHT_*'], source }),
  seed: async (name, value) => {
    source[`KHT_${name}`] = value;
  },
  name: (parts) => parts.join('_').toUpperCase(),
  skip: { 'bad-credential': 'the process environment has no credential', unavailable: 'the process environment is always there' },
});

describe('env provider', () => {
  it('reads the real process environment by default and applies the prefix', async () => {
    process.env.KHT_REAL_ONE = 'from-process';
    const p = createEnvProvider({ prefix: 'KHT_' }, { allow: ['KHT_*'] });
    expect((await p.read('REAL_ONE')).value).toBe('from-process');
    expect(await p.list('REAL_')).toEqual(['REAL_ONE']);
    delete process.env.KHT_REAL_ONE;
    await expect(p.read('REAL_ONE')).rejects.toMatchObject({ code: 'PROVIDER_SECRET_NOT_FOUND' });
  });
});

describe('env provider confinement', () => {
  const src: NodeJS.ProcessEnv = { APP_TOKEN: 'a', APP_URL: 'u', OTHER: 'o', KEYHAVEN_MASTER_KEY: 'never', keyhaven_x: 'never' };
  it('serves only allowed names, and KEYHAVEN_* never, even when a glob matches everything', async () => {
    const p = createEnvProvider({ prefix: '' }, { allow: ['APP_*', 'K*', '*'], source: src });
    expect((await p.read('APP_TOKEN')).value).toBe('a');
    await expect(p.read('KEYHAVEN_MASTER_KEY')).rejects.toMatchObject({ code: 'PROVIDER_NAME_FORBIDDEN' });
    expect(await p.list()).toEqual(['APP_TOKEN', 'APP_URL', 'OTHER']);
    const narrow = createEnvProvider({ prefix: '' }, { allow: ['APP_T?KEN'], source: src });
    expect(await narrow.list()).toEqual(['APP_TOKEN']);
    await expect(narrow.read('OTHER')).rejects.toMatchObject({
      code: 'PROVIDER_NAME_FORBIDDEN',
      message: expect.stringContaining('providers.env.allow'),
    });
    const none = createEnvProvider({ prefix: 'KEYHAVEN_' }, { allow: ['*'], source: src });
    await expect(none.read('MASTER_KEY')).rejects.toMatchObject({ code: 'PROVIDER_NAME_FORBIDDEN' });
    expect(await none.list()).toEqual([]);
  });
});
