// Subscribes to the server's change feed (GET /v1/events, server-sent events) and calls back with
// each `secret.changed` / `secret.rotated` event; reconnects with backoff; stops when the server has
// no such endpoint (404), so callers fall back to TTL expiry or polling.
import type { KeyhavenClient } from './client.js';

export interface SecretEvent {
  type: string;
  tenant: string;
  time: string;
  data: { name?: string; version?: number; [k: string]: unknown };
}

export interface Subscription {
  close(): void;
  /** Resolves true once connected, false when the server has no event endpoint. */
  readonly ready: Promise<boolean>;
}

/** Parses an SSE byte stream into `data:` payloads (one per event, multi-line data joined by \n). */
export const parseSse = async function* (body: ReadableStream<Uint8Array>): AsyncGenerator<{ event?: string; data: string }> {
  const decoder = new TextDecoder();
  let buf = '';
  const reader = body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + (buf[i] === '\r' ? 4 : 2));
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        else if (line.startsWith('event:')) event = line.slice(6).trim();
      }
      if (data.length) yield { event, data: data.join('\n') };
    }
  }
};

export const subscribeSecretEvents = (
  client: Pick<KeyhavenClient, 'openStream'>,
  onEvent: (e: SecretEvent) => void,
  opts: { onError?: (e: unknown) => void; retryMs?: number } = {},
): Subscription => {
  const ac = new AbortController();
  let closed = false;
  let resolveReady!: (v: boolean) => void;
  const ready = new Promise<boolean>((r) => {
    resolveReady = r;
  });
  const loop = async () => {
    let delay = opts.retryMs ?? 500;
    while (!closed) {
      try {
        const res = await client.openStream('/v1/events', ac.signal);
        if (res.status === 404 || res.status === 405) {
          resolveReady(false);
          await res.body?.cancel();
          return;
        }
        if (!res.ok || !res.body) {
          await res.body?.cancel();
          throw new Error(`the event stream answered ${res.status}`);
        }
        resolveReady(true);
        delay = opts.retryMs ?? 500;
        for await (const msg of parseSse(res.body)) {
          try {
            onEvent(JSON.parse(msg.data) as SecretEvent);
          } catch {
            /* ignore malformed or keep-alive data */
          }
        }
      } catch (e) {
        if (closed) return;
        opts.onError?.(e);
      }
      if (closed) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  };
  void loop();
  return {
    ready,
    close() {
      closed = true;
      resolveReady(false);
      ac.abort();
    },
  };
};
