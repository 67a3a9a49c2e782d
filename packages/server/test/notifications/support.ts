// Test support for notifications: a local webhook receiver on 127.0.0.1 that records each request,
// verifies the HMAC signature as docs/notifications.md tells receivers to, deduplicates on the event
// id, and can be switched to answer 500, to stall (accept and never answer), or be down (closed).
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  id: string;
  type: string;
  secret: string | null;
  body: any;
  signatureOk: boolean;
  timestamp: number;
}
export type Mode = 'ok' | 'fail' | 'stall';

export const verifySignature = (secret: string, headers: http.IncomingHttpHeaders, body: string, toleranceSeconds = 300): boolean => {
  const ts = String(headers['x-keyhaven-timestamp'] ?? '');
  const sig = String(headers['x-keyhaven-signature'] ?? '');
  if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > toleranceSeconds) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`);
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
};

export const startReceiver = async (opts: { port?: number; mode?: Mode } = {}) => {
  let mode: Mode = opts.mode ?? 'ok';
  let secret = '';
  const requests: Received[] = []; // every request that arrived
  const accepted = new Map<string, number>(); // id -> times answered 2xx
  const order: Received[] = []; // first 2xx answer of each id, in arrival order
  const sockets = new Set<Socket>();
  let server: http.Server | undefined;
  let port = opts.port ?? 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = http.createServer((req, res) => {
        let body = '';
        req
          .setEncoding('utf8')
          .on('data', (d: string) => {
            body += d;
          })
          .on('end', () => {
            let parsed: any = null;
            try {
              parsed = JSON.parse(body);
            } catch {
              /* not JSON */
            }
            const r: Received = {
              id: String(req.headers['x-keyhaven-event-id'] ?? ''),
              type: String(req.headers['x-keyhaven-event-type'] ?? ''),
              secret: parsed?.secret ?? null,
              body: parsed,
              signatureOk: verifySignature(secret, req.headers, body),
              timestamp: Date.now(),
            };
            requests.push(r);
            if (mode === 'stall') return; // never answers
            if (mode === 'fail') {
              res.writeHead(500).end('down for maintenance');
              return;
            }
            const n = accepted.get(r.id) ?? 0;
            accepted.set(r.id, n + 1);
            if (n === 0) order.push(r);
            res.writeHead(204).end();
          });
      });
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}/hook`;
    },
    requests,
    accepted,
    order,
    setSecret(s: string) {
      secret = s;
    },
    setMode(m: Mode) {
      mode = m;
    },
    /** Closes the listener and drops open connections (a receiver that went down). */
    async down() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      server = undefined;
    },
    async up() {
      if (!server) await listen();
    },
  };
};
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export const waitFor = async <T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
