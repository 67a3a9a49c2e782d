// Master key held by a KMS, on every backend: start on a local key, re-wrap the keyring under AWS KMS
// (moto) through `POST /v1/sys/master-key/rewrap` while serving, restart with the aws-kms source and
// read the same values; the old local key no longer opens the store. Plus config parsing of the block.
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, createTestDatabase, type TestDatabase } from '../support/backends.js';
import { startTestServer } from '../support/test-server.js';
import { loadConfig } from '../../src/config/load-config.js';
import { parseKekSourceConfig } from '../../src/barrier/kek-sources/registry.js';
import { motoSkipReason, startMoto, type Moto } from '../support/providers/moto.js';

const skip = motoSkipReason();

describe('masterKeySource config', () => {
  it('comes from KEYHAVEN_MASTER_KEY_SOURCE (JSON) or a file, and each kind validates its own block', () => {
    const c = loadConfig({ env: { KEYHAVEN_MASTER_KEY_SOURCE: '{"kind":"aws-kms","keyId":"k","region":"us-east-1"}' } });
    expect(c.masterKeySource).toEqual({ kind: 'aws-kms', keyId: 'k', region: 'us-east-1' });
    const file = path.join(process.env.TMPDIR ?? '/tmp', `kh-mks-${process.pid}.yaml`);
    writeFileSync(file, 'masterKeySource:\n  kind: vault-transit\n  address: http://127.0.0.1:8200\n  key: kh\n  token: t\n');
    expect(loadConfig({ env: { KEYHAVEN_MASTER_KEY_SOURCE_FILE: file } }).masterKeySource).toMatchObject({
      kind: 'vault-transit',
      key: 'kh',
    });
    expect(() => loadConfig({ env: { KEYHAVEN_MASTER_KEY_SOURCE: '{not json' } })).toThrow(/KEYHAVEN_MASTER_KEY_SOURCE/);
    expect(() => parseKekSourceConfig({ kind: 'hsm' })).toThrow(expect.objectContaining({ code: 'MASTER_KEY_SOURCE_INVALID' }));
    expect(() => parseKekSourceConfig({ kind: 'aws-kms', region: 'us-east-1', secretAccessKey: 'do-not-echo' })).toThrow(
      expect.objectContaining({ code: 'MASTER_KEY_SOURCE_INVALID', message: expect.not.stringContaining('do-not-echo') }),
    );
  });
});

describe.skipIf(!!skip).each(backends())(`master key rewrap to AWS KMS on moto (%s)${skip ? ` — skipped: ${skip}` : ''}`, (backend) => {
  let moto: Moto;
  let keyId = '';
  let db: TestDatabase;
  const source = () => ({
    kind: 'aws-kms',
    keyId,
    region: 'us-east-1',
    endpoint: moto.url,
    accessKeyId: 'test',
    secretAccessKey: 'kms-secret-test',
    timeoutMs: 5000,
  });

  beforeAll(async () => {
    moto = await startMoto();
    const kms = new KMSClient({ region: 'us-east-1', endpoint: moto.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    keyId = (await kms.send(new CreateKeyCommand({ Description: 'keyhaven master' }))).KeyMetadata!.KeyId!;
    kms.destroy();
    db = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await db?.drop();
    await moto?.stop();
  });

  it('re-wraps without downtime, restarts on aws-kms with every value readable, and refuses the old key', async () => {
    const first = await startTestServer(backend, { db });
    for (let i = 0; i < 20; i++) expect((await first.call('PUT', `/v1/secrets/app/k${i}`, { body: { value: `v-${i}` } })).status).toBe(200);
    const tok = await first.call('POST', '/v1/tokens', { body: { name: 'after-restart', role: 'admin' } });
    expect(tok.status).toBe(201);
    const admin = tok.body.token as string;

    const bad = await first.call('POST', '/v1/sys/master-key/rewrap', {
      body: {
        kind: 'aws-kms',
        keyId: 'no-such-key',
        region: 'us-east-1',
        endpoint: moto.url,
        accessKeyId: 'test',
        secretAccessKey: 'test',
      },
    });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect((await first.call('POST', '/v1/sys/master-key/rewrap', { body: source(), token: admin })).status).toBe(403);

    const r = await first.call('POST', '/v1/sys/master-key/rewrap', { body: source() });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      rewrapped: true,
      kind: 'aws-kms',
      restart_with: { masterKeySource: { kind: 'aws-kms', keyId, secretAccessKey: '[redacted]' } },
    });
    expect(r.body.message).toMatch(/start Keyhaven with this masterKeySource/);
    expect(r.text).not.toContain('kms-secret-test');
    // still serving, reads and writes, with keys already in memory
    expect((await first.call('GET', '/v1/secrets/app/k3')).body.value).toBe('v-3');
    expect((await first.call('PUT', '/v1/secrets/app/k20', { body: { value: 'v-20' } })).status).toBe(200);
    const rows = await first.app.storage.withTenant('*', (ex) => ex.selectFrom('keyring').select(['source', 'wrapped']).execute());
    expect(rows.every((x) => x.source === 'aws-kms' && x.wrapped.startsWith('aws-kms:v1:'))).toBe(true);
    const oldKey = first.masterKey;
    await first.close();

    await expect(startTestServer(backend, { db, masterKey: oldKey })).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });

    const second = await startTestServer(backend, { db, config: { masterKeySource: source() } });
    try {
      for (const i of [0, 7, 19, 20])
        expect((await second.call('GET', `/v1/secrets/app/k${i}`, { token: admin })).body.value).toBe(`v-${i}`);
    } finally {
      await second.close();
    }
    if (backend === 'sqlite') expect(readFileSync(db.url, 'latin1')).not.toContain('kms-secret-test');
  });
});
