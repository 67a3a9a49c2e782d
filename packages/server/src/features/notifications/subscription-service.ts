// Notification subscriptions per tenant: a channel (webhook, slack, nats) with its settings, filters
// (event types, minimum criticality, secret name prefix) and an on/off switch. Secret settings (signing
// secrets, Slack URLs, NATS credentials) are sealed by the barrier, bound to tenant and id; listings
// never show them. Destinations pass the egress policy when saved (and again before each send).
import { z } from 'zod';
import type { Barrier } from '../../barrier/barrier.js';
import type { StorageHandle, Executor } from '../../storage/database.js';
import { isUniqueViolation } from '../../storage/database.js';
import type { Transaction } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { knownEmpty } from '../../storage/change-feed.js';
import type { Clock } from '../../lib/clock.js';
import { fail, isKeyhavenError } from '../../lib/errors.js';
import { checkEgressAll, type EgressPolicy } from '../../lib/egress.js';
import type { Scope } from '../secrets/secret-service.js';
import { getChannel } from './channels/channel-registry.js';
import type { ChannelSender } from './channels/channel-types.js';
import { CRITICALITIES, NOTIFICATION_EVENT_TYPES } from './notification-types.js';

export const subscriptionId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, "_" and "-", at most 64 characters');
const filters = {
  event_types: z
    .array(z.enum(NOTIFICATION_EVENT_TYPES, { errorMap: () => ({ message: `one of ${NOTIFICATION_EVENT_TYPES.join(', ')}` }) }))
    .max(32)
    .optional(),
  min_criticality: z.enum(CRITICALITIES).nullable().optional(),
  name_prefix: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[A-Za-z0-9._/-]+$/, 'letters, digits, ".", "_", "-" and "/"')
    .nullable()
    .optional(),
  enabled: z.boolean().optional(),
};
export const createSubscriptionBody = z
  .object({ id: subscriptionId, channel: z.string().min(1).max(32), config: z.record(z.unknown()), ...filters })
  .strict();
export const updateSubscriptionBody = z.object({ config: z.record(z.unknown()).optional(), ...filters }).strict();
export type CreateSubscriptionBody = z.infer<typeof createSubscriptionBody>;
export type UpdateSubscriptionBody = z.infer<typeof updateSubscriptionBody>;

