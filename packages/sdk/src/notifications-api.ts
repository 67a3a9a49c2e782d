// SDK methods for notifications: subscriptions (webhook, slack, nats) with filters, test sends,
// outbox deliveries and dead letters (list, retry), and secrets that need a manual rotation.
type Request = <T>(
  method: string,
  path: string,
  o?: { query?: Record<string, string | number | boolean | undefined>; body?: unknown; tenant?: boolean },
) => Promise<T>;

export type NotificationChannel = 'webhook' | 'slack' | 'nats';
export interface NotificationSubscriptionInput {
  id: string;
  channel: NotificationChannel | string;
  config: Record<string, unknown>;
  event_types?: string[];
  min_criticality?: 'low' | 'medium' | 'high' | 'critical' | null;
  name_prefix?: string | null;
  enabled?: boolean;
}
export interface NotificationSubscription {
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
export interface NotificationDelivery {
  id: number;
  event_id: string;
  subscription: string;
  type: string;
  secret: string | null;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  last_error: string | null;
  next_attempt_at: string;
  created_at: string;
  delivered_at: string | null;
}
export interface ManualRotation {
  name: string;
  expires_at: string;
  days_left: number;
  status: 'expired' | 'expiring';
  criticality: string;
  owner: string | null;
  type: string;
}

const enc = encodeURIComponent;

export const notificationsApi = (request: Request) => ({
  notifications: {
    channels: () =>
      request<{ channels: Array<{ kind: string; display_name: string }>; event_types: string[] }>('GET', '/v1/notifications/channels'),
    subscribe: (input: NotificationSubscriptionInput) =>
      request<NotificationSubscription & { generated?: Record<string, string> }>('POST', '/v1/notifications/subscriptions', {
        body: input,
      }),
    list: () => request<{ items: NotificationSubscription[] }>('GET', '/v1/notifications/subscriptions'),
    get: (id: string) => request<NotificationSubscription>('GET', `/v1/notifications/subscriptions/${enc(id)}`),
    update: (id: string, patch: Partial<Omit<NotificationSubscriptionInput, 'id' | 'channel'>>) =>
      request<NotificationSubscription>('PATCH', `/v1/notifications/subscriptions/${enc(id)}`, { body: patch }),
    remove: (id: string) => request<{ id: string; deleted: boolean }>('DELETE', `/v1/notifications/subscriptions/${enc(id)}`),
    test: (id: string) => request<{ delivered: boolean; event_id: string }>('POST', `/v1/notifications/subscriptions/${enc(id)}/test`),
    deliveries: (o: { status?: 'pending' | 'delivered' | 'dead'; subscription?: string; limit?: number } = {}) =>
      request<{ items: NotificationDelivery[] }>('GET', '/v1/notifications/deliveries', { query: o }),
    deadLetters: (o: { subscription?: string; limit?: number } = {}) =>
      request<{ items: NotificationDelivery[] }>('GET', '/v1/notifications/dead-letters', { query: o }),
    retry: (id: number) => request<{ retried: number }>('POST', `/v1/notifications/dead-letters/${id}/retry`),
    retryAll: (subscription?: string) =>
      request<{ retried: number }>('POST', '/v1/notifications/dead-letters/retry', { body: subscription ? { subscription } : {} }),
    manualRotations: (withinDays?: number) =>
      request<{ items: ManualRotation[] }>('GET', '/v1/notifications/manual-rotations', { query: { within_days: withinDays } }),
  },
});
