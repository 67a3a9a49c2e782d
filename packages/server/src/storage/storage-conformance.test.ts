// The storage conformance suite: the same behaviour on SQLite and PostgreSQL for every store
// operation the features rely on, plus PostgreSQL's row-level security as a second wall.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStorage, type StorageHandle } from './database.js';
import { createKeyringStore } from './keyring-store.js';
import { createSecretStore, type SecretRow } from '../features/secrets/secret-store.js';
import { backends, createTestDatabase, type TestDatabase } from '../../test/support/backends.js';

const secretRow = (tenant: string, id: string, name: string, extra: Partial<SecretRow> = {}): SecretRow => ({
  id,
  tenant_id: tenant,
  name,
  type: 'generic',
  description: null,
  service: null,
  environment: null,
  criticality: 'medium',
  owner: null,
  expires_at: null,
  metadata: '{}',
  max_versions: 10,
  current_version: null,
  pending_version: null,
  previous_version: null,
  latest_version: 0,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  deleted_at: null,
  row_version: 0,
  ...extra,
});
const versionRow = (tenant: string, secretId: string, version: number) => ({
  tenant_id: tenant,
  secret_id: secretId,
  version,
  wrapped_dek: `k1.kek1.w${version}`,
  ciphertext: `c1.x${version}`,
  kek_id: 'kek1',
  value_kind: 'string',
  size_bytes: 1,
  state: 'active',
  created_at: '2026-01-01T00:00:00.000Z',
  created_by: null,
  destroyed_at: null,
});

