// Tokens: created with a role over a tenant (or root over all), optionally expiring, revocable.
// Only a SHA-256 hash is stored; the token itself is shown once, at creation.
import * as nodeCrypto from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { StorageHandle } from '../../storage/database.js';
import { fail } from '../../lib/errors.js';
import { randomBase62 } from '../../lib/ids.js';
import type { Clock } from '../../lib/clock.js';
import { isRole, roleRank, type Role } from '../access/roles.js';
import { cidrsAllow } from '../../lib/cidr.js';

/** A grant's role: a built-in role or the name of a custom role of the tenant. */
export type RoleName = Role | (string & {});

export type TokenKind = 'root' | 'personal' | 'service';

export interface TokenRecord {
  id: string;
  name: string;
  kind: TokenKind;
  isRoot: boolean;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  hash: string;
  /** CIDRs the token may be used from (tokens a login issued with token_bound_cidrs). */
  boundCidrs: string[] | null;
}

/** What a login (AppRole, Kubernetes, JWT) gave the token. */
export interface TokenIdentity {
  method: string;
  role: string;
  subject: string | null;
  metadata: Record<string, string>;
}

export interface TokenView {
  id: string;
  name: string;
  kind: TokenKind;
  role: RoleName | null;
  tenant: string | null;
  is_root: boolean;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_by: string | null;
  /** Set for tokens a login issued: the method, the login role, and who logged in. */
  identity: TokenIdentity | null;
  max_expires_at: string | null;
}

type ViewRow = {
  id: string;
  name: string;
  kind: string;
  is_root: number;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_by: string | null;
  auth_method?: string | null;
  auth_role?: string | null;
  auth_identity?: string | null;
  auth_metadata?: string | null;
  max_expires_at?: string | null;
};

const identityOf = (row: ViewRow): TokenIdentity | null => {
  if (!row.auth_method) return null;
  let metadata: Record<string, string> = {};
  try {
    metadata = row.auth_metadata ? (JSON.parse(row.auth_metadata) as Record<string, string>) : {};
  } catch {
    /* unreadable: none */
  }
  return { method: row.auth_method, role: row.auth_role ?? '', subject: row.auth_identity ?? null, metadata };
};

/** SHA-256 hex of a token; the one-shot `crypto.hash` where Node has it (20.12+), else a Hash object. */
export const hashToken: (token: string) => string =
  typeof nodeCrypto.hash === 'function'
    ? (token) => nodeCrypto.hash('sha256', token, 'hex')
    : (token) => createHash('sha256').update(token, 'utf8').digest('hex');

const AUTH_CACHE_MS = 1000;
const LAST_USED_EVERY_MS = 60_000;

