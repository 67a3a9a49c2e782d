// Queries for rotation registrations (rotation_configs) and rotation history / durable run state
// (rotation_runs). Tenant-filtered like every store; system work (scheduler, recovery) uses '*'.
import { sql, type Selectable } from 'kysely';
import type { Executor, StorageHandle } from '../../storage/database.js';
import { isUniqueViolation } from '../../storage/database.js';
import type { RotationConfigsTable, RotationRunsTable } from '../../storage/schema.js';
import { fail } from '../../lib/errors.js';
import { claimRows } from '../../jobs/leases.js';

export type ConfigRow = Selectable<RotationConfigsTable>;
export type RunRow = Selectable<RotationRunsTable>;

const FACTS = [
  'id',
  'name',
  'type',
  'criticality',
  'expires_at',
  'current_version',
  'pending_version',
  'previous_version',
  'deleted_at',
] as const;
export interface SecretFacts {
  id: string;
  name: string;
  type: string;
  criticality: string;
  expires_at: string | null;
  current_version: number | null;
  pending_version: number | null;
  previous_version: number | null;
  deleted_at: string | null;
}

export interface HistoryFilter {
  secret_name?: string;
  status?: string;
  method?: string;
  limit: number;
}

export interface DueFilter {
  criticality?: string;
  tenant?: string;
  /** Only failed rotations whose retry time has come. */ retriesOnly?: boolean;
  /** Secret ids left out (already handled by this run). */ exclude?: string[];
}

/** Due: the retry time when a retry is pending, else the schedule; only with auto-rotation on. */
const dueSql = (now: string, f: DueFilter = {}) => sql<boolean>`auto_rotation = 1 and (
  (next_retry_at is not null and next_retry_at <= ${now}) ${f.retriesOnly ? sql`` : sql`or (next_retry_at is null and next_rotation_at is not null and next_rotation_at <= ${now})`})
  ${f.criticality ? sql`and criticality = ${f.criticality}` : sql``} ${f.tenant ? sql`and tenant_id = ${f.tenant}` : sql``}
  ${f.exclude?.length ? sql`and secret_id not in (${sql.join(f.exclude)})` : sql``}`;

const dueAmongRows = async (
  storage: StorageHandle,
  now: string,
  ids: string[],
  f: DueFilter,
): Promise<Array<{ secret_id: string; secret_name: string }>> => {
  const out: Array<{ secret_id: string; secret_name: string }> = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await storage.withTenant(f.tenant ?? '*', (ex) =>
      ex
        .selectFrom('rotation_configs')
        .select(['secret_id', 'secret_name'])
        .where(dueSql(now, { ...f, exclude: undefined }))
        .where('secret_id', 'in', ids.slice(i, i + 500))
        .execute(),
    );
    out.push(...rows);
  }
  return out;
};

