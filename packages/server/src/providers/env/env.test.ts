// Runs the provider conformance suite on the read-only env provider (values seeded into a private
// environment map), plus its prefix handling.
import { describe, expect, it } from 'vitest';
import { runProviderConformance } from '../conformance/provider-conformance.js';
import { createEnvProvider, envCapabilities } from './env-provider.js';

const source: NodeJS.ProcessEnv = {};
runProviderConformance('env', {
  capabilities: envCapabilities,
  provider: async () => createEnvProvider({ prefix: 'KHT_' }, source),
  seed: async (name, value) => {
    source[`KHT_${name}`] = value;
  },
  name: (parts) => parts.join('_').toUpperCase(),
  skip: { 'bad-credential': 'the process environment has no credential', unavailable: 'the process environment is always there' },
});

describe('env provider', () => {
  it('reads the real process environment by default and applies the prefix', async () => {
    process.env.KHT_REAL_ONE = 'from-process';
    const p = createEnvProvider({ prefix: 'KHT_' });
    expect((await p.read('REAL_ONE')).value).toBe('from-process');
    expect(await p.list('REAL_')).toEqual(['REAL_ONE']);
    delete process.env.KHT_REAL_ONE;
    await expect(p.read('REAL_ONE')).rejects.toMatchObject({ code: 'PROVIDER_SECRET_NOT_FOUND' });
  });
});
