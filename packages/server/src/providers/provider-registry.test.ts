// Tests for the provider registry: lookups, unknown kinds, config validation listing every problem,
// credential errors that never echo values, and that every definition is complete.
import { describe, expect, it } from 'vitest';
import {
  createProvider,
  getProvider,
  listProviders,
  parseProviderConfig,
  parseProviderCredential,
  providers,
} from './provider-registry.js';

describe('provider registry', () => {
  it('lists every provider with its capabilities', () => {
    const kinds = listProviders().map((p) => p.kind);
    expect(kinds).toEqual(['aws-sm', 'gcp-sm', 'azure-kv', 'vault', 'k8s', 'dotenv', 'env']);
    for (const [key, def] of Object.entries(providers)) {
      expect(def.kind).toBe(key);
      expect(def.displayName).toBeTruthy();
      expect(def.capabilities.maxValueBytes).toBeGreaterThan(0);
      expect(def.capabilities.nameRule).toBeTruthy();
      if (def.capabilities.labels) expect(def.capabilities.versions).toBe(true);
    }
  });

  it('getProvider names the known kinds when the kind is unknown', () => {
    expect(() => getProvider('nope')).toThrow(/known kinds: aws-sm, gcp-sm/);
    try {
      getProvider('nope');
    } catch (e) {
      expect(e).toMatchObject({ code: 'PROVIDER_UNKNOWN', details: { known: expect.arrayContaining(['vault', 'env']) } });
    }
  });

  it('parseProviderConfig applies defaults and lists every problem', () => {
    expect(parseProviderConfig('vault', { address: 'http://127.0.0.1:8200' })).toMatchObject({ mount: 'secret', valueKey: 'value' });
    try {
      parseProviderConfig('vault', { address: 'not a url', mount: '/bad', extra: 1 });
      expect.unreachable();
    } catch (e) {
      const problems = (e as { details: { problems: Array<{ path: string }> } }).details.problems.map((p) => p.path);
      expect(e).toMatchObject({ code: 'PROVIDER_CONFIG_INVALID' });
      expect(problems).toEqual(expect.arrayContaining(['address', 'mount', '(root)']));
    }
    expect(() => parseProviderConfig('k8s', { source: 'explicit' })).toThrow(/server: required when source is "explicit"/);
  });

  it('credential problems name fields, never values', () => {
    const secret = 'SUPER-SECRET-VALUE-123';
    try {
      parseProviderCredential('azure-kv', { tenantId: 't', clientId: 5, clientSecret: secret, extra: secret });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'PROVIDER_CONFIG_INVALID' });
      expect(JSON.stringify({ m: (e as Error).message, d: (e as { details: unknown }).details })).not.toContain(secret);
    }
  });

  it('createProvider builds a working provider from raw config', async () => {
    process.env.KH_REGISTRY_TEST = 'ok';
    const ctx = { host: { env: { enabled: true, allow: ['KH_*'] }, dotenv: { enabled: false, directories: [] } }, protectedPaths: [] };
    const p = await createProvider('env', { prefix: 'KH_' }, undefined, ctx);
    expect((await p.read('REGISTRY_TEST')).value).toBe('ok');
    delete process.env.KH_REGISTRY_TEST;
  });

  it('refuses providers that reach the host unless the operator enabled them (the default)', async () => {
    await expect(createProvider('env', {})).rejects.toMatchObject({
      code: 'PROVIDER_DISABLED',
      message: expect.stringContaining('providers.env.enabled'),
    });
    await expect(createProvider('dotenv', { path: '/tmp/x.env' })).rejects.toMatchObject({
      code: 'PROVIDER_DISABLED',
      message: expect.stringContaining('providers.dotenv.enabled'),
    });
  });
});
