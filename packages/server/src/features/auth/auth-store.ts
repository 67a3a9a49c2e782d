// Persistence of machine-identity logins: roles (all methods in auth_roles, AppRole's role_id
// unique across tenants), per-tenant method configuration (a reviewer token sealed by the barrier)
// and AppRole secret_ids (SHA-256 only; a use is taken atomically so a replay cannot win a race).
import { randomUUID } from 'node:crypto';
import type { StorageHandle } from '../../storage/database.js';
import type { Barrier } from '../../barrier/barrier.js';
import type { Clock } from '../../lib/clock.js';
import { fail } from '../../lib/errors.js';
import type { LoginMethod, StoredRole } from './auth-schemas.js';

export interface RoleRow {
  tenant: string;
  method: LoginMethod;
  name: string;
  roleId: string | null;
  config: StoredRole;
  created_at: string;
  updated_at: string;
}
export interface SecretIdRow {
  accessor: string;
  tenant: string;
  role: string;
  usesLeft: number | null;
  expiresAt: string | null;
  boundCidrs: string[];
  metadata: Record<string, string>;
  created_at: string;
}

const parse = <T>(s: string | null, fallback: T): T => {
  try {
    return s ? (JSON.parse(s) as T) : fallback;
  } catch {
    return fallback;
  }
};

/** The AAD of a login method's sealed credential (the keyring rotation re-wraps it under it). */
export const authConfigAad = (tenant: string, method: string) => `auth-config:${tenant}:${method}`;

