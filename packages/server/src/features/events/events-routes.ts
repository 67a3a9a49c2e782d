// GET /v1/events: the tenant's secret change feed (secret.changed, secret.rotated, …) as
// server-sent events, for SDK cache refresh and `keyhaven run --watch`. Authenticated, action read.
import { PassThrough } from 'node:stream';
import type { App } from '../../http/pipeline-types.js';
import { scopeOf } from '../../http/pipeline-types.js';
import type { EventBus, DomainEvent } from '../../events/event-bus.js';

export interface EventsDeps {
  bus: Pick<EventBus, 'subscribe'>;
  /** Facts of a secret, to filter events for tokens whose policies limit which secrets they see. */
  facts(tenant: string, name: string): Promise<{ environment: string | null; tags: string[] } | null>;
  keepAliveMs?: number;
}

/** Event types forwarded to clients: secret changes and rotations, never anomalies or audit data. */
export const isDeliveredEvent = (e: DomainEvent) => e.type.startsWith('secret.');

export const eventsRoutes = (deps: EventsDeps) => (app: App) => {
  // Open streams never end by themselves: end them when the server closes so shutdown does not wait.
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const stop of [...open]) stop();
  });
  app.get(
    '/v1/events',
    {
      config: { access: { tenant: true, action: 'read' }, audit: 'events.subscribe' },
      schema: {
        tags: ['events'],
        summary: "Stream the tenant's secret.changed / secret.rotated events as server-sent events (text/event-stream)",
      },
    },
    async (req, reply) => {
      const scope = scopeOf(req);
      const out = new PassThrough();
      const send = (e: DomainEvent) =>
        out.write(`event: ${e.type}\ndata: ${JSON.stringify({ type: e.type, time: e.time, tenant: e.tenant, data: e.data })}\n\n`);
      const unsubscribe = deps.bus.subscribe((e) => {
        if (e.tenant !== scope.tenant || !isDeliveredEvent(e)) return;
        const name = typeof e.data.name === 'string' ? e.data.name : undefined;
        if (!scope.canSee) return void send(e);
        if (!name) return;
        void deps.facts(scope.tenant, name).then(
          (f) => {
            if (f && scope.canSee!({ name, ...f })) send(e);
          },
          () => {},
        );
      });
      const ping = setInterval(() => out.write(': keep-alive\n\n'), deps.keepAliveMs ?? 15_000);
      // An event stream's connection is never reused: when the stream stops, the socket goes too (an
      // idle-looking keep-alive socket left behind would hold up the server's close).
      const stop = () => {
        open.delete(stop);
        clearInterval(ping);
        unsubscribe();
        out.end(() => req.raw.socket?.destroy());
      };
      open.add(stop);
      reply.raw.on('close', stop); // the connection ended (client gone) or the response finished
      out.write(': connected\n\n');
      reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-accel-buffering', 'no');
      return reply.send(out);
    },
  );
};
