// HTTP routes of notifications: subscriptions (CRUD, test), deliveries and dead letters (list, retry),
// the channel kinds and event types, and the secrets that need a manual rotation. Handlers translate.
import { z } from 'zod';
import type { App } from '../../http/pipeline-types.js';
import { scopeOf } from '../../http/pipeline-types.js';
import type { SubscriptionService } from './subscription-service.js';
import type { DeadLetters } from './dead-letters.js';
import type { Reminders } from './reminders.js';
import type { Scope } from '../secrets/secret-service.js';
import { channelKinds } from './channels/channel-registry.js';
import { createSubscriptionBody, subscriptionId, updateSubscriptionBody } from './subscription-service.js';
import { NOTIFICATION_EVENT_TYPES } from './notification-types.js';

const tags = ['notifications'];
const idParams = z.object({ id: subscriptionId });

export interface NotificationRouteDeps {
  subscriptions: SubscriptionService;
  deadLetters: DeadLetters;
  reminders: Reminders;
  test(scope: Scope, id: string): Promise<{ delivered: boolean; event_id: string }>;
}

export const notificationRoutes =
  (f: NotificationRouteDeps) =>
  (app: App): void => {
    app.get(
      '/v1/notifications/channels',
      {
        config: { access: { tenant: true, action: 'list' }, audit: 'notification.channels' },
        schema: { tags, summary: 'The channel kinds and the event types a subscription can filter on' },
      },
      async () => ({ channels: channelKinds(), event_types: NOTIFICATION_EVENT_TYPES }),
    );

    app.post(
      '/v1/notifications/subscriptions',
      {
        config: { access: { tenant: true, action: 'admin' }, audit: 'notification.subscribe' },
        schema: {
          tags,
          summary: 'Add a subscription: a channel (webhook, slack, nats) and filters (event types, minimum criticality, name prefix)',
          body: createSubscriptionBody,
        },
      },
      async (req, reply) => {
        reply.code(201);
        return f.subscriptions.create(scopeOf(req), req.body);
      },
    );

    app.get(
      '/v1/notifications/subscriptions',
      {
        config: { access: { tenant: true, action: 'list' }, audit: 'notification.list' },
        schema: { tags, summary: 'List subscriptions (secret settings are never shown)' },
      },
      async (req) => ({ items: await f.subscriptions.list(scopeOf(req)) }),
    );

    app.get(
      '/v1/notifications/subscriptions/:id',
      {
        config: { access: { tenant: true, action: 'list' }, audit: 'notification.get' },
        schema: { tags, summary: 'One subscription', params: idParams },
      },
      async (req) => f.subscriptions.get(scopeOf(req), req.params.id),
    );

    app.patch(
      '/v1/notifications/subscriptions/:id',
      {
        config: { access: { tenant: true, action: 'admin' }, audit: 'notification.update' },
        schema: {
          tags,
          summary: "Change a subscription's filters, settings or enabled switch (secret settings not given are kept)",
          params: idParams,
          body: updateSubscriptionBody,
        },
      },
      async (req) => f.subscriptions.update(scopeOf(req), req.params.id, req.body),
    );

    app.delete(
      '/v1/notifications/subscriptions/:id',
      {
        config: { access: { tenant: true, action: 'admin' }, audit: 'notification.unsubscribe' },
        schema: { tags, summary: 'Remove a subscription and what it still had to deliver', params: idParams },
      },
      async (req) => f.subscriptions.remove(scopeOf(req), req.params.id),
    );

    app.post(
      '/v1/notifications/subscriptions/:id/test',
      {
        config: { access: { tenant: true, action: 'admin' }, audit: 'notification.test' },
        schema: { tags, summary: 'Send a test event to the subscription now (not through the outbox)', params: idParams },
      },
      async (req) => f.test(scopeOf(req), req.params.id),
    );

    const listQuery = z
      .object({ subscription: subscriptionId.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) })
      .strict();
    app.get(
      '/v1/notifications/deliveries',
      {
        config: { access: { tenant: true, action: 'list' }, audit: 'notification.deliveries' },
        schema: {
          tags,
          summary: 'Deliveries in the outbox by status (pending, delivered, dead)',
          querystring: listQuery.extend({ status: z.enum(['pending', 'delivered', 'dead']).default('pending') }),
        },
      },
      async (req) => f.deadLetters.list(scopeOf(req), req.query),
    );

    app.get(
      '/v1/notifications/dead-letters',
      {
        config: { access: { tenant: true, action: 'list' }, audit: 'notification.dead_letters' },
        schema: { tags, summary: 'Deliveries that failed notifications.maxAttempts times', querystring: listQuery },
      },
      async (req) => f.deadLetters.list(scopeOf(req), { ...req.query, status: 'dead' }),
    );

    app.post(
      '/v1/notifications/dead-letters/:id/retry',
      {
        config: { access: { tenant: true, action: 'admin' }, audit: 'notification.retry' },
        schema: {
          tags,
          summary: 'Send a dead-lettered delivery again (attempts start over)',
          params: z.object({
            id: z.string().regex(/^[1-9][0-9]{0,15}$/, 'a delivery id (a positive whole number) from GET /v1/notifications/dead-letters'),
          }),
        },
      },
      async (req) => f.deadLetters.retry(scopeOf(req), Number(req.params.id)),
    );

    app.post(
      '/v1/notifications/dead-letters/retry',
      {
        config: { access: { tenant: true, action: 'admin' }, audit: 'notification.retry' },
        schema: {
          tags,
          summary: 'Send every dead-lettered delivery again (of one subscription, when given)',
          body: z.object({ subscription: subscriptionId.optional() }).strict().nullish(),
        },
      },
      async (req) => f.deadLetters.retryAll(scopeOf(req), req.body?.subscription),
    );

    app.get(
      '/v1/notifications/manual-rotations',
      {
        config: { access: { tenant: true, action: 'list' }, audit: 'notification.manual_rotations' },
        schema: {
          tags,
          summary: 'Secrets with an expiry date and no automatic rotation that are expired or expire within `within_days`',
          querystring: z.object({ within_days: z.coerce.number().int().min(0).max(3650).default(30) }).strict(),
        },
      },
      async (req) => ({ items: await f.reminders.manualRotations(scopeOf(req), req.query.within_days) }),
    );
  };