export const createAuthStore = (deps: { storage: StorageHandle; barrier: Barrier; clock: Clock }) => {
  const { storage, barrier, clock } = deps;
  const toRole = (r: {
    tenant_id: string;
    method: string;
    name: string;
    role_id: string | null;
    config: string;
    created_at: string;
    updated_at: string;
  }): RoleRow => ({
    tenant: r.tenant_id,
    method: r.method as LoginMethod,
    name: r.name,
    roleId: r.role_id,
    config: parse(r.config, {} as StoredRole),
    created_at: r.created_at,
    updated_at: r.updated_at,
  });
  const toSecretId = (r: {
    accessor: string;
    tenant_id: string;
    role_name: string;
    uses_left: number | null;
    expires_at: string | null;
    bound_cidrs: string | null;
    metadata: string | null;
    created_at: string;
  }): SecretIdRow => ({
    accessor: r.accessor,
    tenant: r.tenant_id,
    role: r.role_name,
    usesLeft: r.uses_left,
    expiresAt: r.expires_at,
    boundCidrs: parse(r.bound_cidrs, []),
    metadata: parse(r.metadata, {}),
    created_at: r.created_at,
  });
  const secretAad = authConfigAad;

  return {
    async putRole(tenant: string, method: LoginMethod, name: string, config: StoredRole): Promise<RoleRow> {
      const now = clock.now().toISOString();
      return storage.transaction(tenant, async (trx) => {
        const existing = await trx
          .selectFrom('auth_roles')
          .selectAll()
          .where('tenant_id', '=', tenant)
          .where('method', '=', method)
          .where('name', '=', name)
          .executeTakeFirst();
        if (existing) {
          await trx
            .updateTable('auth_roles')
            .set({ config: JSON.stringify(config), updated_at: now })
            .where('tenant_id', '=', tenant)
            .where('method', '=', method)
            .where('name', '=', name)
            .execute();
          return toRole({ ...existing, config: JSON.stringify(config), updated_at: now });
        }
        const row = {
          tenant_id: tenant,
          method,
          name,
          role_id: method === 'approle' ? randomUUID() : null,
          config: JSON.stringify(config),
          created_at: now,
          updated_at: now,
        };
        await trx.insertInto('auth_roles').values(row).execute();
        return toRole(row);
      });
    },
    async getRole(tenant: string, method: LoginMethod, name: string): Promise<RoleRow | null> {
      const r = await storage.withTenant(tenant, (ex) =>
        ex
          .selectFrom('auth_roles')
          .selectAll()
          .where('tenant_id', '=', tenant)
          .where('method', '=', method)
          .where('name', '=', name)
          .executeTakeFirst(),
      );
      return r ? toRole(r) : null;
    },
    async mustGetRole(tenant: string, method: LoginMethod, name: string): Promise<RoleRow> {
      const r = await this.getRole(tenant, method, name);
      if (!r) throw fail('AUTH_ROLE_NOT_FOUND', `No ${method} role "${name.slice(0, 128)}" in this tenant.`);
      return r;
    },
    /** The AppRole role with this role_id, in whichever tenant holds it (a login names no tenant). */
    async roleByRoleId(roleId: string): Promise<RoleRow | null> {
      const r = await storage.withTenant('*', (ex) =>
        ex.selectFrom('auth_roles').selectAll().where('role_id', '=', roleId).where('method', '=', 'approle').executeTakeFirst(),
      );
      return r ? toRole(r) : null;
    },
    async listRoles(tenant: string, method: LoginMethod): Promise<string[]> {
      const rows = await storage.withTenant(tenant, (ex) =>
        ex.selectFrom('auth_roles').select('name').where('tenant_id', '=', tenant).where('method', '=', method).orderBy('name').execute(),
      );
      return rows.map((r) => r.name);
    },
    async deleteRole(tenant: string, method: LoginMethod, name: string): Promise<void> {
      await storage.transaction(tenant, async (trx) => {
        if (method === 'approle')
          await trx.deleteFrom('auth_secret_ids').where('tenant_id', '=', tenant).where('role_name', '=', name).execute();
        await trx.deleteFrom('auth_roles').where('tenant_id', '=', tenant).where('method', '=', method).where('name', '=', name).execute();
      });
    },

    async putConfig(tenant: string, method: LoginMethod, config: Record<string, unknown>, secret: string | undefined): Promise<void> {
      const sealed = secret ? barrier.seal(Buffer.from(secret, 'utf8'), secretAad(tenant, method)) : undefined;
      const row = {
        tenant_id: tenant,
        method,
        config: JSON.stringify(config),
        sealed_dek: sealed?.wrappedDek ?? null,
        sealed_secret: sealed?.ciphertext ?? null,
        updated_at: clock.now().toISOString(),
      };
      await storage.transaction(tenant, async (trx) => {
        await trx.deleteFrom('auth_configs').where('tenant_id', '=', tenant).where('method', '=', method).execute();
        await trx.insertInto('auth_configs').values(row).execute();
      });
    },
    async getConfig<T>(tenant: string, method: LoginMethod): Promise<{ config: T; secret: string | null; updated_at: string } | null> {
      const r = await storage.withTenant(tenant, (ex) =>
        ex.selectFrom('auth_configs').selectAll().where('tenant_id', '=', tenant).where('method', '=', method).executeTakeFirst(),
      );
      if (!r) return null;
      const secret =
        r.sealed_dek && r.sealed_secret
          ? barrier.open({ wrappedDek: r.sealed_dek, ciphertext: r.sealed_secret }, secretAad(tenant, method)).toString('utf8')
          : null;
      return { config: parse(r.config, {} as T), secret, updated_at: r.updated_at };
    },
    async deleteConfig(tenant: string, method: LoginMethod): Promise<void> {
      await storage.withTenant(tenant, (ex) =>
        ex.deleteFrom('auth_configs').where('tenant_id', '=', tenant).where('method', '=', method).execute(),
      );
    },

    async addSecretId(row: {
      accessor: string;
      tenant: string;
      role: string;
      hash: string;
      usesLeft: number | null;
      expiresAt: string | null;
      boundCidrs: string[];
      metadata: Record<string, string>;
    }): Promise<void> {
      await storage.transaction(row.tenant, (trx) =>
        trx
          .insertInto('auth_secret_ids')
          .values({
            accessor: row.accessor,
            tenant_id: row.tenant,
            role_name: row.role,
            secret_hash: row.hash,
            uses_left: row.usesLeft,
            expires_at: row.expiresAt,
            bound_cidrs: JSON.stringify(row.boundCidrs),
            metadata: JSON.stringify(row.metadata),
            created_at: clock.now().toISOString(),
          })
          .execute(),
      );
    },
    async secretIdByHash(tenant: string, role: string, hash: string): Promise<SecretIdRow | null> {
      const r = await storage.withTenant(tenant, (ex) =>
        ex
          .selectFrom('auth_secret_ids')
          .selectAll()
          .where('secret_hash', '=', hash)
          .where('tenant_id', '=', tenant)
          .where('role_name', '=', role)
          .executeTakeFirst(),
      );
      return r ? toSecretId(r) : null;
    },
    async secretIdByAccessor(tenant: string, role: string, accessor: string): Promise<SecretIdRow | null> {
      const r = await storage.withTenant(tenant, (ex) =>
        ex
          .selectFrom('auth_secret_ids')
          .selectAll()
          .where('accessor', '=', accessor)
          .where('tenant_id', '=', tenant)
          .where('role_name', '=', role)
          .executeTakeFirst(),
      );
      return r ? toSecretId(r) : null;
    },
    /** Takes one use of a limited secret_id; false when none is left (a replay, or a race lost). */
    async takeUse(tenant: string, accessor: string): Promise<boolean> {
      const r = await storage.transaction(tenant, (trx) =>
        trx
          .updateTable('auth_secret_ids')
          .set((eb) => ({ uses_left: eb('uses_left', '-', 1) }))
          .where('accessor', '=', accessor)
          .where('uses_left', '>', 0)
          .executeTakeFirst(),
      );
      return Number(r.numUpdatedRows) === 1;
    },
    async listSecretIds(tenant: string, role: string): Promise<SecretIdRow[]> {
      const rows = await storage.withTenant(tenant, (ex) =>
        ex
          .selectFrom('auth_secret_ids')
          .selectAll()
          .where('tenant_id', '=', tenant)
          .where('role_name', '=', role)
          .orderBy('created_at')
          .execute(),
      );
      return rows.map(toSecretId);
    },
    async deleteSecretId(tenant: string, role: string, accessor: string): Promise<boolean> {
      const r = await storage.transaction(tenant, (trx) =>
        trx
          .deleteFrom('auth_secret_ids')
          .where('tenant_id', '=', tenant)
          .where('role_name', '=', role)
          .where('accessor', '=', accessor)
          .executeTakeFirst(),
      );
      return Number(r.numDeletedRows) > 0;
    },
  };
};
export type AuthStore = ReturnType<typeof createAuthStore>;
