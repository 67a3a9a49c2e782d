// NATS channel: publishes the event JSON on a subject (`{type}` and `{tenant}` in it are replaced),
// with the event id in the Nats-Msg-Id header. With `jetstream: true` it publishes through JetStream
// and waits for the stream's ack; JetStream drops a second publish with the same id (its duplicate
// window), so a redelivery after a crash is stored once. The `nats` package is loaded on first use.
import { z } from 'zod';
import { checkEgress } from '../../../lib/egress.js';
import { DeliveryError, type ChannelDefinition } from './channel-types.js';

const subject = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9_.{}-]+$/, 'a NATS subject of letters, digits, ".", "_", "-" (and {type} / {tenant} placeholders); no wildcards')
  .refine((s) => !s.startsWith('.') && !s.endsWith('.') && !s.includes('..'), 'subject tokens must not be empty');
const server = z
  .string()
  .min(1)
  .max(512)
  .regex(/^(nats|tls):\/\/[^\s/]+$/, 'a server URL such as nats://127.0.0.1:4222');

const schema = z
  .object({
    servers: z.array(server).min(1).max(16),
    subject,
    jetstream: z.boolean().default(false),
    /** Credentials, sealed: a token, or user and password. */
    token: z.string().min(1).max(1024).optional(),
    user: z.string().min(1).max(256).optional(),
    password: z.string().min(1).max(1024).optional(),
  })
  .strict()
  .refine((b) => !b.password || b.user, { message: 'password needs user', path: ['user'] });
type Config = { servers: string[]; subject: string; jetstream: boolean };
type Secret = { token?: string; user?: string; password?: string };

export const subjectFor = (template: string, type: string, tenant: string) =>
  template.replaceAll('{type}', type).replaceAll('{tenant}', tenant);

const safeNatsError = (e: unknown): DeliveryError => {
  const code = (e as { code?: string })?.code;
  const msg = (e as Error)?.message ?? '';
  if (/no responders|503/i.test(msg) || code === '503')
    return new DeliveryError('no JetStream stream takes this subject (create a stream for it)');
  if (/timeout/i.test(msg) || code === 'TIMEOUT') return new DeliveryError('the NATS server did not answer in time');
  if (/authoriz|authentic/i.test(msg)) return new DeliveryError('the NATS server refused the credentials');
  return new DeliveryError(code ? `NATS error (${String(code).slice(0, 40)})` : 'the NATS server could not be reached');
};

export const natsChannel: ChannelDefinition<Config, Secret> = {
  kind: 'nats',
  displayName: 'NATS / JetStream subject',
  schema: schema as unknown as ChannelDefinition<Config, Secret>['schema'],
  split(input: z.infer<typeof schema>) {
    const { token, user, password, ...config } = input;
    const secret = token || user ? { token, user, password } : null;
    return { config, secret };
  },
  destinations: (c) => c.servers.map((s) => [s.replace(/^(nats|tls):/, 'http:'), 'The NATS server'] as [string, string]),
  describeSecret: (s) => ({ credentials: s ? (s.token ? 'token' : 'user') : 'none' }),
  create(config, secret, ctx) {
    let conn: Promise<import('nats').NatsConnection> | undefined;
    const connection = () => {
      conn ??= (async () => {
        for (const s of config.servers) await checkEgress(ctx.egress, s.replace(/^(nats|tls):/, 'http:'), 'The NATS server');
        const nats = await import('nats');
        const nc = await nats.connect({
          servers: config.servers,
          timeout: ctx.timeoutMs,
          maxReconnectAttempts: 2,
          reconnectTimeWait: 250,
          name: 'keyhaven-notifications',
          ...(secret ?? {}),
          ...(secret?.password ? { pass: secret.password } : {}),
        });
        void nc.closed().then(() => {
          conn = undefined;
        });
        return nc;
      })();
      conn.catch(() => {
        conn = undefined;
      });
      return conn;
    };
    return {
      async send({ payload, body }) {
        const nats = await import('nats');
        let nc: import('nats').NatsConnection;
        try {
          nc = await connection();
        } catch (e) {
          if ((e as { code?: string }).code === 'EGRESS_FORBIDDEN') throw e;
          throw safeNatsError(e);
        }
        const h = nats.headers();
        h.set('Nats-Msg-Id', payload.id);
        h.set('Keyhaven-Event-Type', payload.type);
        const data = new TextEncoder().encode(body);
        const subj = subjectFor(config.subject, payload.type, payload.tenant);
        try {
          if (config.jetstream) await nc.jetstream().publish(subj, data, { msgID: payload.id, headers: h, timeout: ctx.timeoutMs });
          else {
            nc.publish(subj, data, { headers: h });
            await nc.flush();
          }
        } catch (e) {
          throw safeNatsError(e);
        }
      },
      async close() {
        const c = conn;
        conn = undefined;
        if (c) await (await c.catch(() => undefined))?.close().catch(() => undefined);
      },
    };
  },
};
