// Tenants: the unit of isolation. Created by root tokens; every secret and grant belongs to one.
import { announcing, cachesUsable, type ChangeFeed } from '../../storage/change-feed.js';
import { createFillCache } from '../../lib/fill-cache.js';
import type { StorageHandle } from '../../storage/database.js';
import { isUniqueViolation } from '../../storage/database.js';
import { fail } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';

export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface Tenant {
  id: string;
  name: string;
  created_at: string;
}

export const createTenantService = (deps: { storage: StorageHandle; clock: Clock; changes?: ChangeFeed }) => {
  const { storage, clock, changes } = deps;
  /** Tenants known to exist. A removal here or on another replica (through the change feed, ADR 0006)
   *  invalidates it, and a lookup that raced a removal is not kept (lib/fill-cache.ts). */
  const cache = createFillCache<true>({ maxBytes: 4 * 1024 * 1024, ttlMs: 10 * 60_000, usable: cachesUsable(changes) });
  changes?.subscribe(
    (topic, tenant) => {
      if (topic === 'tenant') cache.invalidate(tenant);
    },
    () => cache.clear(),
  );
  return {
    async create(input: { id: string; name?: string }): Promise<Tenant> {
      if (!TENANT_ID.test(input.id))
        throw fail('VALIDATION_FAILED', 'A tenant id is 1-63 lowercase letters, digits or "-", starting with a letter or digit.', [
          { path: 'id', message: 'invalid tenant id' },
        ]);
      const row = { id: input.id, name: input.name ?? input.id, created_at: clock.now().toISOString(), deleted_at: null };
      try {
        await storage.db.insertInto('tenants').values(row).execute();
      } catch (e) {
        if (isUniqueViolation(e)) throw fail('TENANT_EXISTS', `A tenant with id "${input.id}" already exists.`);
        throw e;
      }
      return { id: row.id, name: row.name, created_at: row.created_at };
    },
    async exists(id: string): Promise<boolean> {
      if (cache.get(id, '')) return true;
      const token = cache.token(id);
      const row = await storage.db
        .selectFrom('tenants')
        .select('id')
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (row) cache.put(token, '', true, 0);
      return Boolean(row);
    },
    async get(id: string): Promise<Tenant> {
      const row = await storage.db
        .selectFrom('tenants')
        .select(['id', 'name', 'created_at'])
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!row) throw fail('TENANT_NOT_FOUND', `No tenant "${id}".`);
      return row;
    },
    async list(only?: string[]): Promise<Tenant[]> {
      let q = storage.db.selectFrom('tenants').select(['id', 'name', 'created_at']).where('deleted_at', 'is', null);
      if (only) {
        if (only.length === 0) return [];
        q = q.where('id', 'in', only);
      }
      return q.orderBy('id').execute();
    },
    async remove(id: string) {
      await this.get(id);
      const held = await storage.withTenant(id, (ex) =>
        ex.selectFrom('secrets').select('id').where('tenant_id', '=', id).limit(1).execute(),
      );
      if (held.length) throw fail('TENANT_NOT_EMPTY', `Tenant "${id}" still holds secrets; destroy them first.`);
      await announcing(storage, changes, 'tenant', id, '', async (trx) => {
        await trx.deleteFrom('token_grants').where('tenant_id', '=', id).execute();
        await trx.updateTable('tenants').set({ deleted_at: clock.now().toISOString() }).where('id', '=', id).execute();
      });
      cache.invalidate(id);
      return { id, deleted: true };
    },
  };
};

export type TenantService = ReturnType<typeof createTenantService>;
