// A provider-backed secret rotated through the rotation engine over HTTP (seed 000 register/rotate)
// on moto: success leaves Keyhaven's current value equal to AWSCURRENT with the old one AWSPREVIOUS;
// a failure injected at set leaves both Keyhaven and AWS on the old value, nothing pending.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { createProvider } from '../../src/providers/provider-registry.js';
import type { Provider } from '../../src/providers/provider-types.js';
import { startMoto, motoSkipReason, type Moto } from '../support/providers/moto.js';
import type { FakeServer } from '../support/providers/http-fake.js';
import { startAwsProxy } from './support/aws-proxy.js';

describe.skipIf(Boolean(motoSkipReason()))('provider-backed rotation through the engine (moto)', () => {
  let moto: Moto;
  let proxy: FakeServer;
  let s: TestServer;
  let direct: Provider;
  const failing = new Set<string>();

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy(moto.url, failing);
    direct = await createProvider('aws-sm', { region: 'us-east-1', endpoint: moto.url }, { accessKeyId: 'a', secretAccessKey: 'b' });
    s = await startTestServer('sqlite');
    const c = await s.call('POST', '/providers/configure', {
      body: {
        provider_name: 'aws',
        config: { region: 'us-east-1', endpoint: proxy.url, max_attempts: 1, access_key_id: 'a', secret_access_key: 'b' },
      },
    });
    expect(c.status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    await proxy?.close();
    await moto?.stop();
  });

  const register = async (name: string) => {
    await direct.create(name, 'initial');
    expect((await s.call('PUT', `/v1/secrets/${name}`, { body: { value: 'initial' } })).status).toBe(200);
    const r = await s.call('POST', '/secrets/register', {
      body: {
        secret_name: name,
        provider_name: 'aws',
        secret_type: 'api_key',
        admin_credential_secret: 'keyhaven/providers/aws/credential',
        rotator_config: {
          provider_id: 'aws',
          provider_kind: 'aws-sm',
          provider_config: { region: 'us-east-1', endpoint: proxy.url, maxAttempts: 1 },
          remote_name: name,
        },
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  };
  const stages = async (name: string) => {
    const out: Record<string, string[]> = {};
    for (const v of (await direct.describe(name)).versions ?? [])
      if (v.labels.length) out[(await direct.read(name, { version: v.version })).value] = v.labels;
    return out;
  };

  it('rotates in AWS and in Keyhaven together', async () => {
    await register('prod/api-key');
    const r = await s.call('POST', '/secrets/rotate', { body: { secret_name: 'prod/api-key' } });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    const now = (await s.call('GET', '/v1/secrets/prod/api-key')).body.value as string;
    expect(now).not.toBe('initial');
    expect(await stages('prod/api-key')).toEqual({ [now]: ['current'], initial: ['previous'] });
  });

  it('seed 000: provider_name alone registers against the configured provider and rotates there', async () => {
    await direct.create('prod/seed-key', 'seed-initial');
    expect((await s.call('PUT', '/v1/secrets/prod/seed-key', { body: { value: 'seed-initial' } })).status).toBe(200);
    const reg = await s.call('POST', '/secrets/register', {
      body: {
        secret_name: 'prod/seed-key',
        provider_name: 'aws',
        secret_type: 'api_key',
        rotation_interval_days: 30,
        criticality: 'high',
        description: 'OpenAI key',
      },
    });
    expect(reg.status, JSON.stringify(reg.body)).toBeLessThan(300);
    const r = await s.call('POST', '/secrets/rotate', { body: { secret_name: 'prod/seed-key', rotation_method: 'manual' } });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    const now = (await s.call('GET', '/v1/secrets/prod/seed-key')).body.value as string;
    expect(now).not.toBe('seed-initial');
    expect(await stages('prod/seed-key')).toEqual({ [now]: ['current'], 'seed-initial': ['previous'] });
    const unknown = await s.call('POST', '/secrets/register', {
      body: { secret_name: 'prod/x', provider_name: 'no-such-provider', secret_type: 'api_key' },
    });
    expect(unknown.status).toBe(404);
  });

  it('a failure at set leaves Keyhaven and AWS on the old value', async () => {
    await register('prod/other-key');
    failing.add('PutSecretValue');
    const r = await s.call('POST', '/secrets/rotate', { body: { secret_name: 'prod/other-key' } });
    failing.clear();
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect((await s.call('GET', '/v1/secrets/prod/other-key')).body.value).toBe('initial');
    expect(await stages('prod/other-key')).toEqual({ initial: ['current'] });
  });
});
