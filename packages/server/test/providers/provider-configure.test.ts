// Provider configurations through HTTP on every backend: seed 000 bodies for each kind against its
// local server (moto, Vault/k8s/Azure/GCP fakes, dotenv, env), credentials kept out of responses, logs
// and the providers table, test connection ok and failing, seed 003 credential validation.
import '../support/providers/gcp-env.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startMoto, motoSkipReason, type Moto } from '../support/providers/moto.js';
import { startFakeVault, type FakeVault } from '../support/providers/fake-vault.js';
import { startFakeK8s, type FakeK8s } from '../support/providers/fake-k8s.js';
import { startFakeAzureKv, type FakeAzureKv } from '../support/providers/fake-azure-kv.js';
import { startFakeGcpSm, type FakeGcpSm } from '../support/providers/fake-gcp-sm.js';
import { closedPort } from '../support/providers/provider-conformance.js';

const AWS_SECRET = 'aws-secret-key-Zq81xK';
const AZURE_SECRET = 'azure-client-secret-Pn44';

describe.each(backends())('provider configurations (%s)', (backend) => {
  let s: TestServer;
  let moto: Moto | undefined;
  let vault: FakeVault;
  let k8s: FakeK8s;
  let azure: FakeAzureKv;
  let gcp: FakeGcpSm;
  const logLines: string[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-prov-'));

  beforeAll(async () => {
    if (!motoSkipReason()) moto = await startMoto();
    [vault, k8s, azure, gcp] = await Promise.all([startFakeVault(), startFakeK8s(), startFakeAzureKv(), startFakeGcpSm()]);
    s = await startTestServer(backend, {
      logLines,
      config: {
        logLevel: 'debug',
        providers: { env: { enabled: true, allow: ['KH_TEST_*'] }, dotenv: { enabled: true, directories: [dir] } },
      },
    });
  });
  afterAll(async () => {
    await s?.close();
    await Promise.all([moto?.stop(), vault?.close(), k8s?.close(), azure?.close(), gcp?.close()]);
  });

  const secretsIn = (x: unknown) => {
    const text = JSON.stringify(x);
    return [AWS_SECRET, AZURE_SECRET, vault.rootToken, k8s.token, gcp.token].filter((v) => text.includes(v));
  };

  it.skipIf(Boolean(motoSkipReason()))(
    'seed 000: configures aws on moto; the credential is stored as a secret, never echoed; test connection is ok',
    async () => {
      const r = await s.call('POST', '/providers/configure', {
        body: {
          provider_name: 'aws',
          config: { region: 'us-east-1', endpoint: moto!.url, access_key_id: 'AKIDEXAMPLE', secret_access_key: AWS_SECRET },
        },
      });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        id: 'aws',
        kind: 'aws-sm',
        config: { region: 'us-east-1', endpoint: moto!.url },
        credential: { stored: true, secret: 'keyhaven/providers/aws/credential' },
      });
      expect(r.body.credential_fields).toEqual(['accessKeyId', 'secretAccessKey']);
      expect(secretsIn(r.body)).toEqual([]);
      const t = await s.call('POST', '/v1/providers/aws/test');
      expect(t.body).toMatchObject({ id: 'aws', ok: true });
      const stored = await s.call('GET', '/v1/secrets/keyhaven/providers/aws/credential');
      expect(stored.body.type).toBe('service_account_key');
      expect(stored.body.value).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: AWS_SECRET });
    },
  );

  it('configures vault, k8s, gcp, azure, dotenv and env; several configs of one kind by name', async () => {
    const bodies = [
      { provider_name: 'vault', config: { address: vault.url, token: vault.rootToken, timeout_ms: 3000 } },
      { kind: 'vault', name: 'vault-b', config: { address: vault.url, mount: 'secret', path_prefix: 'team-b/', token: vault.rootToken } },
      {
        provider_name: 'k8s',
        config: { source: 'explicit', server: k8s.url, namespace: 'kh-test', token: k8s.token, timeout_ms: 3000, skip_tls_verify: true },
      },
      {
        provider_name: 'gcp',
        config: {
          project_id: 'kh-test',
          api_endpoint: '127.0.0.1',
          port: gcp.port,
          insecure: true,
          access_token: gcp.token,
          timeout_ms: 4000,
        },
      },
      {
        provider_name: 'azure',
        config: { vault_url: azure.url, tenant_id: 't-1', client_id: 'c-1', client_secret: AZURE_SECRET, allow_insecure_connection: true },
      },
      { provider_name: 'dotenv', config: { path: path.join(dir, 'app.env') } },
      { provider_name: 'env', config: { prefix: 'KH_TEST_' } },
    ];
    for (const body of bodies) {
      const r = await s.call('POST', '/providers/configure', { body });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(secretsIn(r.body)).toEqual([]);
    }
    const list = await s.call('GET', '/v1/providers');
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual(
      expect.arrayContaining(['vault', 'vault-b', 'k8s', 'gcp', 'azure', 'dotenv', 'env']),
    );
    expect(list.body.kinds.length).toBeGreaterThanOrEqual(7);
    expect(secretsIn(list.body)).toEqual([]);
    const dotenv = await s.call('GET', '/v1/providers/dotenv');
    expect(dotenv.body.credential).toEqual({ stored: false, secret: null });
    for (const id of ['vault', 'vault-b', 'k8s', 'gcp', 'dotenv', 'env']) {
      const t = await s.call('POST', `/v1/providers/${id}/test`);
      expect(t.body, id).toMatchObject({ ok: true });
    }
  });

  it('test connection fails cleanly for a wrong credential and an unreachable store', async () => {
    await s.call('POST', '/providers/configure', {
      body: { kind: 'vault', name: 'vault-bad', config: { address: vault.url, token: 'hvs.wrong' } },
    });
    const bad = await s.call('POST', '/v1/providers/vault-bad/test');
    expect(bad.body).toMatchObject({ ok: false, error: { code: 'PROVIDER_AUTH_FAILED' } });
    await s.call('POST', '/providers/configure', {
      body: {
        kind: 'k8s',
        name: 'k8s-down',
        config: {
          source: 'explicit',
          server: `http://127.0.0.1:${await closedPort()}`,
          token: 'x',
          timeout_ms: 2000,
          skip_tls_verify: true,
        },
      },
    });
    const down = await s.call('POST', '/v1/providers/k8s-down/test');
    expect(down.body).toMatchObject({ ok: false, error: { code: 'PROVIDER_UNAVAILABLE' } });
  });

  it('seed 003: validates the stored credential and a candidate without saving it', async () => {
    const ok = await s.call('POST', '/admin/secrets/providers/vault/credentials/validate', { body: {} });
    expect(ok.body).toMatchObject({ provider_id: 'vault', valid: true, source: 'stored' });
    const shape = await s.call('POST', '/admin/secrets/providers/vault/credentials/validate', { body: { credential: { tokn: 'x' } } });
    expect(shape.body).toMatchObject({ valid: false, checks: [{ check: 'shape', ok: false, error: { code: 'PROVIDER_CONFIG_INVALID' } }] });
    const wrong = await s.call('POST', '/admin/secrets/providers/vault/credentials/validate', {
      body: { credential: { token: 'hvs.nope' } },
    });
    expect(wrong.body).toMatchObject({
      valid: false,
      source: 'candidate',
      checks: [
        { check: 'shape', ok: true },
        { check: 'connection', ok: false, error: { code: 'PROVIDER_AUTH_FAILED' } },
      ],
    });
    expect((await s.call('POST', '/v1/providers/vault/test')).body.ok).toBe(true);
    const missing = await s.call('POST', '/admin/secrets/providers/nope/credentials/validate', { body: {} });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('PROVIDER_CONFIG_NOT_FOUND');
  });

  it('rejects unknown kinds, bad config and misplaced credentials, naming fields only', async () => {
    const unknown = await s.call('POST', '/providers/configure', { body: { provider_name: 'oracle', config: {} } });
    expect(unknown.body.error.code).toBe('PROVIDER_UNKNOWN');
    const bad = await s.call('POST', '/providers/configure', {
      body: { provider_name: 'vault', config: { address: 'not a url', token: 'hvs.sekrit-value' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('PROVIDER_CONFIG_INVALID');
    expect(bad.text).not.toContain('hvs.sekrit-value');
    const dotenvCred = await s.call('POST', '/providers/configure', {
      body: { provider_name: 'dotenv', name: 'd2', config: { path: '/tmp/x.env' }, credential: { token: 'abc' } },
    });
    expect(dotenvCred.status).toBe(400);
    const dup = await s.call('POST', '/v1/providers', { body: { provider_name: 'env', config: {} } });
    expect(dup.body.error.code).toBe('PROVIDER_CONFIG_EXISTS');
  });

  it('keeps credentials out of the providers table, the database file and the logs; remove shreds the credential', async () => {
    const rows = await s.app.storage.withTenant('default', (ex) => ex.selectFrom('provider_configs').selectAll().execute());
    expect(rows.length).toBeGreaterThanOrEqual(7);
    expect(secretsIn(rows)).toEqual([]);
    if (backend === 'sqlite') expect(secretsIn(readFileSync(s.db.url, 'latin1'))).toEqual([]);
    expect(secretsIn(logLines.join('\n'))).toEqual([]);
    const audit = await s.app.storage.withTenant('*', (ex) => ex.selectFrom('audit_events').selectAll().execute());
    expect(audit.some((a) => a.action === 'provider.configure')).toBe(true);
    expect(secretsIn(audit)).toEqual([]);
    const del = await s.call('DELETE', '/v1/providers/vault-b');
    expect(del.body).toEqual({ id: 'vault-b', deleted: true });
    expect((await s.call('GET', '/v1/providers/vault-b')).status).toBe(404);
    expect((await s.call('GET', '/v1/secrets/keyhaven/providers/vault-b/credential')).status).toBe(404);
  });

  it('is tenant-scoped: another tenant sees no configuration', async () => {
    await s.call('POST', '/v1/tenants', { body: { id: 'other', name: 'Other' }, tenant: null });
    const r = await s.call('GET', '/v1/providers/vault', { tenant: 'other' });
    expect(r.status).toBe(404);
    expect((await s.call('GET', '/v1/providers', { tenant: 'other' })).body.items).toEqual([]);
  });
});
