// A TCP proxy for fault tests, between Keyhaven and a real server (PostgreSQL): it can cut every
// connection (and refuse new ones until restored), or stall the traffic and let it flow again.
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections open now (each a client socket with its upstream socket). */
  readonly open: number;
  /** Destroys every proxied connection at once; with `refuse`, new connections are cut on arrival until restore(). */
  kill(opts?: { refuse?: boolean }): void;
  /** Stops forwarding bytes in both directions (connections stay open, new ones are accepted but hang). */
  stall(): void;
  /** Ends refuse and stall: bytes held during a stall flow again, new connections go through. */
  restore(): void;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Sees every chunk a client sends upstream, with an id per connection (for protocol counters). */
  tapClient?: (connection: number, chunk: Buffer) => void;
  /** A proxied connection ended. */
  onClose?: (connection: number) => void;
}

export const startTcpProxy = async (target: { host: string; port: number }, opts: TcpProxyOptions = {}): Promise<TcpProxy> => {
  let connections = 0;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let refusing = false;
  let stalled = false;
  const flushers = new Map<object, () => void>();
  const server = net.createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    const id = ++connections;
    pairs.add(pair);
    let closed = false;
    const drop = () => {
      if (!closed) opts.onClose?.(id);
      closed = true;
      pairs.delete(pair);
      flushers.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    // Bytes are forwarded by hand (not pipe()), so a stall holds them here whatever the sockets do.
    const forward = (from: net.Socket, to: net.Socket, held: Buffer[]) =>
      from.on('data', (d: Buffer) => {
        if (stalled) held.push(d);
        else to.write(d);
      });
    const heldUp: Buffer[] = [];
    const heldDown: Buffer[] = [];
    if (opts.tapClient) client.on('data', (d: Buffer) => opts.tapClient!(id, d));
    forward(client, upstream, heldUp);
    forward(upstream, client, heldDown);
    flushers.set(pair, () => {
      for (const d of heldUp.splice(0)) upstream.write(d);
      for (const d of heldDown.splice(0)) client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get open() {
      return pairs.size;
    },
    kill(opts = {}) {
      refusing = Boolean(opts.refuse);
      for (const p of [...pairs]) {
        p.client.resetAndDestroy();
        p.upstream.destroy();
      }
      pairs.clear();
    },
    stall() {
      stalled = true;
    },
    restore() {
      refusing = false;
      stalled = false;
      for (const p of pairs) flushers.get(p)?.();
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
