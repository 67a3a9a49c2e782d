// Queries for secrets, their versions, tags and fingerprints; dialect-neutral Kysely, always
// filtered by tenant (and protected again by row-level security on PostgreSQL).
import { CompiledQuery, sql, type Selectable } from 'kysely';
import { createDeferredSql, createFixedSql, type Executor, type StorageHandle } from '../../storage/database.js';
import type { SecretsTable, SecretVersionsTable } from '../../storage/schema.js';
import type { Label, ListFilter } from './secret-types.js';

export type SecretRow = Selectable<SecretsTable>;
export type VersionRow = Selectable<SecretVersionsTable>;

export interface JoinedRead {
  id: string;
  name: string;
  type: string;
  deleted_at: string | null;
  current_version: number | null;
  pending_version: number | null;
  previous_version: number | null;
  version: number | null;
  wrapped_dek: string | null;
  ciphertext: string | null;
  value_kind: string | null;
  state: string | null;
  created_at: string | null;
}

const READ_SQL = new Map<string, string>();
const readSql = (dialect: 'sqlite' | 'postgres', key: string): string => {
  const cacheKey = `${dialect}:${key}`;
  let text = READ_SQL.get(cacheKey);
  if (text) return text;
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  const join = key === 'version' ? `v.version = ${p(1)}` : `v.version = s.${key}_version`;
  const first = key === 'version' ? 2 : 1;
  text =
    `select s.id, s.name, s.type, s.deleted_at, s.current_version, s.pending_version, s.previous_version, v.version, v.wrapped_dek, v.ciphertext, v.value_kind, v.state, v.created_at ` +
    `from secrets s left join secret_versions v on v.secret_id = s.id and ${join} where s.tenant_id = ${p(first)} and s.name = ${p(first + 1)}`;
  READ_SQL.set(cacheKey, text);
  return text;
};

