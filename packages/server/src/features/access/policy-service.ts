// Policies and roles per tenant: CRUD, and the authorizer for a token's role (built-in or custom),
// cached and invalidated on every change.
import type { Transaction } from 'kysely';
import { announcing, cachesUsable, type ChangeFeed } from '../../storage/change-feed.js';
import { createFillCache } from '../../lib/fill-cache.js';
import type { StorageHandle } from '../../storage/database.js';
import type { Database } from '../../storage/schema.js';
import { isUniqueViolation } from '../../storage/database.js';
import { fail } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import { builtinAuthorizer, builtinRoleRules, isBuiltinRole, policyAuthorizer, type Authorizer, type PolicyRule } from './policy.js';
import { ROLES } from './roles.js';

export const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export interface PolicyView {
  name: string;
  description: string | null;
  rules: PolicyRule[];
  created_at: string;
  updated_at: string;
}
export interface RoleView {
  name: string;
  description: string | null;
  policies: string[];
  builtin: boolean;
}

export const createPolicyService = (deps: { storage: StorageHandle; clock: Clock; changes?: ChangeFeed }) => {
  const { storage, clock, changes } = deps;
  /** Authorizers of custom roles, grouped by tenant: every change of a tenant's policies or roles
   *  (here, or on another replica through the change feed) invalidates its group, and an authorizer
   *  built from rows read before a change is not kept (lib/fill-cache.ts). */
  const cache = createFillCache<Authorizer>({ maxBytes: 4 * 1024 * 1024, ttlMs: 10 * 60_000, usable: cachesUsable(changes) });
  changes?.subscribe(
    (topic, tenant) => {
      if (topic === 'policy') cache.invalidate(tenant);
    },
    () => cache.clear(),
  );
  /** A change of the tenant's policies or roles, announced to other replicas when it commits. */
  const change = async <T>(tenant: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> => {
    try {
      return await announcing(storage, changes, 'policy', tenant, '', fn);
    } finally {
      cache.invalidate(tenant);
    }
  };
  const checkName = (name: string, what: string) => {
    if (!NAME.test(name))
      throw fail('VALIDATION_FAILED', `A ${what} name is 1-63 lowercase letters, digits, ".", "_" or "-".`, [
        { path: 'name', message: 'invalid name' },
      ]);
    if (what === 'role' && isBuiltinRole(name))
      throw fail('VALIDATION_FAILED', `"${name}" is a built-in role.`, [{ path: 'name', message: 'reserved' }]);
  };

  const getPolicy = async (tenant: string, name: string): Promise<PolicyView> => {
    const r = await storage.withTenant(tenant, (ex) =>
      ex.selectFrom('policies').selectAll().where('tenant_id', '=', tenant).where('name', '=', name).executeTakeFirst(),
    );
    if (!r) throw fail('POLICY_NOT_FOUND', `No policy "${name}" in this tenant.`);
    return { name: r.name, description: r.description, rules: JSON.parse(r.rules), created_at: r.created_at, updated_at: r.updated_at };
  };

  return {
    getPolicy,
    async listPolicies(tenant: string): Promise<PolicyView[]> {
      const rows = await storage.withTenant(tenant, (ex) =>
        ex.selectFrom('policies').selectAll().where('tenant_id', '=', tenant).orderBy('name').execute(),
      );
      return rows.map((r) => ({
        name: r.name,
        description: r.description,
        rules: JSON.parse(r.rules),
        created_at: r.created_at,
        updated_at: r.updated_at,
      }));
    },
    async putPolicy(tenant: string, name: string, input: { description?: string | null; rules: PolicyRule[] }): Promise<PolicyView> {
      checkName(name, 'policy');
      const at = clock.now().toISOString();
      await change(tenant, async (trx) => {
        const exists = await trx
          .selectFrom('policies')
          .select('name')
          .where('tenant_id', '=', tenant)
          .where('name', '=', name)
          .executeTakeFirst();
        if (exists)
          await trx
            .updateTable('policies')
            .set({ description: input.description ?? null, rules: JSON.stringify(input.rules), updated_at: at })
            .where('tenant_id', '=', tenant)
            .where('name', '=', name)
            .execute();
        else
          await trx
            .insertInto('policies')
            .values({
              tenant_id: tenant,
              name,
              description: input.description ?? null,
              rules: JSON.stringify(input.rules),
              created_at: at,
              updated_at: at,
            })
            .execute();
      });
      return getPolicy(tenant, name);
    },
    async deletePolicy(tenant: string, name: string) {
      await getPolicy(tenant, name);
      const users = (await this.listRoles(tenant)).filter((r) => r.policies.includes(name)).map((r) => r.name);
      if (users.length) throw fail('POLICY_IN_USE', `Policy "${name}" is used by role(s) ${users.join(', ')}; remove it from them first.`);
      await change(tenant, (trx) => trx.deleteFrom('policies').where('tenant_id', '=', tenant).where('name', '=', name).execute());
      return { name, deleted: true };
    },
    async listRoles(tenant: string): Promise<RoleView[]> {
      const rows = await storage.withTenant(tenant, (ex) =>
        ex.selectFrom('roles').selectAll().where('tenant_id', '=', tenant).orderBy('name').execute(),
      );
      return [
        ...ROLES.map((r) => ({
          name: r,
          description: `Built-in role: ${builtinRoleRules(r)[0]!.actions.join(', ')} on every secret`,
          policies: [],
          builtin: true,
        })),
        ...rows.map((r) => ({ name: r.name, description: r.description, policies: JSON.parse(r.policies) as string[], builtin: false })),
      ];
    },
    async putRole(tenant: string, name: string, input: { description?: string | null; policies: string[] }): Promise<RoleView> {
      checkName(name, 'role');
      for (const p of input.policies) await getPolicy(tenant, p);
      const at = clock.now().toISOString();
      try {
        await change(tenant, async (trx) => {
          const exists = await trx
            .selectFrom('roles')
            .select('name')
            .where('tenant_id', '=', tenant)
            .where('name', '=', name)
            .executeTakeFirst();
          if (exists)
            await trx
              .updateTable('roles')
              .set({ description: input.description ?? null, policies: JSON.stringify(input.policies), updated_at: at })
              .where('tenant_id', '=', tenant)
              .where('name', '=', name)
              .execute();
          else
            await trx
              .insertInto('roles')
              .values({
                tenant_id: tenant,
                name,
                description: input.description ?? null,
                policies: JSON.stringify(input.policies),
                created_at: at,
                updated_at: at,
              })
              .execute();
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw fail('CONFLICT');
        throw e;
      }
      return { name, description: input.description ?? null, policies: input.policies, builtin: false };
    },
    async deleteRole(tenant: string, name: string) {
      const r = await change(tenant, async (trx) => {
        const grants = await trx
          .selectFrom('token_grants')
          .select('token_id')
          .where('tenant_id', '=', tenant)
          .where('role', '=', name)
          .limit(1)
          .execute();
        if (grants.length) throw fail('ROLE_IN_USE', `Role "${name}" is granted to tokens; revoke them or change their role first.`);
        return trx.deleteFrom('roles').where('tenant_id', '=', tenant).where('name', '=', name).executeTakeFirst();
      });
      if (Number(r.numDeletedRows) === 0) throw fail('ROLE_NOT_FOUND', `No custom role "${name}" in this tenant.`);
      return { name, deleted: true };
    },
    async roleExists(tenant: string, name: string): Promise<boolean> {
      if (isBuiltinRole(name)) return true;
      return Boolean(
        await storage.withTenant(tenant, (ex) =>
          ex.selectFrom('roles').select('name').where('tenant_id', '=', tenant).where('name', '=', name).executeTakeFirst(),
        ),
      );
    },
    /** The authorizer for a role in a tenant: built-in roles directly, custom roles from their policies. */
    async authorizerFor(tenant: string, role: string): Promise<Authorizer> {
      if (isBuiltinRole(role)) return builtinAuthorizer(role);
      const hit = cache.get(tenant, role);
      if (hit) return hit;
      const token = cache.token(tenant);
      const row = await storage.withTenant(tenant, (ex) =>
        ex.selectFrom('roles').select('policies').where('tenant_id', '=', tenant).where('name', '=', role).executeTakeFirst(),
      );
      const names: string[] = row ? JSON.parse(row.policies) : [];
      const rules: PolicyRule[] = [];
      for (const n of names) rules.push(...(await getPolicy(tenant, n).catch(() => ({ rules: [] as PolicyRule[] }))).rules);
      const authz = policyAuthorizer(rules); // an unknown role or no policies allows nothing
      cache.put(token, role, authz, 0);
      return authz;
    },
  };
};

export type PolicyService = ReturnType<typeof createPolicyService>;
