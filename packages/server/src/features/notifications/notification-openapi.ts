// The documented responses of the notification routes: subscriptions, deliveries and dead letters,
// retries, the channel kinds and the manual-rotation reminders (OpenAPI; documentation only, see
// http/openapi). Secret settings are described only as "stored"/"none", never shown.
import {
  arr,
  bool,
  constant,
  created,
  dateTime,
  int,
  map,
  nullable,
  num,
  obj,
  ok,
  oneOf,
  ref,
  str,
  type FeatureDocs,
} from '../../lib/json-schema.js';
import { CRITICALITIES } from '../secrets/secret-types.js';

const subscription = obj({
  id: str,
  channel: str,
  config: map({}),
  secret: map(str),
  event_types: arr(str),
  min_criticality: nullable(oneOf(...CRITICALITIES)),
  name_prefix: nullable(str),
  enabled: bool,
  created_at: dateTime,
  updated_at: dateTime,
});
const delivery = obj({
  id: int,
  event_id: str,
  subscription: str,
  type: str,
  secret: nullable(str),
  status: oneOf('pending', 'delivered', 'dead'),
  attempts: int,
  last_error: nullable(str),
  next_attempt_at: dateTime,
  created_at: dateTime,
  delivered_at: nullable(dateTime),
});
const deliveries = obj({ items: arr(ref('NotificationDelivery')) });
const retried = ok('How many dead letters were queued again', obj({ retried: int }));

export const notificationDocs: FeatureDocs = {
  schemas: { NotificationSubscription: subscription, NotificationDelivery: delivery },
  operations: {
    'GET /v1/notifications/channels': {
      operationId: 'notifications.channels',
      responses: ok('Channel kinds and event types', obj({ channels: arr(obj({ kind: str, display_name: str })), event_types: arr(str) })),
    },
    'POST /v1/notifications/subscriptions': {
      operationId: 'notifications.subscriptions.create',
      responses: created('The new subscription; a generated signing secret is shown here once', {
        ...subscription,
        properties: { ...(subscription.properties as object), generated: map(str) },
      }),
    },
    'GET /v1/notifications/subscriptions': {
      operationId: 'notifications.subscriptions.list',
      responses: ok('Subscriptions, by id', obj({ items: arr(ref('NotificationSubscription')) })),
    },
    'GET /v1/notifications/subscriptions/{id}': {
      operationId: 'notifications.subscriptions.get',
      responses: ok('One subscription', ref('NotificationSubscription')),
    },
    'PATCH /v1/notifications/subscriptions/{id}': {
      operationId: 'notifications.subscriptions.update',
      responses: ok('The subscription as changed', ref('NotificationSubscription')),
    },
    'DELETE /v1/notifications/subscriptions/{id}': {
      operationId: 'notifications.subscriptions.delete',
      responses: ok('Removed, with what it still had to deliver', obj({ id: str, deleted: constant(true) })),
    },
    'POST /v1/notifications/subscriptions/{id}/test': {
      operationId: 'notifications.subscriptions.test',
      responses: ok('The test event was delivered (a failure is NOTIFICATION_TEST_FAILED)', obj({ delivered: bool, event_id: str })),
    },
    'GET /v1/notifications/deliveries': { operationId: 'notifications.deliveries', responses: ok('Deliveries by status', deliveries) },
    'GET /v1/notifications/dead-letters': {
      operationId: 'notifications.deadLetters',
      responses: ok('Deliveries that gave up', deliveries),
    },
    'POST /v1/notifications/dead-letters/{id}/retry': { operationId: 'notifications.deadLetters.retry', responses: retried },
    'POST /v1/notifications/dead-letters/retry': { operationId: 'notifications.deadLetters.retryAll', responses: retried },
    'GET /v1/notifications/manual-rotations': {
      operationId: 'notifications.manualRotations',
      responses: ok(
        'Secrets waiting for a person to rotate them',
        obj({
          items: arr(
            obj({
              name: str,
              expires_at: dateTime,
              days_left: num,
              status: oneOf('expired', 'expiring'),
              criticality: nullable(str),
              owner: nullable(str),
              type: nullable(str),
            }),
          ),
        }),
      ),
    },
  },
};
