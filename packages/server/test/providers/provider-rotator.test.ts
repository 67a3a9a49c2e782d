// The provider-native rotator driven in the engine's order (prepare → set → test → finish, or
// set → rollback) on moto (AWS staging labels) and the local Vault fake (versions + CAS), with failures
// injected at set and at test and crashes (a fresh rotator resuming) after each step: the store always
// ends consistent, with the old value current unless the rotation finished.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRotator } from '../../src/rotation/rotator-registry.js';
import type { Rotator } from '../../src/rotation/rotator-types.js';
import { createProvider } from '../../src/providers/provider-registry.js';
import type { Provider } from '../../src/providers/provider-types.js';
import { startMoto, motoSkipReason, type Moto } from '../support/providers/moto.js';
import { startFakeVault, type FakeVault } from '../support/providers/fake-vault.js';
import { sendJson, type FakeServer } from '../support/providers/http-fake.js';
import { startAwsProxy } from './support/aws-proxy.js';

const CRED = { accessKeyId: 'AKID', secretAccessKey: 'sk' };

const run = async (r: Rotator, pending: string, current: string, steps: Array<'set' | 'test' | 'finish' | 'rollback'>) => {
  for (const s of steps) {
    if (s === 'set') await r.set(pending, current);
    if (s === 'test') await r.test(pending);
    if (s === 'finish') await r.finish!(pending, current);
    if (s === 'rollback') await r.rollback(pending, current);
  }
};

describe.skipIf(Boolean(motoSkipReason()))('provider rotator on AWS Secrets Manager (moto)', () => {
  let moto: Moto;
  let proxy: FakeServer;
  const failing = new Set<string>();
  let direct: Provider;
  let n = 0;
  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy(moto.url, failing);
    direct = await createProvider('aws-sm', { region: 'us-east-1', endpoint: moto.url }, CRED);
  });
  afterAll(async () => {
    await proxy?.close();
    await moto?.stop();
  });

  const fresh = async () => {
    const name = `app/api-key-${++n}`;
    await direct.create(name, 'old-value');
    failing.clear();
    const rotator = () =>
      createRotator('provider', {
        config: {
          provider_id: 'aws',
          provider_kind: 'aws-sm',
          provider_config: { region: 'us-east-1', endpoint: proxy.url, maxAttempts: 1 },
          remote_name: name,
        },
        adminCredential: CRED,
      });
    return { name, rotator };
  };
  /** Stages by value: which values carry which labels. */
  const state = async (name: string) => {
    const d = await direct.describe(name);
    const out: Record<string, string[]> = {};
    for (const v of d.versions ?? []) {
      if (!v.labels.length) continue;
      out[(await direct.read(name, { version: v.version })).value] = [...v.labels].sort();
    }
    return out;
  };

  it('prepare → set → test → finish promotes: AWSCURRENT new, AWSPREVIOUS old, no AWSPENDING', async () => {
    const { name, rotator } = await fresh();
    const r = rotator();
    const pending = r.prepare('old-value', 'new-value') as string;
    await r.set(pending, 'old-value');
    expect(await state(name)).toEqual({ 'old-value': ['current'], 'new-value': ['pending'] });
    await r.test(pending);
    await r.finish!(pending, 'old-value');
    expect(await state(name)).toEqual({ 'new-value': ['current'], 'old-value': ['previous'] });
    await r.close();
  });

  it('a failure at set, then rollback, leaves the old value current and nothing pending', async () => {
    const { name, rotator } = await fresh();
    const r = rotator();
    failing.add('PutSecretValue');
    await expect(r.set('new-value', 'old-value')).rejects.toMatchObject({ code: 'ROTATION_SET_FAILED' });
    failing.clear();
    await r.rollback('new-value', 'old-value');
    expect(await state(name)).toEqual({ 'old-value': ['current'] });
    await r.close();
  });

  it('a failure at test, then rollback, drops the pending stage', async () => {
    const { name, rotator } = await fresh();
    const r = rotator();
    await r.set('new-value', 'old-value');
    failing.add('GetSecretValue');
    await expect(r.test('new-value')).rejects.toMatchObject({ code: 'ROTATION_TEST_FAILED' });
    failing.clear();
    await r.rollback('new-value', 'old-value');
    expect(await state(name)).toEqual({ 'old-value': ['current'] });
    expect((await direct.read(name)).value).toBe('old-value');
    await r.close();
  });

  it('a pending value changed behind its back fails the test', async () => {
    const { name, rotator } = await fresh();
    const r = rotator();
    await r.set('new-value', 'old-value');
    await direct.write(name, 'someone-else', { label: 'pending' });
    await expect(r.test('new-value')).rejects.toMatchObject({ code: 'ROTATION_TEST_FAILED' });
    await r.rollback('new-value', 'old-value');
    expect(await state(name)).toEqual({ 'old-value': ['current'] });
  });

  it('a crash after set rolls forward (set again is idempotent) or back; a crash after finish repeats finish safely', async () => {
    const a = await fresh();
    await run(a.rotator(), 'v2', 'old-value', ['set']);
    await run(a.rotator(), 'v2', 'old-value', ['set', 'test', 'finish']);
    expect(await state(a.name)).toEqual({ v2: ['current'], 'old-value': ['previous'] });
    const b = await fresh();
    await run(b.rotator(), 'v2', 'old-value', ['set', 'test']);
    await run(b.rotator(), 'v2', 'old-value', ['rollback']);
    expect(await state(b.name)).toEqual({ 'old-value': ['current'] });
    const c = await fresh();
    await run(c.rotator(), 'v2', 'old-value', ['set', 'test', 'finish']);
    await run(c.rotator(), 'v2', 'old-value', ['test', 'finish']);
    expect(await state(c.name)).toEqual({ v2: ['current'], 'old-value': ['previous'] });
  });

  it('an unreachable store is reported as such at set', async () => {
    const r = createRotator('provider', {
      config: {
        provider_kind: 'aws-sm',
        provider_config: { region: 'us-east-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1, timeoutMs: 2000 },
        remote_name: 'x',
      },
      adminCredential: CRED,
    });
    await expect(r.set('a', 'b')).rejects.toMatchObject({ code: 'ROTATION_TARGET_UNREACHABLE' });
  });
});

