// Queries for sync destinations and the per-destination, per-secret sync state (status, last error,
// last synced version, retry schedule). Dialect-neutral Kysely, always filtered by tenant.
import type { Selectable } from 'kysely';
import type { Executor } from '../../storage/database.js';
import type { SyncDestinationsTable, SyncStatesTable } from '../../storage/schema.js';

export type DestinationRow = Selectable<SyncDestinationsTable>;
export type SyncStateRow = Selectable<SyncStatesTable>;
export type SyncStatus = 'ok' | 'pending' | 'error';

const CHUNK = 200;

export const createSyncStore = () => ({
  async insertDestination(ex: Executor, row: DestinationRow) {
    await ex.insertInto('sync_destinations').values(row).execute();
  },
  getDestination: (ex: Executor, tenant: string, id: string) =>
    ex.selectFrom('sync_destinations').selectAll().where('tenant_id', '=', tenant).where('id', '=', id).executeTakeFirst(),
  listDestinations: (ex: Executor, tenant: string) =>
    ex.selectFrom('sync_destinations').selectAll().where('tenant_id', '=', tenant).orderBy('id').execute(),
  async removeDestination(ex: Executor, tenant: string, id: string) {
    await ex.deleteFrom('sync_states').where('tenant_id', '=', tenant).where('destination_id', '=', id).execute();
    await ex.deleteFrom('sync_destinations').where('tenant_id', '=', tenant).where('id', '=', id).execute();
  },

  /** Marks secrets as needing a sync now (new rows start pending; existing ones go back to pending). */
  async markPending(ex: Executor, tenant: string, destinationId: string, names: string[], at: string) {
    for (let i = 0; i < names.length; i += CHUNK) {
      const rows = names.slice(i, i + CHUNK).map((secret_name) => ({
        tenant_id: tenant,
        destination_id: destinationId,
        secret_name,
        remote_name: null,
        status: 'pending',
        last_error: null,
        synced_version: null,
        attempts: 0,
        next_attempt_at: at,
        updated_at: at,
      }));
      await ex
        .insertInto('sync_states')
        .values(rows)
        .onConflict((oc) =>
          oc
            .columns(['tenant_id', 'destination_id', 'secret_name'])
            .doUpdateSet({ status: 'pending', attempts: 0, next_attempt_at: at, updated_at: at }),
        )
        .execute();
    }
  },

  /** States whose turn has come (pending or failed with the retry time passed), oldest first. */
  due: (ex: Executor, tenant: string | null, now: string, limit: number) => {
    let q = ex.selectFrom('sync_states').selectAll().where('status', 'in', ['pending', 'error']).where('next_attempt_at', '<=', now);
    if (tenant) q = q.where('tenant_id', '=', tenant);
    return q.orderBy('next_attempt_at').limit(limit).execute();
  },

  /** Force: everything not ok becomes due now. */
  async makeDueNow(ex: Executor, tenant: string, now: string, destinationId?: string) {
    let q = ex
      .updateTable('sync_states')
      .set({ next_attempt_at: now })
      .where('tenant_id', '=', tenant)
      .where('status', 'in', ['pending', 'error']);
    if (destinationId) q = q.where('destination_id', '=', destinationId);
    await q.execute();
  },

  /** Updates a state unless it changed since it was read (a newer change re-queued it meanwhile). */
  async updateState(
    ex: Executor,
    s: Pick<SyncStateRow, 'tenant_id' | 'destination_id' | 'secret_name' | 'updated_at'>,
    patch: Partial<SyncStateRow>,
  ) {
    await ex
      .updateTable('sync_states')
      .set(patch)
      .where('tenant_id', '=', s.tenant_id)
      .where('destination_id', '=', s.destination_id)
      .where('secret_name', '=', s.secret_name)
      .where('updated_at', '=', s.updated_at)
      .execute();
  },
  async removeState(ex: Executor, s: Pick<SyncStateRow, 'tenant_id' | 'destination_id' | 'secret_name'>) {
    await ex
      .deleteFrom('sync_states')
      .where('tenant_id', '=', s.tenant_id)
      .where('destination_id', '=', s.destination_id)
      .where('secret_name', '=', s.secret_name)
      .execute();
  },

  listStates: (ex: Executor, tenant: string, f: { destination?: string; status?: SyncStatus; limit: number; cursor?: string }) => {
    let q = ex.selectFrom('sync_states').selectAll().where('tenant_id', '=', tenant);
    if (f.destination) q = q.where('destination_id', '=', f.destination);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.cursor) q = q.where('secret_name', '>', f.cursor);
    return q.orderBy('secret_name').orderBy('destination_id').limit(f.limit).execute();
  },
  async counts(ex: Executor, tenant: string, destination?: string): Promise<Record<SyncStatus, number>> {
    let q = ex
      .selectFrom('sync_states')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('tenant_id', '=', tenant);
    if (destination) q = q.where('destination_id', '=', destination);
    const rows = await q.groupBy('status').execute();
    const out: Record<SyncStatus, number> = { ok: 0, pending: 0, error: 0 };
    for (const r of rows) out[r.status as SyncStatus] = Number(r.n);
    return out;
  },
});

export type SyncStore = ReturnType<typeof createSyncStore>;
