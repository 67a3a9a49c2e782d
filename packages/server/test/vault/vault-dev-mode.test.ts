// `keyhaven server --dev` (the built binary, a subprocess, no configuration) serves Vault's dev-mode
// `secret/` KV v2 mount on the default tenant: the vault CLI's `kv put/get/list/metadata` request
// shapes (replayed with the Go client's shapes), hvac, node-vault and hashi-vault-js all use it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Vault from 'hashi-vault-js';
import { createGoClient, type GoClient } from './go-client.js';
import { hvacPython } from './support.js';

const require = createRequire(import.meta.url);
const nodeVault = require('node-vault') as (o: Record<string, unknown>) => any;
const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const HVAC_METADATA = fileURLToPath(new URL('./hvac-kv-metadata.py', import.meta.url));
const TOKEN = 'dev-root-for-vault-clients';

describe('keyhaven server --dev: the secret/ mount with no configuration', () => {
  let child: ChildProcess;
  let url = '';
  let go: GoClient;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`);
    child = spawn(
      process.execPath,
      [CLI, 'server', '--dev', '--dev-root-token', TOKEN, '--listen', '127.0.0.1:0', '--log-level', 'silent'],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "Listening on" line: ${out}`)), 20_000);
      child.stdout!.on('data', (c) => {
        out += c;
        const m = /Listening on (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited ${code}: ${out}`));
      });
    });
    go = createGoClient(url, { token: TOKEN });
  }, 30_000);
  afterAll(async () => {
    go?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('sys/mounts lists secret/ (KV v2) next to the default kv/', async () => {
    const m = await go.read('sys/mounts');
    expect(m!.data!['secret/']).toMatchObject({ type: 'kv', options: { version: '2' }, description: 'Keyhaven tenant default' });
    expect(m!.data!['kv/']).toMatchObject({ type: 'kv' });
  });

  it("the vault CLI's kv put / get / list / metadata put / metadata get request shapes", async () => {
    // vault kv put secret/foo a=b: mount preflight, then PUT data with empty options.
    const pre = await go.read('sys/internal/ui/mounts/secret/foo');
    expect(pre!.data).toMatchObject({ path: 'secret/', type: 'kv', options: { version: '2' } });
    expect((await go.write('secret/data/foo', { data: { a: 'b' }, options: {} }))!.data).toMatchObject({
      version: 1,
      destroyed: false,
      deletion_time: '',
    });
    // vault kv get secret/foo
    const got = await go.read('secret/data/foo');
    expect(got!.data).toMatchObject({
      data: { a: 'b' },
      metadata: { version: 1, destroyed: false, deletion_time: '', custom_metadata: null },
    });
    expect(Date.parse(got!.data!.metadata.created_time)).toBeGreaterThan(0);
    // vault kv patch secret/foo c=d: PATCH with a merge patch; null removes a key.
    expect((await go.patch('secret/data/foo', { data: { c: 'd' }, options: {} }))!.data).toMatchObject({ version: 2 });
    expect((await go.patch('secret/data/foo', { data: { c: null, e: 'f' }, options: { cas: 2 } }))!.data).toMatchObject({ version: 3 });
    expect((await go.read('secret/data/foo'))!.data!.data).toEqual({ a: 'b', e: 'f' });
    const stalePatch = await go.patch('secret/data/foo', { data: { x: '1' }, options: { cas: 2 } }).catch((e) => e);
    expect([stalePatch.statusCode, stalePatch.errors]).toEqual([400, ['check-and-set parameter did not match the current version']]);
    await go.write('secret/data/foo', { data: { a: 'b' }, options: { cas: 3 } });
    // vault kv list secret/
    expect((await go.list('secret/metadata/'))!.data!.keys).toContain('foo');
    // vault kv metadata put -custom-metadata=owner=me secret/foo; vault kv metadata get secret/foo
    await go.write('secret/metadata/foo', { custom_metadata: { owner: 'me' } });
    const meta = await go.read('secret/metadata/foo');
    expect(meta!.data).toMatchObject({
      current_version: 4,
      oldest_version: 1,
      max_versions: expect.any(Number),
      cas_required: false,
      delete_version_after: '0s',
      custom_metadata: { owner: 'me' },
    });
    expect(meta!.data!.versions['1']).toMatchObject({ deletion_time: '', destroyed: false });
    // The same secret through Keyhaven's own API, default tenant.
    const own = await fetch(`${url}/v1/secrets/foo`, { headers: { authorization: `Bearer ${TOKEN}`, 'x-tenant-id': 'default' } });
    expect(own.status).toBe(200);
    expect((await own.json()).value).toEqual({ a: 'b' });
    expect(
      go.sent
        .filter((r) => r.method !== 'GET')
        .every((r) => r.method === 'PATCH' || !Object.keys(r.headers).some((h) => h.toLowerCase() === 'content-type')),
    ).toBe(true);
  });

  it.skipIf(!hvacPython)(
    'hvac: update_metadata, custom_metadata round trip, delete/undelete/destroy of versions, metadata before data',
    async () => {
      const { stdout } = await promisify(execFile)(hvacPython!, [HVAC_METADATA, url, TOKEN], { timeout: 60_000 });
      const r = JSON.parse(stdout);
      expect([r.v1.ok, r.v2.ok, r.v3.ok]).toEqual([1, 2, 3]);
      expect(r.kv_patch.ok).toBe(4); // hvac's patch: a read, then a write of the merged data
      expect(r.read_patched.ok).toEqual({ n: '3', extra: 'x' });
      expect(r.v3b.ok).toBe(5);
      expect(r.update_metadata.ok).toBe(204); // hvac always sends delete_version_after "0s"
      expect(r.custom_metadata_post.ok).toBe(204);
      expect(r.metadata.ok).toMatchObject({ max_versions: 5, current_version: 5, custom_metadata: { owner: 'team-a', tier: 'gold' } });
      expect(r.read_custom.ok).toEqual({ owner: 'team-a', tier: 'gold' });
      expect(r.custom_metadata_patch.ok).toBe(204);
      expect(r.metadata_patched.ok).toEqual({ owner: 'team-a', env: 'prod' });
      expect(r.delete_latest_versions.ok).toBe(204);
      expect(r.read_deleted).toMatchObject({ error: 'InvalidPath' });
      expect(r.metadata_deleted.ok.deletion_time).not.toBe('');
      expect(r.undelete.ok).toBe(204);
      expect(r.read_undeleted.ok).toEqual({ n: '3' });
      // Keyhaven soft-deletes a secret as a whole: deleting only an older version is refused (400), not faked.
      expect(r.delete_old_version).toMatchObject({
        error: 'InvalidRequest',
        message: expect.stringContaining('include the latest version'),
      });
      expect(r.destroy_v1.ok).toBe(204);
      expect(r.read_destroyed).toMatchObject({ error: 'InvalidPath' });
      expect(r.metadata_destroyed.ok.versions['1']).toMatchObject({ destroyed: true });
      expect(r.metadata_destroyed.ok.oldest_version).toBe(2);
      expect(r.metadata_first.ok).toBe(204);
      expect(r.metadata_first_read.ok).toMatchObject({ current_version: 0, oldest_version: 0, max_versions: 3, versions: {} });
      expect(r.metadata_first_data).toMatchObject({ error: 'InvalidPath' });
      expect(r.metadata_first_write.ok).toBe(1);
      expect(r.cas_required).toMatchObject({ error: 'InvalidRequest', message: expect.stringContaining('cas_required is not supported') });
      expect(r.delete_all.ok).toBe(204);
      expect(r.metadata_gone).toMatchObject({ error: 'InvalidPath' });
      expect(r.bad_token).toMatchObject({ error: 'Forbidden', message: expect.stringContaining('permission denied') });
    },
  );

  it('node-vault: write, read, LIST, custom_metadata, delete on secret/', async () => {
    const vault = nodeVault({ endpoint: url, token: TOKEN, apiVersion: 'v1' });
    await vault.write('secret/data/nv/one', { data: { k: 'v1' } });
    await vault.write('secret/data/nv/one', { data: { k: 'v2' }, options: { cas: 1 } });
    expect((await vault.read('secret/data/nv/one')).data).toMatchObject({ data: { k: 'v2' }, metadata: { version: 2 } });
    expect((await vault.read('secret/data/nv/one?version=1')).data.data).toEqual({ k: 'v1' });
    expect((await vault.list('secret/metadata/nv')).data.keys).toEqual(['one']);
    await vault.write('secret/metadata/nv/one', { custom_metadata: { by: 'node-vault' } });
    expect((await vault.read('secret/metadata/nv/one')).data.custom_metadata).toEqual({ by: 'node-vault' });
    const stale = await vault.write('secret/data/nv/one', { data: { k: 'x' }, options: { cas: 1 } }).catch((e: any) => e);
    expect(stale.response.statusCode).toBe(400);
    expect(stale.response.body).toEqual({ errors: ['check-and-set parameter did not match the current version'] });
    await vault.delete('secret/metadata/nv/one');
    const gone = await vault.read('secret/data/nv/one').catch((e: any) => e);
    expect([gone.response.statusCode, gone.response.body]).toEqual([404, { errors: [] }]);
  });

  it('hashi-vault-js: create (cas 0), update (cas), read, LIST, metadata, delete, undelete, destroy, eliminate, health', async () => {
    const vault = new Vault({ baseUrl: `${url}/v1`, rootPath: 'secret', timeout: 5000 });
    expect(await vault.createKVSecret(TOKEN, 'hvj/app', { user: 'u', pass: 'p1' })).toMatchObject({ version: 1 });
    expect(await vault.updateKVSecret(TOKEN, 'hvj/app', { user: 'u', pass: 'p2' }, 1)).toMatchObject({ version: 2 });
    const again = await vault.createKVSecret(TOKEN, 'hvj/app', { x: '1' }).catch((e: any) => e);
    expect(again.isVaultError).toBe(true);
    expect([again.response.status, again.response.data]).toEqual([
      400,
      { errors: ['check-and-set parameter did not match the current version'] },
    ]);
    expect(await vault.readKVSecret(TOKEN, 'hvj/app')).toMatchObject({ data: { user: 'u', pass: 'p2' }, metadata: { version: 2 } });
    expect((await vault.readKVSecret(TOKEN, 'hvj/app', 1)).data).toEqual({ user: 'u', pass: 'p1' });
    expect(await vault.listKVSecrets(TOKEN, 'hvj')).toEqual({ keys: ['app'] }); // axios sends LIST
    await vault.createKVSecretMeta(TOKEN, 'hvj/app', { custom_metadata: { team: 'js' }, max_versions: 10 });
    expect(await vault.readKVSecretMeta(TOKEN, 'hvj/app')).toMatchObject({
      current_version: 2,
      max_versions: 10,
      custom_metadata: { team: 'js' },
    });
    await vault.deleteLatestVerKVSecret(TOKEN, 'hvj/app');
    const deleted = await vault.readKVSecret(TOKEN, 'hvj/app').catch((e: any) => e);
    expect(deleted.response.status).toBe(404);
    expect(deleted.response.data.data.metadata.deletion_time).not.toBe('');
    // Soft delete is per secret in Keyhaven: an older version is not readable either while deleted.
    const older = await vault.readKVSecret(TOKEN, 'hvj/app', 1).catch((e: any) => e);
    expect(older.response.status).toBe(404);
    await vault.undeleteVersionsKVSecret(TOKEN, 'hvj/app', [2]);
    expect((await vault.readKVSecret(TOKEN, 'hvj/app')).data.pass).toBe('p2');
    await vault.destroyVersionsKVSecret(TOKEN, 'hvj/app', [1]);
    expect((await vault.readKVSecretMeta(TOKEN, 'hvj/app')).versions['1'].destroyed).toBe(true);
    await vault.eliminateKVSecret(TOKEN, 'hvj/app');
    const gone = await vault.readKVSecretMeta(TOKEN, 'hvj/app').catch((e: any) => e);
    expect([gone.response.status, gone.response.data]).toEqual([404, { errors: [] }]);
    expect(await vault.healthCheck()).toMatchObject({ initialized: true, sealed: false });
    expect(await vault.sealStatus()).toMatchObject({ sealed: false, type: 'shamir' });
  });
});
