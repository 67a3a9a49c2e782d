// Test helpers for real servers: a TCP reachability probe for top-level `await` (so suites can use
// describe.skipIf), the CI rule (a missing server fails under CI=true), a port nobody listens on
// and a server that never answers.
import net from 'node:net';

export const probeTcp = (host: string, port: number, timeoutMs = 1500): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });

/** Probe a server URL; under CI=true an unreachable server throws (the file fails) instead of skipping. */
export const serverAvailable = async (label: string, url: string, defaultPort: number): Promise<boolean> => {
  const u = new URL(url);
  const up = await probeTcp(u.hostname || '127.0.0.1', Number(u.port || defaultPort));
  if (!up && process.env.CI === 'true') throw new Error(`${label} at ${u.host} is required under CI=true but is not reachable`);
  return up;
};

/** A loopback port that was free a moment ago: connections to it are refused. */
export const closedPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });

/** A loopback server that accepts connections and never says a word (a hung target). */
export const silentServer = (): Promise<{ port: number; close(): Promise<void> }> =>
  new Promise((resolve, reject) => {
    const sockets = new Set<net.Socket>();
    const srv = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    });
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            srv.close(() => done());
          }),
      });
    });
  });
