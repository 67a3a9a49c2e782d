// The notification model: event types delivered to subscriptions, criticality order, the payload
// every channel sends (an id consumers deduplicate on; never a secret value), and subscription filters.
import { CRITICALITIES, type Criticality } from '../secrets/secret-types.js';

export const NOTIFICATION_EVENT_TYPES = [
  'secret.changed',
  'secret.rotated',
  'secret.rotation_failed',
  'secret.rolled_back',
  'secret.rotation_overdue',
  'secret.emergency_rotated',
  'secret.expiry_reminder',
  'anomaly.detected',
  'provider.unreachable',
  'audit.sink_failing',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];
export { CRITICALITIES, type Criticality };

/** What a feature hands the outbox. `secret` names the secret the event is about (filters by name
 *  prefix and criticality); events about no secret carry a criticality of their own. */
export interface OutboxEvent {
  type: NotificationEventType;
  tenant: string;
  time: string;
  secret?: { name: string; criticality?: string | null };
  criticality?: Criticality;
  /** Facts about the change: names, versions, run ids, error codes. Never a value. */
  data: Record<string, unknown>;
}

/** The JSON body every channel delivers (Slack renders it as text and blocks). */
export interface NotificationPayload {
  id: string;
  type: NotificationEventType;
  time: string;
  tenant: string;
  criticality: Criticality;
  secret: string | null;
  data: Record<string, unknown>;
}

/** Keys that could hold secret material; they are never copied into a payload, whatever a caller passes. */
const FORBIDDEN_KEYS = /^(value|values|plaintext|secret_value|credential|credentials|password|token|private_key|signing_secret)$/i;
export const sanitizeData = (data: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (FORBIDDEN_KEYS.test(k) || v === undefined) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out[k] = sanitizeData(v as Record<string, unknown>);
    else if (Array.isArray(v)) out[k] = v.filter((x) => x === null || typeof x !== 'object');
    else out[k] = v;
  }
  return out;
};

export const criticalityRank = (c: string | null | undefined): number => {
  const i = CRITICALITIES.indexOf((c ?? 'medium') as Criticality);
  return i < 0 ? 1 : i;
};

/** Criticality of events about no secret. */
export const SYSTEM_CRITICALITY: Partial<Record<NotificationEventType, Criticality>> = {
  'audit.sink_failing': 'critical',
  'provider.unreachable': 'high',
  'anomaly.detected': 'high',
};

export interface SubscriptionFilter {
  event_types: string[];
  min_criticality: string | null;
  name_prefix: string | null;
}

/** Whether a subscription wants an event: its type listed (or none listed), criticality at least the
 *  minimum, and the secret's name under the prefix (events about no secret never match a prefix). */
export const matches = (f: SubscriptionFilter, type: string, criticality: string, secret: string | null): boolean => {
  if (f.event_types.length && !f.event_types.includes(type)) return false;
  if (f.min_criticality && criticalityRank(criticality) < criticalityRank(f.min_criticality)) return false;
  if (f.name_prefix && (secret === null || !secret.startsWith(f.name_prefix))) return false;
  return true;
};