export const createRotationStore = (storage: StorageHandle) => ({
  async getConfig(ex: Executor, tenant: string, secretName: string): Promise<ConfigRow | undefined> {
    return ex
      .selectFrom('rotation_configs')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('secret_name', '=', secretName)
      .executeTakeFirst();
  },

  /** getConfig on its own, in one round trip on PostgreSQL (StorageHandle.readScoped). */
  async readConfig(tenant: string, secretName: string): Promise<ConfigRow | undefined> {
    const q = storage.db.selectFrom('rotation_configs').selectAll().where('tenant_id', '=', tenant).where('secret_name', '=', secretName);
    return (await storage.readScoped<ConfigRow>(tenant, q.compile()))[0];
  },

  async getConfigById(ex: Executor, tenant: string, secretId: string): Promise<ConfigRow | undefined> {
    return ex
      .selectFrom('rotation_configs')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('secret_id', '=', secretId)
      .executeTakeFirst();
  },

  async upsertConfig(ex: Executor, row: ConfigRow) {
    const existing = await ex
      .selectFrom('rotation_configs')
      .select('created_at')
      .where('tenant_id', '=', row.tenant_id)
      .where('secret_id', '=', row.secret_id)
      .executeTakeFirst();
    if (existing) {
      const { tenant_id, secret_id, created_at, lease_owner, lease_until, ...patch } = row;
      await ex.updateTable('rotation_configs').set(patch).where('tenant_id', '=', tenant_id).where('secret_id', '=', secret_id).execute();
    } else {
      await ex.insertInto('rotation_configs').values(row).execute();
    }
  },

  async updateConfig(ex: Executor, tenant: string, secretId: string, patch: Partial<ConfigRow>) {
    await ex.updateTable('rotation_configs').set(patch).where('tenant_id', '=', tenant).where('secret_id', '=', secretId).execute();
  },

  async listConfigs(ex: Executor, tenant: string, opts: { dueAt?: string; criticality?: string } = {}): Promise<ConfigRow[]> {
    let q = ex.selectFrom('rotation_configs').selectAll().where('tenant_id', '=', tenant);
    if (opts.dueAt) q = q.where(dueSql(opts.dueAt, { criticality: opts.criticality }));
    else if (opts.criticality) q = q.where('criticality', '=', opts.criticality);
    return q.orderBy('next_rotation_at').orderBy('secret_name').execute();
  },

  /** Claims due registrations for this server (lease), across tenants. */
  claimDue(opts: { owner: string; now: string; until: string; limit: number } & DueFilter): Promise<ConfigRow[]> {
    return claimRows<ConfigRow>(storage, {
      table: 'rotation_configs',
      keys: ['tenant_id', 'secret_id'],
      where: dueSql(opts.now, opts),
      orderBy: 'next_rotation_at',
      limit: opts.limit,
      owner: opts.owner,
      now: opts.now,
      until: opts.until,
    });
  },

  /** How many registrations are due now (across tenants unless `tenant`), leaving out `exclude`. */
  async countDue(now: string, f: DueFilter = {}): Promise<number> {
    const r = await storage.withTenant(f.tenant ?? '*', (ex) =>
      ex
        .selectFrom('rotation_configs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where(dueSql(now, f))
        .executeTakeFirst(),
    );
    return Number(r?.n ?? 0);
  },

  /** Those of `ids` that are due now (a run's handled secrets that stayed due), in chunks of 500 ids. */
  dueAmongRows: (now: string, ids: string[], f: DueFilter = {}) => dueAmongRows(storage, now, ids, f),

  /** The names of those of `ids` that are due now (a run's rotated secrets that stayed due). */
  async dueAmong(now: string, ids: string[], f: DueFilter = {}): Promise<string[]> {
    return (await dueAmongRows(storage, now, ids, f)).map((r) => r.secret_name);
  },

  /** Claims one registration for a manual rotation; false when another server holds it. One
   *  statement in its own transaction: one round trip on PostgreSQL (StorageHandle.runScoped). */
  async claimOne(tenant: string, secretId: string, owner: string, now: string, until: string): Promise<boolean> {
    const q = storage.db
      .updateTable('rotation_configs')
      .set({ lease_owner: owner, lease_until: until })
      .where('tenant_id', '=', tenant)
      .where('secret_id', '=', secretId)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now), eb('lease_owner', '=', owner)]))
      .returning('secret_id');
    return (await storage.runScoped(tenant, q.compile())).length === 1;
  },

  async releaseConfig(tenant: string, secretId: string, owner: string) {
    const q = storage.db
      .updateTable('rotation_configs')
      .set({ lease_owner: null, lease_until: null })
      .where('tenant_id', '=', tenant)
      .where('secret_id', '=', secretId)
      .where('lease_owner', '=', owner);
    await storage.runScoped(tenant, q.compile());
  },

  /** Claims in-progress runs whose server stopped renewing them (crash), across tenants. */
  claimStaleRuns(opts: { owner: string; now: string; until: string; limit: number }): Promise<RunRow[]> {
    return claimRows<RunRow>(storage, {
      table: 'rotation_runs',
      keys: ['id'],
      where: sql`status = 'in_progress'`,
      orderBy: 'started_at',
      limit: opts.limit,
      owner: opts.owner,
      now: opts.now,
      until: opts.until,
    });
  },

  /** Opens a run; a second open run of the same secret is refused by the database (one at a time). */
  async insertRun(row: RunRow, trx?: Executor) {
    try {
      const insert = (ex: Executor) =>
        ex
          .insertInto('rotation_runs')
          .values({ ...row })
          .execute();
      await (trx ? insert(trx) : storage.withTenant(row.tenant_id, insert));
    } catch (e) {
      if (isUniqueViolation(e) || (e as { code?: string }).code === 'CONFLICT' || isUniqueViolation((e as { cause?: unknown }).cause)) {
        throw fail('ROTATION_IN_PROGRESS', `A rotation of "${row.secret_name}" is already running; wait for it to finish.`);
      }
      throw e;
    }
  },

  async updateRun(tenant: string, id: string, patch: Partial<RunRow>, ex?: Executor) {
    const run = (e: Executor) => e.updateTable('rotation_runs').set(patch).where('tenant_id', '=', tenant).where('id', '=', id).execute();
    if (ex) await run(ex);
    else await storage.withTenant(tenant, run);
  },

  async getRun(tenant: string, id: string): Promise<RunRow | undefined> {
    return storage.withTenant(tenant, (ex) =>
      ex.selectFrom('rotation_runs').selectAll().where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst(),
    );
  },

  async history(ex: Executor, tenant: string, f: HistoryFilter): Promise<RunRow[]> {
    let q = ex.selectFrom('rotation_runs').selectAll().where('tenant_id', '=', tenant);
    if (f.secret_name) q = q.where('secret_name', '=', f.secret_name);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.method) q = q.where('method', '=', f.method);
    return q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  },

  /** Secret row facts the engine needs (labels, type, expiry); no values. */
  async secretFacts(ex: Executor, tenant: string, name: string): Promise<SecretFacts | undefined> {
    return ex.selectFrom('secrets').select(FACTS).where('tenant_id', '=', tenant).where('name', '=', name).executeTakeFirst();
  },

  /** secretFacts on its own, in one round trip on PostgreSQL (StorageHandle.readScoped). */
  async readSecretFacts(tenant: string, name: string): Promise<SecretFacts | undefined> {
    const q = storage.db.selectFrom('secrets').select(FACTS).where('tenant_id', '=', tenant).where('name', '=', name);
    return (await storage.readScoped<SecretFacts>(tenant, q.compile()))[0];
  },

  /** Facts of many secrets of one tenant in one query (a claimed batch), by secret id. */
  async secretFactsByIds(ex: Executor, tenant: string, ids: string[]): Promise<Map<string, SecretFacts>> {
    const out = new Map<string, SecretFacts>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await ex
        .selectFrom('secrets')
        .select(FACTS)
        .where('tenant_id', '=', tenant)
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.id, r);
    }
    return out;
  },
});

export type RotationStore = ReturnType<typeof createRotationStore>;