export interface SubscriptionRow {
  tenant_id: string;
  id: string;
  kind: string;
  config: string;
  sealed: string | null;
  event_types: string;
  min_criticality: string | null;
  name_prefix: string | null;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface SubscriptionView {
  id: string;
  channel: string;
  config: Record<string, unknown>;
  secret: Record<string, unknown>;
  event_types: string[];
  min_criticality: string | null;
  name_prefix: string | null;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

/** The AAD of a subscription's sealed settings (the keyring rotation re-wraps them under it). */
export const subscriptionAad = (tenant: string, id: string) => `notification-subscription:${tenant}:${id}`;
const aadOf = subscriptionAad;

export const createSubscriptionService = (deps: {
  storage: StorageHandle;
  barrier: Barrier;
  clock: Clock;
  egress: EgressPolicy;
  /** PostgreSQL: the outbox's memory of tenants without subscriptions (change-feed.ts knownEmpty). */
  noSubscriptions?: Pick<ReturnType<typeof knownEmpty>, 'announce' | 'forget'>;
}) => {
  const { storage, barrier } = deps;
  /** A change of a tenant's subscriptions: announced in its transaction, forgotten here after it. */
  const changing = async <T>(tenant: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> => {
    try {
      return await storage.transaction(tenant, async (trx) => {
        const out = await fn(trx);
        await deps.noSubscriptions?.announce(trx, tenant);
        return out;
      });
    } finally {
      deps.noSubscriptions?.forget(tenant);
    }
  };
  const now = () => deps.clock.now().toISOString();

  const parseChannel = (kind: string, config: Record<string, unknown>) => {
    const def = getChannel(kind);
    const r = def.schema.safeParse(config);
    if (!r.success) {
      const problems = r.error.issues.map((i) => ({ path: ['config', ...i.path].join('.'), message: i.message }));
      throw fail(
        'NOTIFICATION_CONFIG_INVALID',
        `The ${kind} settings are invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}.`,
        problems,
      );
    }
    return { def, ...def.split(r.data) };
  };

  const openSecret = (row: SubscriptionRow): Record<string, unknown> | null =>
    row.sealed
      ? (JSON.parse(barrier.open(JSON.parse(row.sealed), aadOf(row.tenant_id, row.id)).toString('utf8')) as Record<string, unknown>)
      : null;
  const seal = (tenant: string, id: string, secret: unknown) =>
    secret ? JSON.stringify(barrier.seal(Buffer.from(JSON.stringify(secret), 'utf8'), aadOf(tenant, id))) : null;

  const view = (row: SubscriptionRow): SubscriptionView => {
    const def = getChannel(row.kind);
    let secret: Record<string, unknown>;
    try {
      secret = def.describeSecret(openSecret(row));
    } catch {
      secret = { error: 'the sealed settings could not be opened' };
    }
    return {
      id: row.id,
      channel: row.kind,
      config: JSON.parse(row.config) as Record<string, unknown>,
      secret,
      event_types: JSON.parse(row.event_types) as string[],
      min_criticality: row.min_criticality,
      name_prefix: row.name_prefix,
      enabled: row.enabled === 1,
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  };

  const get = (ex: Executor, tenant: string, id: string) =>
    ex
      .selectFrom('notification_subscriptions')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .executeTakeFirst() as Promise<SubscriptionRow | undefined>;
  const requireRow = async (tenant: string, id: string) => {
    const row = await storage.withTenant(tenant, (ex) => get(ex, tenant, id));
    if (!row)
      throw fail(
        'NOTIFICATION_SUBSCRIPTION_NOT_FOUND',
        `No notification subscription "${id}" in this tenant; list them with GET /v1/notifications/subscriptions.`,
      );
    return row;
  };

  return {
    async create(scope: Scope, body: CreateSubscriptionBody) {
      const { def, config, secret, generated } = parseChannel(body.channel, body.config);
      await checkEgressAll(deps.egress, def.destinations(config, secret));
      const at = now();
      const row: SubscriptionRow = {
        tenant_id: scope.tenant,
        id: body.id,
        kind: def.kind,
        config: JSON.stringify(config),
        sealed: seal(scope.tenant, body.id, secret),
        event_types: JSON.stringify(body.event_types ?? []),
        min_criticality: body.min_criticality ?? null,
        name_prefix: body.name_prefix ?? null,
        enabled: body.enabled === false ? 0 : 1,
        created_at: at,
        updated_at: at,
      };
      try {
        await changing(scope.tenant, (trx) => trx.insertInto('notification_subscriptions').values(row).execute());
      } catch (e) {
        if (isUniqueViolation(e) || (isKeyhavenError(e) && e.code === 'CONFLICT' && isUniqueViolation(e.cause)))
          throw fail(
            'NOTIFICATION_SUBSCRIPTION_EXISTS',
            `A notification subscription "${body.id}" already exists in this tenant; update it with PATCH or choose another id.`,
          );
        throw e;
      }
      // A generated signing secret is shown once, here; it is never listed again.
      return { ...view(row), ...(generated ? { generated } : {}) };
    },

    async list(scope: Scope) {
      const rows = (await storage.withTenant(scope.tenant, (ex) =>
        ex.selectFrom('notification_subscriptions').selectAll().where('tenant_id', '=', scope.tenant).orderBy('id').execute(),
      )) as SubscriptionRow[];
      return rows.map(view);
    },

    async get(scope: Scope, id: string) {
      return view(await requireRow(scope.tenant, id));
    },

    async update(scope: Scope, id: string, body: UpdateSubscriptionBody) {
      const row = await requireRow(scope.tenant, id);
      const patch: Partial<SubscriptionRow> = { updated_at: now() };
      if (body.config) {
        // Secret fields not given again are kept (a new webhook URL keeps its signing secret).
        const merged = { ...(openSecret(row) ?? {}), ...body.config };
        const { def, config, secret } = parseChannel(row.kind, merged);
        await checkEgressAll(deps.egress, def.destinations(config, secret));
        patch.config = JSON.stringify(config);
        patch.sealed = seal(scope.tenant, id, secret);
      }
      if (body.event_types !== undefined) patch.event_types = JSON.stringify(body.event_types);
      if (body.min_criticality !== undefined) patch.min_criticality = body.min_criticality;
      if (body.name_prefix !== undefined) patch.name_prefix = body.name_prefix;
      if (body.enabled !== undefined) patch.enabled = body.enabled ? 1 : 0;
      await changing(scope.tenant, (trx) =>
        trx.updateTable('notification_subscriptions').set(patch).where('tenant_id', '=', scope.tenant).where('id', '=', id).execute(),
      );
      return view({ ...row, ...patch });
    },

    /** Removes the subscription and whatever it still had to deliver. */
    async remove(scope: Scope, id: string) {
      await requireRow(scope.tenant, id);
      await changing(scope.tenant, async (trx) => {
        await trx.deleteFrom('notification_outbox').where('tenant_id', '=', scope.tenant).where('subscription_id', '=', id).execute();
        await trx.deleteFrom('notification_subscriptions').where('tenant_id', '=', scope.tenant).where('id', '=', id).execute();
      });
      return { id, deleted: true };
    },

    /** A sender for a stored subscription (system work: the delivery worker). */
    senderOf(row: SubscriptionRow, ctx: Parameters<ReturnType<typeof getChannel>['create']>[2]): ChannelSender {
      return getChannel(row.kind).create(JSON.parse(row.config), openSecret(row), ctx);
    },
    rowOf: (tenant: string, id: string) => storage.withTenant(tenant, (ex) => get(ex, tenant, id)),
    requireRow,
  };
};

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;
