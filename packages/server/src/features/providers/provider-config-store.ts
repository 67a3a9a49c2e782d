// Queries for per-tenant provider configurations: non-secret config as JSON and the name of the
// Keyhaven secret holding the credential. Always filtered by tenant (and RLS on PostgreSQL).
import type { Selectable } from 'kysely';
import type { Executor } from '../../storage/database.js';
import type { ProviderConfigsTable } from '../../storage/schema.js';

export type ProviderConfigRow = Selectable<ProviderConfigsTable>;

export const createProviderConfigStore = () => ({
  get: (ex: Executor, tenant: string, id: string): Promise<ProviderConfigRow | undefined> =>
    ex.selectFrom('provider_configs').selectAll().where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst(),
  list: (ex: Executor, tenant: string, kind?: string): Promise<ProviderConfigRow[]> => {
    let q = ex.selectFrom('provider_configs').selectAll().where('tenant_id', '=', tenant);
    if (kind) q = q.where('kind', '=', kind);
    return q.orderBy('id').execute();
  },
  async insert(ex: Executor, row: ProviderConfigRow) {
    await ex.insertInto('provider_configs').values(row).execute();
  },
  async update(ex: Executor, tenant: string, id: string, patch: Partial<ProviderConfigRow>) {
    await ex.updateTable('provider_configs').set(patch).where('tenant_id', '=', tenant).where('id', '=', id).execute();
  },
  async remove(ex: Executor, tenant: string, id: string) {
    await ex.deleteFrom('provider_configs').where('tenant_id', '=', tenant).where('id', '=', id).execute();
  },
  async destinationsUsing(ex: Executor, tenant: string, id: string): Promise<number> {
    const r = await ex
      .selectFrom('sync_destinations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenant)
      .where('provider_id', '=', id)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  },
});

export type ProviderConfigStore = ReturnType<typeof createProviderConfigStore>;
