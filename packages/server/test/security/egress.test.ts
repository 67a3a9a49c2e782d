// Server-side request forgery through tenant-supplied destinations, against a real server on both
// backends: with the DEFAULT egress policy a tenant admin cannot point a provider or a rotator at the
// server's loopback, at link-local/cloud metadata or at the unspecified address (however the address
// is spelled, or through a name resolving there): 403 EGRESS_FORBIDDEN and nothing stored; the
// check is repeated right before each connection. With egress.allowLoopback / egress.allow it works.
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startFakeVault, type FakeVault } from '../support/providers/fake-vault.js';

const SIGNING = 'signing-secret-0123456789abcdef';

/** A local webhook endpoint answering 200 and counting calls (a real HTTP server on loopback). */
const startHook = async () => {
  let calls = 0;
  const server = http.createServer((req, res) => {
    calls++;
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, calls: () => calls, close: () => new Promise<void>((r) => server.close(() => r())) };
};

const hostResolvesToLoopback = async (h: string) => {
  try {
    return (await lookup(h, { all: true })).every((a) => a.address.startsWith('127.') || a.address === '::1');
  } catch {
    return false;
  }
};

describe.each(backends())('egress policy (%s)', (backend) => {
  let def: TestServer; // the server's default policy
  let open: TestServer; // egress.allowLoopback: true
  let listed: TestServer; // egress.allow: 127.0.0.1/32, deny 10.9.0.0/16
  let vault: FakeVault;
  let hook: Awaited<ReturnType<typeof startHook>>;
  let ownName: string | undefined;

  beforeAll(async () => {
    [vault, hook] = await Promise.all([startFakeVault(), startHook()]);
    def = await startTestServer(backend, { config: { egress: {} } });
    open = await startTestServer(backend, { config: { egress: { allowLoopback: true } } });
    listed = await startTestServer(backend, { config: { egress: { allow: ['127.0.0.1/32', '*.corp.example'], deny: ['10.9.0.0/16'] } } });
    ownName = (await hostResolvesToLoopback(os.hostname())) ? os.hostname() : undefined;
  });
  afterAll(async () => {
    await Promise.all([def?.close(), open?.close(), listed?.close()]);
    await Promise.all([vault?.close(), hook?.close()]);
  });

  const loopbackSpellings = () => [
    'http://127.0.0.1:8200',
    'http://127.1.2.3:8200',
    'http://localhost:8200',
    'http://[::1]:8200',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://[::ffff:127.0.0.1]:8200',
    ...(ownName ? [`http://${ownName}:8200`] : []),
  ];
  const forbidden = () => [
    ...loopbackSpellings(),
    'http://169.254.169.254/latest/meta-data/',
    'http://[fe80::1]/',
    'http://[fd00:ec2::254]/',
    'http://0.0.0.0:8200',
    'http://[::]:8200',
  ];

  it('refuses a provider whose address is loopback, link-local/metadata or unspecified, however spelled; nothing is stored', async () => {
    let i = 0;
    for (const address of forbidden()) {
      const name = `v${i++}`;
      const r = await def.call('POST', '/providers/configure', {
        body: { provider_name: name, kind: 'vault', config: { address, token: 'tenant-token-xyz' } },
      });
      expect(r.status, address).toBe(403);
      expect(r.body.error.code, address).toBe('EGRESS_FORBIDDEN');
      expect(r.body.error.message).toMatch(/egress\.allow/);
      expect(r.text).not.toContain('tenant-token-xyz');
      expect((await def.call('GET', `/v1/providers/${name}`)).status).toBe(404);
      expect((await def.call('GET', `/v1/secrets/keyhaven/providers/${name}/credential`)).status).toBe(404);
    }
    const meta = await def.call('POST', '/providers/configure', {
      body: {
        provider_name: 'aws',
        config: { region: 'us-east-1', endpoint: 'http://169.254.169.254', access_key_id: 'AKID', secret_access_key: 'sk-abc' },
      },
    });
    expect(meta.body.error).toMatchObject({ code: 'EGRESS_FORBIDDEN', details: { destination: '169.254.169.254', reason: 'link-local' } });
    expect(meta.body.error.message).toContain('the destination 169.254.169.254 is a link-local address');
    const others = [
      { provider_name: 'k8s', config: { source: 'explicit', server: 'https://127.0.0.1:6443', namespace: 'x', token: 't' } },
      { provider_name: 'gcp', config: { project_id: 'kh-test', api_endpoint: 'localhost', port: 1, insecure: true, access_token: 't' } },
      { provider_name: 'azure', config: { vault_url: 'http://[::1]:1', tenant_id: 't', client_id: 'c', client_secret: 's' } },
      {
        provider_name: 'azure2',
        kind: 'azure-kv',
        config: {
          vault_url: 'https://x.vault.azure.net',
          authority_host: 'http://169.254.169.254',
          tenant_id: 't',
          client_id: 'c',
          client_secret: 's',
        },
      },
    ];
    for (const body of others) {
      const r = await def.call('POST', '/providers/configure', { body });
      expect(r.body.error?.code, body.provider_name).toBe('EGRESS_FORBIDDEN');
    }
    expect((await def.call('GET', '/v1/providers')).body.items ?? []).toEqual([]);
  });

  it('a private address is allowed by default (db.internal is the main use); loopback works with allowLoopback', async () => {
    const priv = await def.call('POST', '/providers/configure', {
      body: { provider_name: 'priv', kind: 'vault', config: { address: 'http://10.20.30.40:8200', token: 't' } },
    });
    expect(priv.status).toBe(201);
    const ok = await open.call('POST', '/providers/configure', {
      body: { provider_name: 'vault', config: { address: vault.url, token: vault.rootToken }, test_connection: true },
    });
    expect(ok.status).toBe(201);
    expect((await open.call('POST', '/v1/providers/vault/test')).body).toMatchObject({ ok: true });
    const meta = await open.call('POST', '/providers/configure', {
      body: { provider_name: 'meta', kind: 'vault', config: { address: 'http://169.254.169.254', token: 't' } },
    });
    expect(meta.body.error.code).toBe('EGRESS_FORBIDDEN'); // allowLoopback admits loopback only
  });

  it('egress.allow admits only what it lists; egress.deny adds ranges', async () => {
    expect(
      (
        await listed.call('POST', '/providers/configure', {
          body: { provider_name: 'vault', config: { address: vault.url, token: vault.rootToken } },
        })
      ).status,
    ).toBe(201);
    const priv = await listed.call('POST', '/providers/configure', {
      body: { provider_name: 'p', kind: 'vault', config: { address: 'http://10.20.30.40:8200', token: 't' } },
    });
    expect(priv.body.error).toMatchObject({ code: 'EGRESS_FORBIDDEN', details: { reason: 'not-allowed' } });
    const other = await listed.call('POST', '/providers/configure', {
      body: { provider_name: 'q', kind: 'vault', config: { address: 'http://127.0.0.2:8200', token: 't' } },
    });
    expect(other.body.error.code).toBe('EGRESS_FORBIDDEN');
    await def.call('POST', '/v1/secrets', {
      body: {
        name: 'deny/admin',
        value: { username: 'postgres', password: 'pw', host: '10.9.1.1', port: 5432 },
        type: 'database_credentials',
      },
    });
    // deny applies on the default server only when configured: here, on `listed`
    await listed.call('POST', '/v1/secrets', {
      body: {
        name: 'deny/admin',
        value: { username: 'postgres', password: 'pw', host: '10.9.1.1', port: 5432 },
        type: 'database_credentials',
      },
    });
    const denied = await listed.call('POST', '/secrets/register', {
      body: { secret_name: 'deny/app', rotator: 'postgres', admin_credential_secret: 'deny/admin' },
    });
    expect(denied.body.error).toMatchObject({ code: 'EGRESS_FORBIDDEN', details: { reason: 'denied' } });
    expect((await listed.call('GET', '/v1/secrets/deny/app')).status).toBe(404);
  });

  it('refuses webhook and database rotators aimed at loopback or metadata; nothing is stored', async () => {
    await def.call('POST', '/v1/secrets', { body: { name: 'hook/admin', value: { signing_secret: SIGNING } } });
    for (const u of [...loopbackSpellings(), 'http://169.254.169.254/']) {
      const r = await def.call('POST', '/secrets/register', {
        body: {
          secret_name: 'hook/app',
          rotator: 'webhook',
          rotator_config: { set_url: 'https://hooks.example.com/set', test_url: u },
          admin_credential_secret: 'hook/admin',
        },
      });
      expect(r.status, u).toBe(403);
      expect(r.body.error.code).toBe('EGRESS_FORBIDDEN');
      expect(r.body.error.message).toContain("webhook rotator's test_url");
    }
    expect((await def.call('GET', '/v1/secrets/hook/app')).status).toBe(404);
    for (const [i, host] of ['127.0.0.1', 'localhost', '::1', '2130706433', '169.254.169.254'].entries()) {
      await def.call('POST', '/v1/secrets', {
        body: { name: `db/admin${i}`, value: { username: 'postgres', password: 'pw', host, port: 5432 }, type: 'database_credentials' },
      });
      for (const rotator of ['postgres', 'mysql', 'redis']) {
        const r = await def.call('POST', '/secrets/register', {
          body: { secret_name: `db/app${i}`, rotator, admin_credential_secret: `db/admin${i}` },
        });
        expect(r.body.error?.code, `${rotator} ${host}`).toBe('EGRESS_FORBIDDEN');
      }
      expect((await def.call('GET', `/v1/secrets/db/app${i}`)).status).toBe(404);
    }
    await def.call('POST', '/v1/secrets', {
      body: {
        name: 'db/ok-admin',
        value: { username: 'postgres', password: 'pw', host: 'db.internal.example', port: 5432 },
        type: 'database_credentials',
      },
    });
    const viaConfig = await def.call('POST', '/secrets/register', {
      body: {
        secret_name: 'db/cfg',
        rotator: 'postgres',
        rotator_config: { host: '169.254.169.254', port: 5432, username: 'app' },
        admin_credential_secret: 'db/ok-admin',
      },
    });
    expect(viaConfig.body.error?.code).toBe('EGRESS_FORBIDDEN');
  });

  it('checks again right before connecting: an admin credential moved to loopback after registration is refused at rotation', async () => {
    await def.call('POST', '/v1/secrets', {
      body: {
        name: 'late/admin',
        value: { username: 'postgres', password: 'pw', host: '10.20.30.40', port: 5432 },
        type: 'database_credentials',
      },
    });
    const reg = await def.call('POST', '/secrets/register', {
      body: {
        secret_name: 'late/app',
        rotator: 'postgres',
        rotator_config: { username: 'app', host: '10.20.30.40', port: 5432 },
        admin_credential_secret: 'late/admin',
      },
    });
    expect(reg.status).toBe(201);
    await def.call('PUT', '/v1/secrets/late/admin', {
      body: { value: { username: 'postgres', password: 'pw', host: '127.0.0.1', port: 5432 } },
    });
    const r = await def.call('POST', '/secrets/rotate', { body: { secret_name: 'late/app', rotation_method: 'manual' } });
    expect(r.text).toContain('EGRESS_FORBIDDEN');
  });

  it('with allowLoopback a webhook rotator on loopback registers and rotates', async () => {
    await open.call('POST', '/v1/secrets', { body: { name: 'hook/admin', value: { signing_secret: SIGNING } } });
    const reg = await open.call('POST', '/secrets/register', {
      body: {
        secret_name: 'hook/app',
        rotator: 'webhook',
        rotator_config: { set_url: `${hook.url}/set`, test_url: `${hook.url}/test` },
        admin_credential_secret: 'hook/admin',
      },
    });
    expect(reg.status).toBe(201);
    const before = hook.calls();
    const r = await open.call('POST', '/secrets/rotate', { body: { secret_name: 'hook/app', rotation_method: 'manual' } });
    expect(r.status, r.text).toBeLessThan(300);
    expect(hook.calls()).toBeGreaterThanOrEqual(before + 2);
  });
});
