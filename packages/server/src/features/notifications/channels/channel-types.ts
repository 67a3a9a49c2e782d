// The channel plugin interface: each kind (webhook, slack, nats) describes itself with a config schema
// split into public settings and secret settings (sealed by the barrier), the destinations the egress
// policy must admit, and a sender. Dispatch is a registry lookup (channel-registry.ts).
import type { z } from 'zod';
import type { EgressPolicy } from '../../../lib/egress.js';
import type { NotificationPayload } from '../notification-types.js';

export interface Delivery {
  payload: NotificationPayload;
  body: string;
}

export interface ChannelSender {
  send(d: Delivery): Promise<void>;
  close?(): Promise<void>;
}

export interface ChannelContext {
  egress: EgressPolicy;
  timeoutMs: number;
  now: () => Date;
}

export interface ChannelDefinition<C = Record<string, unknown>, S = Record<string, unknown>> {
  kind: string;
  displayName: string;
  /** The body a client sends (public and secret fields together). */
  schema: z.ZodType<C & S>;
  /** Splits a validated body; `generated` names secret fields the server made (returned once). */
  split(input: C & S): { config: C; secret: S | null; generated?: Record<string, string> };
  /** Destinations the egress policy must admit (checked at save and before each send). */
  destinations(config: C, secret: S | null): Array<[string, string]>;
  /** What a listing shows of the secret part (never the secret itself). */
  describeSecret(secret: S | null): Record<string, unknown>;
  create(config: C, secret: S | null, ctx: ChannelContext): ChannelSender;
}

/** A failure whose message is safe to store and show (never a URL with credentials, never a value). */
export class DeliveryError extends Error {}
