// The External Secrets Operator's Vault provider replayed against a real Keyhaven server, on SQLite
// and PostgreSQL: its call sequences (eso-provider.ts, taken from ESO's source) sent with the Go
// client's request shapes (go-client.ts: PUT bodies without Content-Type, X-Vault-Token,
// X-Vault-Namespace, GET ?list=true). Each test checks the requests ESO sends, in order, and what
// the server answers and stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { createGoClient, GoResponseError, type GoClient } from './go-client.js';
import { createEsoVaultProvider, NoSecretError } from './eso-provider.js';
import { startVaultServer, type VaultServer } from './support.js';

const CAS_TEXT = 'check-and-set parameter did not match the current version';

describe.each(backends())('ESO Vault provider replay against Keyhaven on %s', (backend) => {
  let s: VaultServer;
  let go: GoClient;
  const calls = (from: number) => go.sent.slice(from).map((r) => `${r.method} ${r.path}`);

  beforeAll(async () => {
    s = await startVaultServer(backend);
    go = createGoClient(s.url, { token: s.rootToken });
    // Seed as a Go client would (vault kv put): two versions of app/db, a nested secret, tags on one.
    await go.write('secret/data/eso/app/db', { data: { user: 'app', password: 'pw1' } });
    await go.write('secret/data/eso/app/db', { data: { user: 'app', password: 'pw2', nested: { host: 'db.internal', port: 5432 } } });
    await go.write('secret/data/eso/app/nested/api', { data: { key: 'k-api' } });
    await go.write('secret/metadata/eso/app/nested/api', { custom_metadata: { team: 'payments' } });
    await go.write('secret/data/eso/other/x', { data: { x: '1' } });
    await go.write('secret/metadata/eso/other/x', { custom_metadata: { team: 'payments', env: 'prod' } });
    await go.write('secret/data/eso/other/gone', { data: { g: '1' } });
    await go.delete('secret/data/eso/other/gone'); // soft-deleted: listed, but no readable data
    await go.write('secret/metadata/eso/other/meta-only', { custom_metadata: { team: 'payments' } }); // metadata, no version yet
  });
  afterAll(async () => {
    go?.close();
    await s?.close();
  });

  it("the Go client's request shapes: PUT without Content-Type, JSON with a newline, X-Vault-Token, GET ?list=true", async () => {
    const from = go.sent.length;
    await go.list('secret/metadata/eso/');
    await go.write('secret/data/eso/shape', { data: { b: '<&>', a: '1' } });
    const [list, put] = go.sent.slice(from);
    expect(list!.path).toBe('/v1/secret/metadata/eso/?list=true');
    expect(list!.method).toBe('GET');
    expect(put!.method).toBe('PUT');
    expect(Object.keys(put!.headers).map((h) => h.toLowerCase())).not.toContain('content-type');
    expect(put!.headers['X-Vault-Token']).toBe(s.rootToken);
    expect(put!.body).toBe('{"data":{"a":"1","b":"\\u003c\\u0026\\u003e"}}\n');
    expect((await go.read('secret/data/eso/shape'))!.data!.data).toEqual({ a: '1', b: '<&>' });
  });

  describe('GetSecret', () => {
    it('reads the latest version, a given version, a property and a nested (gjson) property', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      const from = go.sent.length;
      expect(JSON.parse((await eso.getSecret({ key: 'eso/app/db' })).toString())).toEqual({
        user: 'app',
        password: 'pw2',
        nested: { host: 'db.internal', port: 5432 },
      });
      expect(JSON.parse((await eso.getSecret({ key: 'eso/app/db', version: '1' })).toString())).toEqual({ user: 'app', password: 'pw1' });
      expect((await eso.getSecret({ key: 'eso/app/db', property: 'password' })).toString()).toBe('pw2');
      expect((await eso.getSecret({ key: 'eso/app/db', version: '1', property: 'password' })).toString()).toBe('pw1');
      expect((await eso.getSecret({ key: 'eso/app/db', property: 'nested.host' })).toString()).toBe('db.internal');
      expect((await eso.getSecret({ key: 'eso/app/db', property: 'nested' })).toString()).toBe('{"host":"db.internal","port":5432}');
      expect(calls(from)).toEqual([
        'GET /v1/secret/data/eso/app/db',
        'GET /v1/secret/data/eso/app/db?version=1',
        'GET /v1/secret/data/eso/app/db',
        'GET /v1/secret/data/eso/app/db?version=1',
        'GET /v1/secret/data/eso/app/db',
        'GET /v1/secret/data/eso/app/db',
      ]);
    });

    it('a missing key, a missing version, a soft-deleted and a metadata-only secret are "does not exist" (the Go client gets nil)', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      for (const ref of [
        { key: 'eso/nope' },
        { key: 'eso/app/db', version: '9' },
        { key: 'eso/other/gone' },
        { key: 'eso/other/meta-only' },
      ]) {
        await expect(eso.getSecret(ref)).rejects.toBeInstanceOf(NoSecretError);
      }
      await expect(eso.getSecret({ key: 'eso/app/db', property: 'nope' })).rejects.toThrow('cannot find secret data for key: "nope"');
      // What the Go client hands ESO for each: nil for the missing ones (404 {"errors":[]}), a secret
      // with data null and the version's deletion_time for the soft-deleted one (404 with a body).
      expect(await go.read('secret/data/eso/nope')).toBeNull();
      expect(await go.read('secret/data/eso/other/meta-only')).toBeNull();
      const gone = await go.read('secret/data/eso/other/gone');
      expect(gone!.data).toMatchObject({ data: null, metadata: { version: 1, destroyed: false } });
      expect(Date.parse(gone!.data!.metadata.deletion_time)).toBeGreaterThan(0);
    });

    it('metadataPolicy Fetch returns custom_metadata with created_time, current_version and delete_version_after', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      const meta = JSON.parse((await eso.getSecret({ key: 'eso/other/x', metadataPolicy: 'Fetch' })).toString());
      expect(meta).toMatchObject({ team: 'payments', env: 'prod', current_version: '1', delete_version_after: '0s' });
      expect(Date.parse(meta.created_time)).toBeGreaterThan(0);
      expect((await eso.getSecret({ key: 'eso/other/x', metadataPolicy: 'Fetch', property: 'env' })).toString()).toBe('prod');
    });
  });

  describe('GetAllSecrets', () => {
    it('find by name: a recursive GET ?list=true walk of metadata, then a read of each match', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      const from = go.sent.length;
      const found = await eso.getAllSecrets({ path: 'eso/app', name: { regexp: 'db|api' } });
      expect(Object.keys(found).sort()).toEqual(['eso/app/db', 'eso/app/nested/api']);
      expect(JSON.parse(found['eso/app/nested/api']!)).toEqual({ key: 'k-api' });
      expect(calls(from)).toEqual([
        'GET /v1/secret/metadata/eso/app/?list=true',
        'GET /v1/secret/metadata/eso/app/nested/?list=true',
        'GET /v1/secret/data/eso/app/db',
        'GET /v1/secret/data/eso/app/nested/api',
      ]);
    });

    it('find by name over the whole mount (path unset: the list starts at metadata/)', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      const from = go.sent.length;
      const found = await eso.getAllSecrets({ name: { regexp: '^eso/other/' } });
      // gone (soft-deleted) and meta-only (no version) are listed as Vault lists them, then skipped as unreadable.
      expect(Object.keys(found)).toEqual(['eso/other/x']);
      expect(calls(from)[0]).toBe('GET /v1/secret/metadata/?list=true');
      expect(calls(from)).toEqual(
        expect.arrayContaining(['GET /v1/secret/data/eso/other/gone', 'GET /v1/secret/data/eso/other/meta-only']),
      );
    });

    it('find by tags: metadata of every listed secret, then data of those whose custom_metadata matches', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      const from = go.sent.length;
      const found = await eso.getAllSecrets({ path: 'eso', tags: { team: 'payments' } });
      expect(Object.keys(found).sort()).toEqual(['eso/app/nested/api', 'eso/other/x']);
      const metaReads = calls(from).filter((c) => /^GET \/v1\/secret\/metadata\/[^?]+$/.test(c));
      expect(metaReads).toEqual(
        expect.arrayContaining([
          'GET /v1/secret/metadata/eso/app/db',
          'GET /v1/secret/metadata/eso/other/meta-only',
          'GET /v1/secret/metadata/eso/other/gone',
        ]),
      );
      expect(Object.keys(await eso.getAllSecrets({ path: 'eso', tags: { team: 'payments', env: 'prod' } }))).toEqual(['eso/other/x']);
      expect(await eso.getAllSecrets({ path: 'eso', tags: { team: 'nobody' } })).toEqual({});
    });

    it('a path with nothing under it is "does not exist" (404 {"errors":[]} → nil)', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      await expect(eso.getAllSecrets({ path: 'eso/none', name: { regexp: '.' } })).rejects.toBeInstanceOf(NoSecretError);
    });
  });

  describe('PushSecret', () => {
    it('a new secret: read (404), metadata managed-by BEFORE the first data write, data with options.cas 0', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret', checkAndSetRequired: true });
      const from = go.sent.length;
      await eso.pushSecret(Buffer.from('{"token":"t1"}'), { remoteKey: 'eso/pushed/one' });
      expect(calls(from)).toEqual([
        'GET /v1/secret/data/eso/pushed/one',
        'PUT /v1/secret/metadata/eso/pushed/one',
        'PUT /v1/secret/data/eso/pushed/one',
      ]);
      expect(go.sent[from + 1]!.body).toBe('{"custom_metadata":{"managed-by":"external-secrets"}}\n');
      expect(go.sent[from + 2]!.body).toBe('{"data":{"token":"t1"},"options":{"cas":0}}\n');
      const read = await go.read('secret/data/eso/pushed/one');
      expect(read!.data).toMatchObject({
        data: { token: 't1' },
        metadata: { version: 1, custom_metadata: { 'managed-by': 'external-secrets' }, deletion_time: '', destroyed: false },
      });
      const meta = await go.read('secret/metadata/eso/pushed/one');
      expect(meta!.data).toMatchObject({
        current_version: 1,
        oldest_version: 1,
        custom_metadata: { 'managed-by': 'external-secrets' },
        cas_required: false,
        delete_version_after: '0s',
      });
    });

    it('a changed value: read data, read metadata, read metadata for CAS, data with options.cas = current_version', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret', checkAndSetRequired: true });
      const from = go.sent.length;
      await eso.pushSecret(Buffer.from('{"token":"t2"}'), { remoteKey: 'eso/pushed/one' });
      expect(calls(from)).toEqual([
        'GET /v1/secret/data/eso/pushed/one',
        'GET /v1/secret/metadata/eso/pushed/one',
        'GET /v1/secret/metadata/eso/pushed/one',
        'PUT /v1/secret/data/eso/pushed/one',
      ]);
      expect(go.sent[from + 3]!.body).toBe('{"data":{"token":"t2"},"options":{"cas":1}}\n');
      expect((await go.read('secret/data/eso/pushed/one'))!.data!.metadata.version).toBe(2);
      // The same value again: reads only, no write.
      const again = go.sent.length;
      await eso.pushSecret(Buffer.from('{"token":"t2"}'), { remoteKey: 'eso/pushed/one' });
      expect(calls(again).every((c) => c.startsWith('GET '))).toBe(true);
    });

    it('a property push merges into the secret; without CAS no options are sent', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      const from = go.sent.length;
      await eso.pushSecret(Buffer.from('extra-value'), { remoteKey: 'eso/pushed/one', property: 'extra' });
      expect(go.sent.at(-1)!.body).toBe('{"data":{"extra":"extra-value","token":"t2"}}\n');
      expect(calls(from).at(-1)).toBe('PUT /v1/secret/data/eso/pushed/one');
      expect((await go.read('secret/data/eso/pushed/one'))!.data!.data).toEqual({ token: 't2', extra: 'extra-value' });
    });

    it('a secret ESO does not manage is refused before any write', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      const from = go.sent.length;
      await expect(eso.pushSecret(Buffer.from('{"a":"b"}'), { remoteKey: 'eso/app/db' })).rejects.toThrow(
        'secret not managed by external-secrets',
      );
      expect(calls(from)).toEqual(['GET /v1/secret/data/eso/app/db', 'GET /v1/secret/metadata/eso/app/db']);
    });

    it('over a soft-deleted secret (read gives 404 with data null): metadata then data write succeed, a new version', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      await eso.pushSecret(Buffer.from('{"v":"1"}'), { remoteKey: 'eso/pushed/revived' });
      await go.delete('secret/data/eso/pushed/revived');
      const from = go.sent.length;
      await eso.pushSecret(Buffer.from('{"v":"2"}'), { remoteKey: 'eso/pushed/revived' });
      expect(calls(from)).toEqual([
        'GET /v1/secret/data/eso/pushed/revived',
        'PUT /v1/secret/metadata/eso/pushed/revived',
        'PUT /v1/secret/data/eso/pushed/revived',
      ]);
      const read = await go.read('secret/data/eso/pushed/revived');
      expect(read!.data).toMatchObject({ data: { v: '2' }, metadata: { version: 2 } });
    });

    it("CAS semantics: cas 0 on an existing secret and a stale cas are 400 with Vault's text; nothing is written", async () => {
      for (const cas of [0, 1]) {
        const e = await go.write('secret/data/eso/pushed/one', { data: { token: 'stale' }, options: { cas } }).catch((x) => x);
        expect(e).toBeInstanceOf(GoResponseError);
        expect(e.statusCode).toBe(400);
        expect(e.errors).toEqual([CAS_TEXT]);
      }
      expect((await go.read('secret/data/eso/pushed/one'))!.data!.data).toEqual({ token: 't2', extra: 'extra-value' });
      // cas 0 on a metadata-only secret is a create (no version exists yet).
      await go.write('secret/metadata/eso/pushed/cas0', { custom_metadata: { 'managed-by': 'external-secrets' } });
      expect((await go.write('secret/data/eso/pushed/cas0', { data: { a: '1' }, options: { cas: 0 } }))!.data).toMatchObject({
        version: 1,
        custom_metadata: { 'managed-by': 'external-secrets' },
      });
    });
  });

  describe('DeleteSecret', () => {
    it('managed: read data, read metadata, DELETE data, DELETE metadata; then gone from reads and lists', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      await eso.pushSecret(Buffer.from('{"d":"1"}'), { remoteKey: 'eso/del/managed' });
      const from = go.sent.length;
      await eso.deleteSecret({ remoteKey: 'eso/del/managed' });
      expect(calls(from)).toEqual([
        'GET /v1/secret/data/eso/del/managed',
        'GET /v1/secret/metadata/eso/del/managed',
        'DELETE /v1/secret/data/eso/del/managed',
        'DELETE /v1/secret/metadata/eso/del/managed',
      ]);
      expect(await go.read('secret/metadata/eso/del/managed')).toBeNull();
      const raw = await fetch(`${s.url}/v1/secret/metadata/eso/del/managed`, { headers: { 'x-vault-token': s.rootToken } });
      expect(raw.status).toBe(404);
      expect(await raw.json()).toEqual({ errors: [] });
      expect(await go.list('secret/metadata/eso/del/')).toBeNull();
      // Deleting what is already gone is a no-op (one read).
      const again = go.sent.length;
      await eso.deleteSecret({ remoteKey: 'eso/del/managed' });
      expect(calls(again)).toEqual(['GET /v1/secret/data/eso/del/managed']);
    });

    it('not managed: read data, read metadata, nothing deleted', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      const from = go.sent.length;
      await eso.deleteSecret({ remoteKey: 'eso/app/db' });
      expect(calls(from)).toEqual(['GET /v1/secret/data/eso/app/db', 'GET /v1/secret/metadata/eso/app/db']);
      expect((await go.read('secret/data/eso/app/db'))!.data!.data.password).toBe('pw2');
    });

    it('a property: the rest is written back; the last property deletes data and metadata', async () => {
      const eso = createEsoVaultProvider({ client: go, mount: 'secret' });
      await eso.pushSecret(Buffer.from('{"a":"1","b":"2"}'), { remoteKey: 'eso/del/prop' });
      await eso.deleteSecret({ remoteKey: 'eso/del/prop', property: 'a' });
      expect(go.sent.at(-1)).toMatchObject({ method: 'PUT', path: '/v1/secret/data/eso/del/prop', body: '{"data":{"b":"2"}}\n' });
      expect((await go.read('secret/data/eso/del/prop'))!.data!.data).toEqual({ b: '2' });
      await eso.deleteSecret({ remoteKey: 'eso/del/prop', property: 'b' });
      expect(go.sent.slice(-2).map((r) => `${r.method} ${r.path}`)).toEqual([
        'DELETE /v1/secret/data/eso/del/prop',
        'DELETE /v1/secret/metadata/eso/del/prop',
      ]);
      expect(await go.read('secret/metadata/eso/del/prop')).toBeNull();
    });
  });

  it('X-Vault-Namespace selects the tenant: a store with a namespace pushes and finds only there', async () => {
    const created = await fetch(`${s.url}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.rootToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'team-a' }),
    });
    expect(created.status).toBe(201);
    const nsClient = createGoClient(s.url, { token: s.rootToken, namespace: 'team-a' });
    try {
      const eso = createEsoVaultProvider({ client: nsClient, mount: 'secret', checkAndSetRequired: true });
      await eso.pushSecret(Buffer.from('{"ns":"a"}'), { remoteKey: 'eso/ns/only' });
      expect(nsClient.sent.every((r) => r.headers['X-Vault-Namespace'] === 'team-a')).toBe(true);
      expect(await eso.getAllSecrets({ path: 'eso', tags: { 'managed-by': 'external-secrets' } })).toEqual({ 'eso/ns/only': '{"ns":"a"}' });
      expect(await go.read('secret/data/eso/ns/only')).toBeNull(); // not in the default tenant
    } finally {
      nsClient.close();
    }
  });

  it('Vault error shapes: 403 permission denied for a bad token, 404 {"errors":[]} for a missing path, 400 for bad input', async () => {
    const bad = createGoClient(s.url, { token: 'kh_not_a_token' });
    try {
      const e = await bad.read('secret/data/eso/app/db').catch((x) => x);
      expect(e).toMatchObject({ statusCode: 403, errors: ['permission denied'] });
    } finally {
      bad.close();
    }
    // A token whose role may read but not write: the write is 403 permission denied, the read works.
    const issued = await fetch(`${s.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.rootToken}`, 'x-tenant-id': 'default', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'eso-reader', role: 'read' }),
    });
    expect(issued.status).toBe(201);
    const reader = createGoClient(s.url, { token: (await issued.json()).token });
    try {
      expect((await reader.read('secret/data/eso/app/db'))!.data!.data.user).toBe('app');
      for (const write of [
        () => reader.write('secret/data/eso/app/db', { data: { a: 'b' } }),
        () => reader.write('secret/metadata/eso/reader-made', { custom_metadata: { a: 'b' } }),
        () => reader.delete('secret/metadata/eso/app/db'),
      ]) {
        expect(await write().catch((x) => x)).toMatchObject({ statusCode: 403, errors: ['permission denied'] });
      }
      expect(await go.read('secret/metadata/eso/reader-made')).toBeNull();
    } finally {
      reader.close();
    }
    const r = await fetch(`${s.url}/v1/secret/data/eso/none`, { headers: { 'x-vault-token': s.rootToken } });
    expect([r.status, await r.json()]).toEqual([404, { errors: [] }]);
    // A path no route serves, from a Vault client (X-Vault-Token / X-Vault-Request): Vault's shape;
    // from a Keyhaven client (Authorization: Bearer): Keyhaven's.
    expect(await go.read('sys/policy/nope')).toBeNull(); // the Go client: 404 without data is nil
    const vaultShaped = await fetch(`${s.url}/v1/nomount/data/x`, { headers: { 'x-vault-token': s.rootToken } });
    expect([vaultShaped.status, await vaultShaped.json()]).toEqual([
      404,
      { errors: ['no handler for route "nomount/data/x". route entry not found.'] },
    ]);
    const ownShaped = await fetch(`${s.url}/v1/nomount/data/x`, { headers: { authorization: `Bearer ${s.rootToken}` } });
    expect([ownShaped.status, (await ownShaped.json()).error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    for (const p of ['/v1/secret/config', '/v1/secret/config-nope/x']) {
      const other = await fetch(`${s.url}${p}`, { headers: { 'x-vault-token': s.rootToken } });
      expect([p, other.status, await other.json()]).toEqual([p, 404, { errors: ['unsupported path'] }]);
    }
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['secret/metadata/eso/bad', { custom_metadata: { k: 1 } }, 'custom_metadata validation failed'],
      [
        'secret/metadata/eso/bad',
        { custom_metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) },
        'at most 64 keys',
      ],
      ['secret/metadata/eso/bad', { custom_metadata: { k: 'v'.repeat(513) } }, 'must be at most 512'],
      ['secret/metadata/eso/bad', { custom_metadata: { ['k'.repeat(129)]: 'v' } }, 'must be 1 to 128'],
      ['secret/metadata/eso/bad', { max_versions: -1 }, 'max_versions'],
      ['secret/metadata/eso/bad', { cas_required: true }, 'cas_required is not supported'],
      ['secret/metadata/eso/bad', { delete_version_after: '1h' }, 'delete_version_after is not supported'],
      ['secret/data/eso/bad', { data: 'not-an-object' }, 'no data provided'],
      ['secret/data/eso/bad', { data: { a: '1' }, options: { cas: -1 } }, 'invalid cas parameter'],
      ['secret/destroy/eso/app/db', { versions: [] }, 'no versions provided'],
      ['secret/destroy/eso/app/db', { versions: [2] }, 'Keyhaven keeps the current'], // the current version
      ['secret/delete/eso/app/db', { versions: [1] }, 'include the latest version'], // an older version alone
    ];
    for (const [path, body, text] of cases) {
      const e = await go.write(path, body).catch((x) => x);
      expect({ path, status: e.statusCode, errors: e.errors?.join(' ') }).toEqual({
        path,
        status: 400,
        errors: expect.stringContaining(text),
      });
    }
    expect(await go.read('secret/metadata/eso/bad')).toBeNull(); // no refused write created anything
  });
});