describe.each(backends())('storage conformance on %s', (backend) => {
  let tdb: TestDatabase;
  let storage: StorageHandle;
  const store = createSecretStore(backend);

  beforeAll(async () => {
    tdb = await createTestDatabase(backend);
    storage = await openStorage(tdb.url);
    await storage.db
      .insertInto('tenants')
      .values([
        { id: 't1', name: 'one', created_at: 'x', deleted_at: null },
        { id: 't2', name: 'two', created_at: 'x', deleted_at: null },
      ])
      .execute();
    await storage.transaction('t1', async (trx) => {
      await store.insertSecret(trx, secretRow('t1', 's1', 'apps/a', { service: 'billing' }));
      await store.insertSecret(trx, secretRow('t1', 's2', 'apps/b', { environment: 'prod' }));
      await store.insertSecret(trx, secretRow('t1', 's3', 'apps_c'));
      await store.replaceTags(trx, 't1', 's1', ['x', 'y']);
      await store.insertVersion(trx, versionRow('t1', 's1', 1), [{ field: '', fingerprint: 'fp-a1' }]);
      await store.insertVersion(trx, versionRow('t1', 's1', 2), [{ field: 'password', fingerprint: 'fp-a2' }]);
    });
    await storage.transaction('t2', async (trx) => {
      await store.insertSecret(trx, secretRow('t2', 's9', 'apps/a'));
      await store.insertVersion(trx, versionRow('t2', 's9', 1), [{ field: '', fingerprint: 'fp-a1' }]);
    });
  });
  afterAll(async () => {
    await storage?.close();
    await tdb?.drop();
  });

  it('migrations are idempotent: opening again changes nothing', async () => {
    if (backend === 'sqlite') {
      // One server holds a SQLite file at a time; a second open is refused while the first is open.
      await expect(openStorage(tdb.url)).rejects.toMatchObject({
        code: 'DATABASE_UNAVAILABLE',
        message: expect.stringContaining('in use by another Keyhaven server'),
      });
      await storage.close();
      storage = await openStorage(tdb.url);
    } else {
      const again = await openStorage(tdb.url);
      await again.close();
    }
    expect((await storage.withTenant('t1', (ex) => store.findByName(ex, 't1', 'apps/a')))?.id).toBe('s1');
  });

  it('finds by name within the tenant only', async () => {
    expect((await storage.withTenant('t1', (ex) => store.findByName(ex, 't1', 'apps/a')))?.id).toBe('s1');
    expect((await storage.withTenant('t2', (ex) => store.findByName(ex, 't2', 'apps/a')))?.id).toBe('s9');
    expect(await storage.withTenant('t1', (ex) => store.findByName(ex, 't1', 'apps/none'))).toBeUndefined();
  });

  it('lists with a literal prefix (LIKE wildcards escaped), filters and cursor', async () => {
    const names = async (f: object) =>
      (await storage.withTenant('t1', (ex) => store.list(ex, 't1', { limit: 100, ...f }))).map((r) => r.name);
    expect(await names({ prefix: 'apps/' })).toEqual(['apps/a', 'apps/b']);
    expect(await names({ prefix: 'apps_' })).toEqual(['apps_c']);
    expect(await names({ tags: ['x', 'y'] })).toEqual(['apps/a']);
    expect(await names({ tags: ['x', 'nope'] })).toEqual([]);
    expect(await names({ service: 'billing' })).toEqual(['apps/a']);
    expect(await names({ environment: 'prod' })).toEqual(['apps/b']);
    expect(await names({ cursor: 'apps/a', limit: 1 })).toEqual(['apps/b']);
  });

  it('guards updates with row_version (optimistic concurrency)', async () => {
    const ok = await storage.transaction('t1', (trx) => store.updateSecret(trx, 't1', 's2', 0, { description: 'first' }));
    const stale = await storage.transaction('t1', (trx) => store.updateSecret(trx, 't1', 's2', 0, { description: 'second' }));
    expect([ok, stale]).toEqual([true, false]);
    expect((await storage.withTenant('t1', (ex) => store.findByName(ex, 't1', 'apps/b')))?.description).toBe('first');
  });

  it('rejects a duplicate version (two writers racing for the same number)', async () => {
    await expect(storage.transaction('t1', (trx) => store.insertVersion(trx, versionRow('t1', 's1', 2), []))).rejects.toBeTruthy();
    expect((await storage.withTenant('t1', (ex) => store.listVersions(ex, 't1', 's1'))).map((v) => v.version)).toEqual([2, 1]);
  });

  it('joins the labelled version in one read', async () => {
    await storage.transaction('t1', async (trx) => {
      const row = (await store.findByName(trx, 't1', 'apps/a'))!;
      await store.updateSecret(trx, 't1', 's1', row.row_version, { current_version: 2, previous_version: 1, latest_version: 2 });
    });
    const cur = await storage.withTenant('t1', (ex) => store.readJoined(ex, 't1', 'apps/a', {}));
    expect(cur?.version).toBe(2);
    expect((await storage.withTenant('t1', (ex) => store.readJoined(ex, 't1', 'apps/a', { label: 'previous' })))?.version).toBe(1);
    expect((await storage.withTenant('t1', (ex) => store.readJoined(ex, 't1', 'apps/a', { version: 1 })))?.ciphertext).toBe('c1.x1');
    expect((await storage.withTenant('t1', (ex) => store.readJoined(ex, 't1', 'apps/a', { label: 'pending' })))?.version).toBeNull();
  });

  it('matches fingerprints within the tenant only', async () => {
    const t1 = await storage.withTenant('t1', (ex) => store.findByFingerprints(ex, 't1', ['fp-a1', 'fp-a2', 'fp-none']));
    expect(t1.map((r) => [r.name, r.version, r.field]).sort()).toEqual([
      ['apps/a', 1, ''],
      ['apps/a', 2, 'password'],
    ]);
    expect(await storage.withTenant('t2', (ex) => store.findByFingerprints(ex, 't2', ['fp-a2']))).toEqual([]);
  });

  it('destroys versions by erasing key and ciphertext, and purges secrets', async () => {
    await storage.transaction('t1', (trx) => store.destroyVersions(trx, 't1', 's1', [1], '2026-02-02T00:00:00.000Z'));
    const v1 = await storage.withTenant('t1', (ex) => store.getVersion(ex, 't1', 's1', 1));
    expect(v1).toMatchObject({ state: 'destroyed', wrapped_dek: null, ciphertext: null });
    expect(await storage.withTenant('t1', (ex) => store.findByFingerprints(ex, 't1', ['fp-a1']))).toEqual([]);
    await storage.transaction('t1', (trx) => store.purgeSecret(trx, 't1', 's3'));
    expect(await storage.withTenant('t1', (ex) => store.findByName(ex, 't1', 'apps_c'))).toBeUndefined();
  });

  it('concurrent transactions: each commits or rolls back on its own, and callers hear back after the commit', async () => {
    let releaseFirst!: () => void;
    const gate = new Promise<void>((r) => {
      releaseFirst = r;
    });
    const first = storage.transaction('t2', async (trx) => {
      await store.insertVersion(trx, versionRow('t2', 's9', 2), []);
      await gate; // units arriving now wait for this one (SQLite: they join the next group)
      return 'first';
    });
    const failing = storage.transaction('t2', async (trx) => {
      await store.insertVersion(trx, versionRow('t2', 's9', 3), []);
      throw new Error('this unit fails after writing');
    });
    const third = storage.transaction('t2', async (trx) => {
      await store.insertVersion(trx, versionRow('t2', 's9', 4), []);
      return 'third';
    });
    releaseFirst();
    const settled = await Promise.allSettled([first, failing, third]);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).toBe('this unit fails after writing');
    // The failed unit's own write is undone; the others are committed.
    expect((await storage.withTenant('t2', (ex) => store.listVersions(ex, 't2', 's9'))).map((v) => v.version)).toEqual([4, 2, 1]);
  });

  it('stores the keyring and retires older keys of a purpose', async () => {
    const ks = createKeyringStore(storage);
    await ks.insertKey({ id: 'kekA', purpose: 'kek', wrapped: 'w', state: 'active', source: 'local', created_at: '1' }, false);
    await ks.insertKey({ id: 'kekB', purpose: 'kek', wrapped: 'w2', state: 'active', source: 'local', created_at: '2' }, true);
    await ks.updateWrapped('kekB', 'w3', 'aws-kms');
    const rows = await ks.loadKeyring();
    expect(rows.map((r) => [r.id, r.state, r.wrapped, r.source])).toEqual([
      ['kekA', 'retired', 'w', 'local'],
      ['kekB', 'active', 'w3', 'aws-kms'],
    ]);
  });

  it.runIf(backend === 'postgres')('row-level security: a query without a tenant filter sees only the session tenant', async () => {
    // No WHERE tenant_id at all: RLS alone limits the rows.
    const t1 = await storage.withTenant('t1', (ex) => ex.selectFrom('secrets').select(['name', 'tenant_id']).execute());
    expect(new Set(t1.map((r) => r.tenant_id))).toEqual(new Set(['t1']));
    const t2 = await storage.withTenant('t2', (ex) => ex.selectFrom('secret_versions').select('tenant_id').execute());
    expect(new Set(t2.map((r) => r.tenant_id))).toEqual(new Set(['t2']));
    // Without any tenant set, tenant tables show nothing at all: forgetting the scope fails closed.
    const unscoped = await sql<{ n: string }>`select count(*) as n from secrets`.execute(storage.db);
    expect(Number(unscoped.rows[0]!.n)).toBe(0);
    // Writing a row for another tenant from a tenant session is refused.
    await expect(
      storage.transaction('t1', (trx) => trx.insertInto('secret_tags').values({ tenant_id: 't2', secret_id: 's9', tag: 'evil' }).execute()),
    ).rejects.toThrow(/row-level security/);
    expect(await storage.bypassesRls()).toBe(false);
  });

  it('a held-back (deferred) insert that fails fails its whole transaction, and nothing of it is kept', async () => {
    // On PostgreSQL the version insert waits to be sent with the COMMIT; the duplicate version fails
    // it there, and the tag written before it in the same transaction is rolled back with it.
    await storage.transaction('t1', async (trx) => {
      await store.insertSecret(trx, secretRow('t1', 'sh', 'apps/held'));
      await store.insertVersion(trx, versionRow('t1', 'sh', 1), []);
    });
    await expect(
      storage.transaction('t1', async (trx) => {
        await store.replaceTags(trx, 't1', 'sh', ['held']);
        await store.insertVersion(trx, versionRow('t1', 'sh', 1), []);
        return 'committed';
      }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/23505|SQLITE_CONSTRAINT/) });
    const tags = await storage.withTenant('t1', (ex) => store.tagsOf(ex, 't1', ['sh']));
    expect(tags.get('sh')).toBeUndefined();
    // The connection is clean afterwards: the next transaction commits normally.
    await storage.transaction('t1', (trx) => store.replaceTags(trx, 't1', 'sh', ['after']));
    expect((await storage.withTenant('t1', (ex) => store.tagsOf(ex, 't1', ['sh']))).get('sh')).toEqual(['after']);
  });

  it.runIf(backend === 'postgres')('a deferred statement of one tenant cannot write rows of another (row-level security)', async () => {
    await expect(storage.transaction('t1', (trx) => store.insertVersion(trx, { ...versionRow('t2', 's9', 1) }, []))).rejects.toThrow(
      /row-level security/,
    );
  });

  it.runIf(backend === 'postgres')('prunes in one deferred statement and reports the destroyed versions after the commit', async () => {
    await storage.transaction('t1', async (trx) => {
      await store.insertSecret(trx, secretRow('t1', 'sp', 'apps/pruned', { max_versions: 2 }));
      for (let v = 1; v <= 5; v++) await store.insertVersion(trx, versionRow('t1', 'sp', v), [{ field: '', fingerprint: `fp-p${v}` }]);
    });
    let heard: number[] | undefined;
    const out = await storage.transaction('t1', async (trx) => {
      // Labels: current 5, previous 4, pending 1: only 2 and 3 may go, and two of five are kept beyond labels.
      await store.pruneDeferred!(trx, 't1', 'sp', 2, [5, 4, 1], '2026-01-02T00:00:00.000Z', (v) => (heard = v));
      expect(heard).toBeUndefined(); // not sent yet: it travels with the commit
      return 'done';
    });
    expect(out).toBe('done');
    expect(heard?.sort()).toEqual([2, 3]);
    const rows = await storage.withTenant('t1', (ex) => store.listVersions(ex, 't1', 'sp'));
    expect(Object.fromEntries(rows.map((r) => [r.version, r.state]))).toEqual({
      1: 'active',
      2: 'destroyed',
      3: 'destroyed',
      4: 'active',
      5: 'active',
    });
    expect(rows.find((r) => r.version === 2)).toMatchObject({ wrapped_dek: null, ciphertext: null });
    const fps = await storage.withTenant('t1', (ex) => store.findByFingerprints(ex, 't1', ['fp-p2', 'fp-p3', 'fp-p4']));
    expect(fps.map((f) => f.fingerprint)).toEqual(['fp-p4']);
  });
});
