// Tenants: the unit of isolation. Created by root tokens; every secret and grant belongs to one.
import type { ChangeFeed } from '../../storage/change-feed.js';
import type { StorageHandle } from '../../storage/database.js';
import { isUniqueViolation } from '../../storage/database.js';
import { fail } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';

export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface Tenant { id: string; name: string; created_at: string }

export const createTenantService = (deps: { storage: StorageHandle; clock: Clock; changes?: ChangeFeed }) => {
  const { storage, clock, changes } = deps;
  /** Tenants known to exist. A removal on another replica reaches it through the change feed (ADR
   *  0006); it is only trusted while the feed is live. */
  const cache = new Map<string, boolean>();
  let gen = 0; // moves on every removal heard or made, so a lookup that raced one is not kept
  const forget = (id?: string) => { gen++; if (id === undefined) cache.clear(); else cache.delete(id); };
  changes?.subscribe((topic, tenant) => { if (topic === 'tenant') forget(tenant); }, () => forget());
  return {
    async create(input: { id: string; name?: string }): Promise<Tenant> {
      if (!TENANT_ID.test(input.id)) throw fail('VALIDATION_FAILED', 'A tenant id is 1-63 lowercase letters, digits or "-", starting with a letter or digit.', [{ path: 'id', message: 'invalid tenant id' }]);
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
      const cached = !changes || changes.live;
      if (cached && cache.get(id)) return true;
      const before = gen;
      const row = await storage.db.selectFrom('tenants').select('id').where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      if (row && cached && gen === before) cache.set(id, true);
      return Boolean(row);
    },
    async get(id: string): Promise<Tenant> {
      const row = await storage.db.selectFrom('tenants').select(['id', 'name', 'created_at']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
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
      const held = await storage.withTenant(id, (ex) => ex.selectFrom('secrets').select('id').where('tenant_id', '=', id).limit(1).execute());
      if (held.length) throw fail('TENANT_NOT_EMPTY', `Tenant "${id}" still holds secrets; destroy them first.`);
      await storage.transaction(id, async (trx) => {
        await trx.deleteFrom('token_grants').where('tenant_id', '=', id).execute();
        await trx.updateTable('tenants').set({ deleted_at: clock.now().toISOString() }).where('id', '=', id).execute();
        await changes?.announce(trx, 'tenant', id, '');
      });
      forget(id);
      return { id, deleted: true };
    },
  };
};

export type TenantService = ReturnType<typeof createTenantService>;