export const createTokenService = (deps: { storage: StorageHandle; clock: Clock }) => {
  const { storage, clock } = deps;
  const cache = new Map<string, { rec: TokenRecord | null; at: number }>();
  const grantCache = new Map<string, { role: RoleName | null; at: number }>();
  const lastUsedWritten = new Map<string, number>();

  const load = async (hash: string): Promise<TokenRecord | null> => {
    const now = Date.now();
    const hit = cache.get(hash);
    if (hit && now - hit.at < AUTH_CACHE_MS) return hit.rec;
    const row = await storage.db.selectFrom('tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
    const rec: TokenRecord | null = row
      ? {
          id: row.id,
          name: row.name,
          kind: row.kind as TokenKind,
          isRoot: row.is_root === 1,
          expiresAt: row.expires_at,
          revokedAt: row.revoked_at,
          lastUsedAt: row.last_used_at,
          hash: row.token_hash,
          boundCidrs: row.bound_cidrs ? (JSON.parse(row.bound_cidrs) as string[]) : null,
        }
      : null;
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { rec, at: now });
    return rec;
  };

  const touch = (rec: TokenRecord) => {
    const now = Date.now();
    if (now - (lastUsedWritten.get(rec.id) ?? 0) < LAST_USED_EVERY_MS) return;
    lastUsedWritten.set(rec.id, now);
    storage.db
      .updateTable('tokens')
      .set({ last_used_at: clock.now().toISOString() })
      .where('id', '=', rec.id)
      .execute()
      .catch(() => {});
  };

  const view = (row: ViewRow, grant?: { tenant_id: string; role: string }): TokenView => ({
    id: row.id,
    name: row.name,
    kind: row.kind as TokenKind,
    is_root: row.is_root === 1,
    role: grant?.role ?? (row.is_root ? 'admin' : null),
    tenant: grant?.tenant_id ?? null,
    created_at: row.created_at,
    expires_at: row.expires_at,
    revoked_at: row.revoked_at,
    last_used_at: row.last_used_at,
    created_by: row.created_by,
    identity: identityOf(row),
    max_expires_at: row.max_expires_at ?? null,
  });

  return {
    /** Resolves a presented token; constant-time comparison of the stored hash. */
    async authenticate(token: string, source?: string): Promise<TokenRecord> {
      const hash = hashToken(token);
      const rec = await load(hash);
      if (!rec || !timingSafeEqual(Buffer.from(rec.hash, 'hex'), Buffer.from(hash, 'hex')))
        throw fail('UNAUTHENTICATED', 'The token is not valid.');
      if (rec.revokedAt) throw fail('TOKEN_REVOKED');
      if (rec.expiresAt && rec.expiresAt <= clock.now().toISOString()) throw fail('TOKEN_EXPIRED');
      if (!cidrsAllow(rec.boundCidrs, source))
        throw fail('AUTH_SOURCE_NOT_ALLOWED', 'The token may only be used from the CIDRs its login role binds it to (token_bound_cidrs).');
      touch(rec);
      return rec;
    },

    /** The token's role in a tenant, or null when it has none there. */
    async roleIn(rec: TokenRecord, tenant: string): Promise<RoleName | null> {
      if (rec.isRoot) return 'admin';
      const key = `${rec.id}\u0000${tenant}`;
      const now = Date.now();
      const hit = grantCache.get(key);
      if (hit && now - hit.at < AUTH_CACHE_MS) return hit.role;
      const [row] = await storage.readScoped<{ role: RoleName }>(
        tenant,
        storage.db.selectFrom('token_grants').select('role').where('token_id', '=', rec.id).where('tenant_id', '=', tenant).compile(),
      );
      const role = row ? row.role : null;
      if (grantCache.size > 10_000) grantCache.clear();
      grantCache.set(key, { role, at: now });
      return role;
    },

    async tenantsOf(rec: TokenRecord): Promise<string[] | undefined> {
      if (rec.isRoot) return undefined;
      const rows = await storage.readScoped<{ tenant_id: string }>(
        '*',
        storage.db.selectFrom('token_grants').select('tenant_id').where('token_id', '=', rec.id).compile(),
      );
      return rows.map((r) => r.tenant_id);
    },

    /** Creates a token; `token` in the result is the only time the secret is visible. */
    async create(input: {
      name: string;
      kind: TokenKind;
      tenant?: string;
      role?: RoleName;
      ttlSeconds?: number;
      isRoot?: boolean;
      createdBy: string | null;
      creatorRole?: RoleName;
      presetToken?: string;
      /** A login's token: its identity, max TTL and CIDR binding. */
      login?: { identity: TokenIdentity; maxTtlSeconds?: number; boundCidrs?: string[] };
    }) {
      if (!input.isRoot) {
        if (!input.tenant || !input.role) throw fail('VALIDATION_FAILED', 'A token needs a tenant and a role.');
        if (input.creatorRole && isRole(input.role) && isRole(input.creatorRole) && roleRank(input.role) > roleRank(input.creatorRole))
          throw fail('ROLE_NOT_ALLOWED', `A token with role "${input.creatorRole}" cannot create a token with role "${input.role}".`);
      }
      const idPart = randomBase62(12);
      const id = `tok_${idPart}`;
      const token = input.presetToken ?? `khv_${idPart}_${randomBase62(32)}`;
      const created = clock.now();
      const expires = input.ttlSeconds ? new Date(created.getTime() + input.ttlSeconds * 1000).toISOString() : null;
      const row = {
        id,
        name: input.name,
        token_hash: hashToken(token),
        kind: input.isRoot ? 'root' : input.kind,
        is_root: input.isRoot ? 1 : 0,
        created_at: created.toISOString(),
        expires_at: expires,
        revoked_at: null,
        last_used_at: null,
        created_by: input.createdBy,
        ttl_seconds: input.ttlSeconds ?? null,
        auth_method: input.login?.identity.method ?? null,
        auth_role: input.login?.identity.role ?? null,
        auth_identity: input.login?.identity.subject ?? null,
        auth_metadata: input.login ? JSON.stringify(input.login.identity.metadata) : null,
        max_expires_at: input.login?.maxTtlSeconds ? new Date(created.getTime() + input.login.maxTtlSeconds * 1000).toISOString() : null,
        bound_cidrs: input.login?.boundCidrs?.length ? JSON.stringify(input.login.boundCidrs) : null,
      };
      const grant = input.isRoot ? undefined : { token_id: id, tenant_id: input.tenant!, role: input.role! };
      await storage.transaction(input.tenant ?? '*', async (trx) => {
        await trx.insertInto('tokens').values(row).execute();
        if (grant) await trx.insertInto('token_grants').values(grant).execute();
      });
      return { ...view(row, grant), token };
    },

    async list(tenant: string): Promise<TokenView[]> {
      const rows = await storage.withTenant(tenant, (ex) =>
        ex
          .selectFrom('token_grants as g')
          .innerJoin('tokens as t', 't.id', 'g.token_id')
          .select([
            't.id',
            't.name',
            't.kind',
            't.is_root',
            't.created_at',
            't.expires_at',
            't.revoked_at',
            't.last_used_at',
            't.created_by',
            'g.tenant_id',
            'g.role',
            't.auth_method',
            't.auth_role',
            't.auth_identity',
            't.auth_metadata',
            't.max_expires_at',
          ])
          .where('g.tenant_id', '=', tenant)
          .orderBy('t.created_at')
          .execute(),
      );
      return rows.map((r) => view(r, r));
    },

    async get(tenant: string, id: string): Promise<TokenView> {
      const found = (await this.list(tenant)).find((t) => t.id === id);
      if (!found) throw fail('TOKEN_NOT_FOUND', `No token "${id}" in this tenant.`);
      return found;
    },

    async revoke(tenant: string, id: string): Promise<TokenView> {
      const found = await this.get(tenant, id);
      const at = clock.now().toISOString();
      await storage.db.updateTable('tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
      cache.clear();
      return { ...found, revoked_at: found.revoked_at ?? at };
    },

    async self(rec: TokenRecord) {
      const row = await storage.db.selectFrom('tokens').selectAll().where('id', '=', rec.id).executeTakeFirstOrThrow();
      const grants = await storage.readScoped<{ tenant_id: string; role: string }>(
        '*',
        storage.db.selectFrom('token_grants').select(['tenant_id', 'role']).where('token_id', '=', rec.id).compile(),
      );
      const { token_hash: _hidden, bound_cidrs: cidrs, ...rest } = row;
      return {
        ...view(rest),
        ttl_seconds: row.ttl_seconds,
        bound_cidrs: cidrs ? (JSON.parse(cidrs) as string[]) : null,
        grants: grants.map((g) => ({ tenant: g.tenant_id, role: g.role })),
      };
    },

    /** Moves the expiry of a token with a TTL to now + TTL (a shorter TTL may be asked). */
    async renew(rec: TokenRecord, ttlSeconds?: number) {
      const row = await storage.db
        .selectFrom('tokens')
        .select(['ttl_seconds', 'max_expires_at'])
        .where('id', '=', rec.id)
        .executeTakeFirstOrThrow();
      if (!row.ttl_seconds) throw fail('VALIDATION_FAILED', 'This token does not expire, so it needs no renewal.');
      const ttl = Math.min(ttlSeconds ?? row.ttl_seconds, row.ttl_seconds);
      let expires = new Date(clock.now().getTime() + ttl * 1000).toISOString();
      // A login's token never outlives its role's max TTL, however often it is renewed.
      if (row.max_expires_at && expires > row.max_expires_at) expires = row.max_expires_at;
      await storage.db
        .updateTable('tokens')
        .set({ expires_at: expires })
        .where('id', '=', rec.id)
        .where('revoked_at', 'is', null)
        .execute();
      cache.clear();
      return this.self(rec);
    },

    /** Revokes the calling token (Vault's revoke-self, `keyhaven logout`). */
    async revokeSelf(rec: TokenRecord) {
      await storage.db
        .updateTable('tokens')
        .set({ revoked_at: clock.now().toISOString() })
        .where('id', '=', rec.id)
        .where('revoked_at', 'is', null)
        .execute();
      cache.clear();
      return { id: rec.id, revoked: true };
    },

    async count(): Promise<number> {
      const r = await storage.db
        .selectFrom('tokens')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
};

export type TokenService = ReturnType<typeof createTokenService>;