const VERSION_COLUMNS = [
  'tenant_id',
  'secret_id',
  'version',
  'wrapped_dek',
  'ciphertext',
  'kek_id',
  'value_kind',
  'size_bytes',
  'state',
  'created_at',
  'created_by',
  'destroyed_at',
] as const satisfies ReadonlyArray<keyof VersionRow>;
const SECRET_COLUMNS = new Set<string>([
  'type',
  'description',
  'service',
  'environment',
  'criticality',
  'owner',
  'expires_at',
  'metadata',
  'max_versions',
  'current_version',
  'pending_version',
  'previous_version',
  'latest_version',
  'updated_at',
  'deleted_at',
]);

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export const createSecretStore = (dialect: 'sqlite' | 'postgres', direct?: StorageHandle['sqliteRun']) => {
  // The write path's statements are fixed SQL (skipping the query builder is most of a write's CPU).
  const fixed = createFixedSql(dialect, direct);
  // Statements whose outcome is known beforehand: on PostgreSQL they travel with the transaction's
  // next statement or its COMMIT (database.ts, createDeferredSql).
  const deferred = createDeferredSql(dialect, direct);
  // SQLite has one writer, so its transaction already holds the row; PostgreSQL locks it.
  const FIND_FOR_UPDATE = `select * from secrets where tenant_id = ? and name = ?${dialect === 'postgres' ? ' for update' : ''}`;
  return {
    async findByName(ex: Executor, tenant: string, name: string): Promise<SecretRow | undefined> {
      return (await fixed<SecretRow>(ex, 'select * from secrets where tenant_id = ? and name = ?', [tenant, name])).rows[0];
    },

    async findByNameForUpdate(ex: Executor, tenant: string, name: string): Promise<SecretRow | undefined> {
      return (await fixed<SecretRow>(ex, FIND_FOR_UPDATE, [tenant, name])).rows[0];
    },

    /** The hot read: the secret and the version a label or number resolves to, in one query. The SQL
     *  text is fixed per (dialect, label|version) and compiled once, skipping the query builder. */
    async readJoined(
      ex: Executor,
      tenant: string,
      name: string,
      ref: { version?: number; label?: Label },
    ): Promise<JoinedRead | undefined> {
      const key = ref.version !== undefined ? 'version' : (ref.label ?? 'current');
      const text = readSql(dialect, key);
      const params = ref.version !== undefined ? [ref.version, tenant, name] : [tenant, name];
      const r = await ex.executeQuery<JoinedRead>(CompiledQuery.raw(text, params));
      return r.rows[0];
    },

    /** The read of readJoined as one statement, for StorageHandle.readScoped (one round trip on PostgreSQL). */
    readJoinedQuery(tenant: string, name: string, ref: { version?: number; label?: Label }): CompiledQuery {
      const key = ref.version !== undefined ? 'version' : (ref.label ?? 'current');
      return CompiledQuery.raw(readSql(dialect, key), ref.version !== undefined ? [ref.version, tenant, name] : [tenant, name]);
    },

    /** The same read straight on SQLite's compiled statement, without the query layer's promises. */
    readJoinedSqlite(
      get: NonNullable<StorageHandle['sqliteGet']>,
      tenant: string,
      name: string,
      ref: { version?: number; label?: Label },
    ): JoinedRead | undefined {
      const key = ref.version !== undefined ? 'version' : (ref.label ?? 'current');
      return get<JoinedRead>(readSql('sqlite', key), ref.version !== undefined ? [ref.version, tenant, name] : [tenant, name]);
    },

    async tagsOf(ex: Executor, tenant: string, secretIds: string[]): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>();
      if (secretIds.length === 0) return out;
      const rows = await ex
        .selectFrom('secret_tags')
        .select(['secret_id', 'tag'])
        .where('tenant_id', '=', tenant)
        .where('secret_id', 'in', secretIds)
        .orderBy('tag')
        .execute();
      for (const r of rows) out.set(r.secret_id, [...(out.get(r.secret_id) ?? []), r.tag]);
      return out;
    },

    async replaceTags(ex: Executor, tenant: string, secretId: string, tags: string[]) {
      await ex.deleteFrom('secret_tags').where('tenant_id', '=', tenant).where('secret_id', '=', secretId).execute();
      if (tags.length)
        await ex
          .insertInto('secret_tags')
          .values(tags.map((tag) => ({ tenant_id: tenant, secret_id: secretId, tag })))
          .execute();
    },

    async insertSecret(ex: Executor, row: SecretRow) {
      await ex.insertInto('secrets').values(row).execute();
    },

    /** Inserts a version and its fingerprints. Deferred: the caller holds the secret's row lock (or
     *  created the row in this transaction), so only a concurrent creation can make it fail, and that
     *  fails the transaction at its commit (a unique violation, which the write retries). */
    async insertVersion(ex: Executor, row: VersionRow, fingerprints: Array<{ field: string; fingerprint: string }>) {
      await deferred(
        ex,
        `insert into secret_versions (${VERSION_COLUMNS.join(', ')}) values (${VERSION_COLUMNS.map(() => '?').join(', ')})`,
        VERSION_COLUMNS.map((c) => row[c]),
      );
      for (const f of fingerprints) {
        await deferred(ex, 'insert into secret_fingerprints (tenant_id, secret_id, version, field, fingerprint) values (?, ?, ?, ?, ?)', [
          row.tenant_id,
          row.secret_id,
          row.version,
          f.field,
          f.fingerprint,
        ]);
      }
    },

    /** Optimistic update guarded by row_version; returns false when another writer got there first. */
    async updateSecret(ex: Executor, tenant: string, id: string, expectedRowVersion: number, patch: Partial<SecretRow>): Promise<boolean> {
      const keys = Object.keys(patch).filter((k) => k !== 'row_version' && (patch as Record<string, unknown>)[k] !== undefined) as Array<
        keyof SecretRow
      >;
      for (const k of keys) if (!SECRET_COLUMNS.has(k)) throw new Error(`unknown secrets column ${String(k)}`);
      const text = `update secrets set ${keys.map((k) => `${k} = ?`).join(', ')}${keys.length ? ', ' : ''}row_version = ? where tenant_id = ? and id = ? and row_version = ?`;
      const r = await fixed(ex, text, [...keys.map((k) => patch[k]), expectedRowVersion + 1, tenant, id, expectedRowVersion]);
      return Number(r.numAffectedRows) === 1;
    },

    /** updateSecret for a row this transaction holds locked (findByNameForUpdate) or created: the
     *  row_version guard cannot miss, so on PostgreSQL the update is deferred. On SQLite (one writer,
     *  no row locks) it runs at once and says whether it matched, as updateSecret does. */
    async updateLockedSecret(
      ex: Executor,
      tenant: string,
      id: string,
      expectedRowVersion: number,
      patch: Partial<SecretRow>,
    ): Promise<boolean> {
      if (dialect !== 'postgres') return this.updateSecret(ex, tenant, id, expectedRowVersion, patch);
      const keys = Object.keys(patch).filter((k) => k !== 'row_version' && (patch as Record<string, unknown>)[k] !== undefined) as Array<
        keyof SecretRow
      >;
      for (const k of keys) if (!SECRET_COLUMNS.has(k)) throw new Error(`unknown secrets column ${String(k)}`);
      const text = `update secrets set ${keys.map((k) => `${k} = ?`).join(', ')}${keys.length ? ', ' : ''}row_version = ? where tenant_id = ? and id = ? and row_version = ?`;
      await deferred(ex, text, [...keys.map((k) => patch[k]), expectedRowVersion + 1, tenant, id, expectedRowVersion]);
      return true;
    },

    /** PostgreSQL: destroys the oldest live versions beyond `maxVersions` that carry none of `labels`,
     *  in one deferred statement (count, choice, crypto-shredding and the fingerprints' removal);
     *  `onDestroyed` hears the version numbers once the transaction has sent it. */
    pruneDeferred:
      dialect === 'postgres'
        ? async (
            ex: Executor,
            tenant: string,
            secretId: string,
            maxVersions: number,
            labels: Array<number | null>,
            at: string,
            onDestroyed: (versions: number[]) => void,
          ) => {
            const [c, p, q] = [labels[0] ?? -1, labels[1] ?? -1, labels[2] ?? -1];
            await deferred(
              ex,
              "with live as (select version from secret_versions where tenant_id = ? and secret_id = ? and state != 'destroyed'), " +
                'victims as (select version from live where version not in (?, ?, ?) order by version ' +
                'limit (select greatest(count(*) - ?, 0) from live)), ' +
                "d as (update secret_versions set wrapped_dek = null, ciphertext = null, state = 'destroyed', destroyed_at = ? " +
                'where tenant_id = ? and secret_id = ? and version in (select version from victims) returning version), ' +
                'f as (delete from secret_fingerprints where tenant_id = ? and secret_id = ? and version in (select version from d)) ' +
                'select version from d',
              [tenant, secretId, c, p, q, maxVersions, at, tenant, secretId, tenant, secretId],
              (rows) => onDestroyed((rows as Array<{ version: number }>).map((r) => Number(r.version))),
            );
          }
        : undefined,

    async listVersions(ex: Executor, tenant: string, secretId: string): Promise<VersionRow[]> {
      return ex
        .selectFrom('secret_versions')
        .selectAll()
        .where('tenant_id', '=', tenant)
        .where('secret_id', '=', secretId)
        .orderBy('version', 'desc')
        .execute();
    },

    /** How many versions are live (not destroyed): counted on the partial index alone. */
    async countLiveVersions(ex: Executor, tenant: string, secretId: string): Promise<number> {
      // The literal (not a bound parameter) lets SQLite and PostgreSQL use the partial index of migration 005.
      const r = await fixed<{ live: number | string }>(
        ex,
        "select count(*) as live from secret_versions where tenant_id = ? and secret_id = ? and state != 'destroyed'",
        [tenant, secretId],
      );
      return Number(r.rows[0]?.live ?? 0);
    },

    /** The `limit` oldest live version numbers, read in index order. The limit is literal text: bound
     *  as a parameter, SQLite's plan cost twice as much. */
    async oldestLiveVersions(ex: Executor, tenant: string, secretId: string, limit: number): Promise<number[]> {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`oldestLiveVersions: invalid limit ${limit}`);
      const r = await fixed<{ version: number }>(
        ex,
        `select version from secret_versions where tenant_id = ? and secret_id = ? and state != 'destroyed' order by version limit ${limit}`,
        [tenant, secretId],
      );
      return r.rows.map((x) => x.version);
    },

    async getVersion(ex: Executor, tenant: string, secretId: string, version: number): Promise<VersionRow | undefined> {
      return ex
        .selectFrom('secret_versions')
        .selectAll()
        .where('tenant_id', '=', tenant)
        .where('secret_id', '=', secretId)
        .where('version', '=', version)
        .executeTakeFirst();
    },

    /** Crypto-shredding: the wrapped data key and ciphertext are erased; the row stays as history. */
    async destroyVersions(ex: Executor, tenant: string, secretId: string, versions: number[], at: string) {
      if (versions.length === 0) return;
      const list = versions.map(() => '?').join(', ');
      await fixed(
        ex,
        `update secret_versions set wrapped_dek = null, ciphertext = null, state = 'destroyed', destroyed_at = ? where tenant_id = ? and secret_id = ? and version in (${list})`,
        [at, tenant, secretId, ...versions],
      );
      await fixed(ex, `delete from secret_fingerprints where tenant_id = ? and secret_id = ? and version in (${list})`, [
        tenant,
        secretId,
        ...versions,
      ]);
    },

    async purgeSecret(ex: Executor, tenant: string, secretId: string) {
      await ex.deleteFrom('secret_fingerprints').where('tenant_id', '=', tenant).where('secret_id', '=', secretId).execute();
      await ex.deleteFrom('secret_versions').where('tenant_id', '=', tenant).where('secret_id', '=', secretId).execute();
      await ex.deleteFrom('secret_tags').where('tenant_id', '=', tenant).where('secret_id', '=', secretId).execute();
      await ex.deleteFrom('secrets').where('tenant_id', '=', tenant).where('id', '=', secretId).execute();
    },

    async list(ex: Executor, tenant: string, f: ListFilter): Promise<SecretRow[]> {
      let q = ex.selectFrom('secrets').selectAll().where('tenant_id', '=', tenant);
      if (!f.include_deleted) q = q.where('deleted_at', 'is', null);
      if (f.prefix) q = q.where(sql<boolean>`name like ${escapeLike(f.prefix) + '%'} escape '\\'`);
      if (f.type) q = q.where('type', '=', f.type);
      if (f.service) q = q.where('service', '=', f.service);
      if (f.environment) q = q.where('environment', '=', f.environment);
      if (f.criticality) q = q.where('criticality', '=', f.criticality);
      for (const tag of f.tags ?? []) {
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('secret_tags as t')
              .select('t.tag')
              .whereRef('t.secret_id', '=', 'secrets.id')
              .where('t.tenant_id', '=', tenant)
              .where('t.tag', '=', tag),
          ),
        );
      }
      if (f.cursor) q = q.where('name', '>', f.cursor);
      return q.orderBy('name').limit(f.limit).execute();
    },

    async findByFingerprints(ex: Executor, tenant: string, fingerprints: string[]) {
      if (fingerprints.length === 0) return [];
      return ex
        .selectFrom('secret_fingerprints as f')
        .innerJoin('secrets as s', 's.id', 'f.secret_id')
        .select(['f.fingerprint', 'f.version', 'f.field', 's.name', 's.current_version', 's.pending_version', 's.previous_version'])
        .where('f.tenant_id', '=', tenant)
        .where('f.fingerprint', 'in', fingerprints)
        .where('s.deleted_at', 'is', null)
        .execute();
    },
  };
};

export type SecretStore = ReturnType<typeof createSecretStore>;