describe('provider rotator on Vault KV v2 (local fake)', () => {
  let vault: FakeVault;
  let direct: Provider;
  const fail = { post: false, get: false };
  let n = 0;
  beforeAll(async () => {
    vault = await startFakeVault({
      extra: (req, res, p) => {
        if (!p.includes('/data/rot/')) return false;
        if ((fail.post && req.method === 'POST') || (fail.get && req.method === 'GET')) {
          sendJson(res, 403, { errors: ['permission denied'] });
          return true;
        }
        return false;
      },
    });
    direct = await createProvider('vault', { address: vault.url }, { token: vault.rootToken });
  });
  afterAll(async () => vault?.close());

  const fresh = async () => {
    const name = `rot/db-${++n}`;
    await direct.write(name, 'old-value');
    fail.post = fail.get = false;
    const rotator = () =>
      createRotator('provider', {
        config: { provider_kind: 'vault', provider_config: { address: vault.url }, remote_name: name },
        adminCredential: { token: vault.rootToken },
      });
    return { name, rotator };
  };

  it('set → test → finish leaves the new value current; field rotation keeps other fields', async () => {
    const { name, rotator } = await fresh();
    await run(rotator(), 'new-value', 'old-value', ['set', 'test', 'finish']);
    expect((await direct.read(name)).value).toBe('new-value');
    const f = createRotator('provider', {
      config: { provider_kind: 'vault', provider_config: { address: vault.url }, remote_name: name, field: 'password' },
      adminCredential: { token: vault.rootToken },
    });
    expect(f.prepare({ user: 'app', password: 'x' }, 'gen')).toEqual({ user: 'app', password: 'gen' });
  });

  it('failure at set, and at test, then rollback: the old value is current again', async () => {
    const a = await fresh();
    fail.post = true;
    await expect(a.rotator().set('new-value', 'old-value')).rejects.toMatchObject({ code: 'ROTATION_SET_FAILED' });
    fail.post = false;
    await a.rotator().rollback('new-value', 'old-value');
    expect((await direct.read(a.name)).value).toBe('old-value');

    const b = await fresh();
    const r = b.rotator();
    await r.set('new-value', 'old-value');
    fail.get = true;
    await expect(r.test('new-value')).rejects.toMatchObject({ code: 'ROTATION_TEST_FAILED' });
    fail.get = false;
    await r.rollback('new-value', 'old-value');
    expect((await direct.read(b.name)).value).toBe('old-value');
  });

  it('crashes: set twice writes one version; a finished rotation resumes without change', async () => {
    const { name, rotator } = await fresh();
    await run(rotator(), 'v2', 'old-value', ['set']);
    await run(rotator(), 'v2', 'old-value', ['set', 'test', 'finish']);
    const d = await direct.describe(name);
    expect(d.versions?.length).toBe(2);
    await run(rotator(), 'v2', 'old-value', ['test', 'finish']);
    expect((await direct.read(name)).value).toBe('v2');
    const nf = await fresh();
    await expect(run(nf.rotator(), 'v3', 'old-value', ['finish'])).rejects.toMatchObject({ code: 'ROTATION_SET_FAILED' });
    expect((await direct.read(nf.name)).value).toBe('old-value');
  });
});
