// Webhook channel: POSTs the event JSON with an HMAC-SHA256 signature over "<timestamp>.<body>"
// (X-Keyhaven-Signature: v1=<hex>) and the timestamp (X-Keyhaven-Timestamp, Unix seconds) so a receiver
// can refuse replays; X-Keyhaven-Event-Id is the id to deduplicate on. docs/notifications.md has the recipe.
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { checkEgress } from '../../../lib/egress.js';
import { randomBase62 } from '../../../lib/ids.js';
import { DeliveryError, type ChannelDefinition } from './channel-types.js';

const httpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL');

const schema = z
  .object({
    url: httpUrl,
    /** Shared secret for the signature; generated (and returned once) when absent. */
    signing_secret: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
  })
  .strict();
type Body = z.infer<typeof schema>;

export const signWebhook = (secret: string, timestamp: string, body: string) =>
  `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

/** Turns a fetch failure into a message safe to store (no URL, no value). */
export const httpFailure = (e: unknown, timeoutMs: number): DeliveryError => {
  if (e instanceof DeliveryError) return e;
  const err = e as { name?: string; cause?: { code?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return new DeliveryError(`no answer within ${timeoutMs} ms`);
  const code = err?.cause?.code;
  return new DeliveryError(code ? `connection failed (${code})` : 'connection failed');
};

export const postJson = async (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => {
  let r: Response;
  try {
    r = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'keyhaven-notifications/1', ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await r.arrayBuffer().catch(() => undefined);
  } catch (e) {
    throw httpFailure(e, timeoutMs);
  }
  if (r.status < 200 || r.status > 299) throw new DeliveryError(`the receiver answered HTTP ${r.status}`);
};

export const webhookChannel: ChannelDefinition<{ url: string }, { signing_secret: string }> = {
  kind: 'webhook',
  displayName: 'Webhook (HMAC-SHA256 signed)',
  schema: schema as unknown as ChannelDefinition<{ url: string }, { signing_secret: string }>['schema'],
  split(input: Body) {
    const generated = input.signing_secret ? undefined : { signing_secret: `whsec_${randomBase62(40)}` };
    return { config: { url: input.url }, secret: { signing_secret: input.signing_secret ?? generated!.signing_secret }, generated };
  },
  destinations: (c) => [[c.url, 'The webhook URL']],
  describeSecret: (s) => ({ signing_secret: s ? 'stored' : 'none' }),
  create(config, secret, ctx) {
    return {
      async send({ payload, body }) {
        await checkEgress(ctx.egress, config.url, 'The webhook URL');
        const timestamp = String(Math.floor(ctx.now().getTime() / 1000));
        await postJson(
          config.url,
          body,
          {
            'x-keyhaven-event-id': payload.id,
            'x-keyhaven-event-type': payload.type,
            'x-keyhaven-timestamp': timestamp,
            'x-keyhaven-signature': signWebhook(secret!.signing_secret, timestamp, body),
          },
          ctx.timeoutMs,
        );
      },
    };
  },
};
