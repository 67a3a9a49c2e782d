// Sync through HTTP on every backend: 1,000 secrets replicated to the local Vault fake converge,
// names the destination rejects are reported per secret (status, last error, no values) and succeed
// on retry once fixed; changes and deletes follow; initial-sync import policies; never_delete_remote.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startFakeVault, type FakeVault } from '../support/providers/fake-vault.js';
import { sendJson } from '../support/providers/http-fake.js';
import { createProvider } from '../../src/providers/provider-registry.js';
import type { Provider } from '../../src/providers/provider-types.js';

const N = 1000;
const BAD = 10;

describe.each(backends())('sync (%s)', (backend) => {
  let s: TestServer;
  let vault: FakeVault;
  let remote: Provider;
  let rejecting = true;
  let throttling = false;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-sync-'));

  beforeAll(async () => {
    vault = await startFakeVault({
      extra: (req, res, p) => {
        if (throttling && /\/data\/throttled\//.test(p)) {
          sendJson(res, 429, { errors: ['request path "throttled": rate limit quota exceeded'] });
          return true;
        }
        if (rejecting && req.method === 'POST' && /\/data\/kh\/bad-/.test(p)) {
          sendJson(res, 403, { errors: ['1 error occurred:\n\t* permission denied\n\n'] });
          return true;
        }
        return false;
      },
    });
    remote = await createProvider('vault', { address: vault.url }, { token: vault.rootToken });
    s = await startTestServer(backend, {
      config: { providers: { syncIntervalSeconds: 3600, syncRetryBaseSeconds: 1, dotenv: { enabled: true, directories: [dir] } } },
    });
    expect(
      (
        await s.call('POST', '/providers/configure', {
          body: { provider_name: 'vault', config: { address: vault.url, token: vault.rootToken } },
        })
      ).status,
    ).toBe(201);
    expect(
      (await s.call('POST', '/providers/configure', { body: { provider_name: 'dotenv', config: { path: path.join(dir, 'app.env') } } }))
        .status,
    ).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    await vault?.close();
  });

  const status = async (q = '') => (await s.call('GET', `/v1/sync/status?limit=5000${q}`)).body;

  it(`replicates ${N} secrets, reports the ones the store rejects, and converges after the fix`, async () => {
    for (let i = 0; i < N; i++) {
      const name = i < BAD ? `apps/bad-${i}` : `apps/s-${String(i).padStart(4, '0')}`;
      const r = await s.call('PUT', `/v1/secrets/${name}`, { body: { value: `value-${i}` } });
      expect(r.status).toBe(200);
    }
    const d = await s.call('POST', '/v1/sync/destinations', {
      body: { id: 'to-vault', prefix: 'apps/', provider_id: 'vault', template: 'kh/{{relative}}' },
    });
    expect(d.status).toBe(201);
    expect(d.body).toMatchObject({ id: 'to-vault', queued: N, initial_policy: 'overwrite', never_delete_remote: false });
    const run = await s.call('POST', '/v1/sync/run', { body: {} });
    expect(run.status).toBe(200); // counts vary: a background run queued by the creation may have taken part of the work
    const st = await status('&destination=to-vault');
    expect(st.summary).toEqual({ ok: N - BAD, pending: 0, error: BAD });
    const failed = st.items.filter((i: { status: string }) => i.status === 'error');
    expect(failed.map((i: { secret_name: string }) => i.secret_name).sort()).toEqual(
      Array.from({ length: BAD }, (_, i) => `apps/bad-${i}`).sort(),
    );
    // With a 1 s retry base a slow run may see the background worker retry once already.
    expect(failed[0]).toMatchObject({ synced_version: null, last_error: expect.stringMatching(/^PROVIDER_AUTH_FAILED: /) });
    expect(failed[0].attempts).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(st)).not.toMatch(/value-\d/);
    expect((await remote.list('kh/')).length).toBe(N - BAD);
    expect((await remote.read('kh/s-0500')).value).toBe('value-500');

    rejecting = false;
    const retry = await s.call('POST', '/v1/sync/run', { body: { destination: 'to-vault' } });
    // a background run queued by the destination's creation may already have retried some of them
    expect(retry.body.error).toBe(0);
    expect(retry.body.processed).toBeLessThanOrEqual(BAD);
    expect((await status('&destination=to-vault')).summary).toEqual({ ok: N, pending: 0, error: 0 });
    expect((await remote.read('kh/bad-3')).value).toBe('value-3');
  }, 240_000);

  it('follows every change and deletes remote copies unless never_delete_remote', async () => {
    await s.call('POST', '/v1/sync/destinations', {
      body: {
        id: 'one-env',
        secret_name: 'apps/s-0011',
        provider_id: 'dotenv',
        template: '{{basename|replace:-:_|upper}}',
        never_delete_remote: true,
      },
    });
    await s.call('PUT', '/v1/secrets/apps/s-0011', { body: { value: 'changed-11' } });
    await vi.waitFor(async () => expect((await remote.read('kh/s-0011')).value).toBe('changed-11'), { timeout: 10_000, interval: 50 });
    await vi.waitFor(() => expect(readFileSync(path.join(dir, 'app.env'), 'utf8')).toContain('S_0011=changed-11'), {
      timeout: 10_000,
      interval: 50,
    });
    const item = (await status('&destination=to-vault')).items.find((i: { secret_name: string }) => i.secret_name === 'apps/s-0011');
    expect(item).toMatchObject({ status: 'ok', synced_version: 2, remote_name: 'kh/s-0011' });

    await s.call('DELETE', '/v1/secrets/apps/s-0011');
    await vi.waitFor(async () => expect((await remote.read('kh/s-0011').catch((e) => e)).code).toBe('PROVIDER_SECRET_NOT_FOUND'), {
      timeout: 10_000,
      interval: 50,
    });
    await s.call('POST', '/v1/sync/run', { body: {} });
    expect(readFileSync(path.join(dir, 'app.env'), 'utf8')).toContain('S_0011=changed-11');
    expect((await status('&destination=one-env')).items).toEqual([]);
  });

  it('initial sync imports remote-only secrets; either side wins for secrets on both', async () => {
    await remote.write('mirror/a', 'remote-a');
    await remote.write('mirror/b', 'remote-b');
    await remote.write('other/b', 'remote-b2');
    for (const [n, v] of [
      ['imp/b', 'local-b'],
      ['imp/c', 'local-c'],
      ['imp2/b', 'local-b2'],
    ])
      await s.call('PUT', `/v1/secrets/${n}`, { body: { value: v } });
    const d = await s.call('POST', '/v1/sync/destinations', {
      body: { id: 'imp', prefix: 'imp/', provider_id: 'vault', template: 'mirror/{{relative}}', initial_policy: 'import-remote-wins' },
    });
    expect(d.body).toMatchObject({ imported: 1, queued: 3 });
    await s.call('POST', '/v1/sync/run', { body: {} });
    expect((await s.call('GET', '/v1/secrets/imp/a')).body.value).toBe('remote-a');
    expect((await s.call('GET', '/v1/secrets/imp/b')).body.value).toBe('remote-b');
    expect((await remote.read('mirror/c')).value).toBe('local-c');
    const d2 = await s.call('POST', '/v1/sync/destinations', {
      body: { id: 'imp2', prefix: 'imp2/', provider_id: 'vault', template: 'other/{{relative}}', initial_policy: 'import-keyhaven-wins' },
    });
    expect(d2.body).toMatchObject({ imported: 0, queued: 1 });
    await s.call('POST', '/v1/sync/run', { body: {} });
    expect((await remote.read('other/b')).value).toBe('local-b2');
    expect((await status('&destination=imp')).summary).toEqual({ ok: 3, pending: 0, error: 0 });
  });

  it('answers throttling with backoff: the pair waits for its retry time, then syncs once the store accepts again', async () => {
    await s.call('PUT', '/v1/secrets/thr/x', { body: { value: 'throttled-value' } });
    throttling = true;
    await s.call('POST', '/v1/sync/destinations', {
      body: { id: 'thr', secret_name: 'thr/x', provider_id: 'vault', template: 'throttled/{{basename}}' },
    });
    await s.call('POST', '/v1/sync/run', { body: { destination: 'thr' } });
    const [item] = (await status('&destination=thr')).items;
    expect(item).toMatchObject({
      status: 'error',
      attempts: expect.any(Number),
      last_error: expect.stringMatching(/^PROVIDER_THROTTLED: /),
    });
    expect(Date.parse(item.next_attempt_at)).toBeGreaterThan(Date.parse(item.updated_at));
    throttling = false;
    expect((await s.call('POST', '/v1/sync/run', { body: { destination: 'thr' } })).body.error).toBe(0);
    expect((await remote.read('throttled/x')).value).toBe('throttled-value');
    await s.call('DELETE', '/v1/sync/destinations/thr');
  }, 60_000);

  it('validates destinations and removes them without touching remote copies', async () => {
    const bad = await s.call('POST', '/v1/sync/destinations', { body: { prefix: 'x/', provider_id: 'vault', template: 'x-{{nam}}' } });
    expect(bad.body.error.code).toBe('SYNC_TEMPLATE_INVALID');
    const both = await s.call('POST', '/v1/sync/destinations', { body: { prefix: 'x/', secret_name: 'x/y', provider_id: 'vault' } });
    expect(both.status).toBe(400);
    expect((await s.call('POST', '/v1/sync/destinations', { body: { prefix: 'x/', provider_id: 'nope' } })).body.error.code).toBe(
      'PROVIDER_CONFIG_NOT_FOUND',
    );
    expect((await s.call('DELETE', '/v1/providers/vault')).body.error.code).toBe('PROVIDER_IN_USE');
    const list = await s.call('GET', '/v1/sync/destinations');
    expect(list.body.items.map((d: { id: string }) => d.id).sort()).toEqual(['imp', 'imp2', 'one-env', 'to-vault']);
    expect((await s.call('DELETE', '/v1/sync/destinations/imp')).body).toEqual({ id: 'imp', deleted: true, remote_kept: true });
    expect((await remote.read('mirror/c')).value).toBe('local-c');
    expect((await s.call('DELETE', '/v1/sync/destinations/imp')).body.error.code).toBe('SYNC_DESTINATION_NOT_FOUND');
  });
});
