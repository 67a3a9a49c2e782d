// Test support for the Vault-compatible API: a real listening Keyhaven server on a real backend
// (SQLite or PostgreSQL) with the `secret` and `kv` mounts, raw HTTP/1.1 over a socket (to send what
// Vault clients send, LIST included), and the Python interpreter that has Debian's hvac.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../src/start-server.js';
import { createTestDatabase, type BackendName, type TestDatabase } from '../support/backends.js';

export interface VaultServer {
  url: string;
  port: number;
  rootToken: string;
  running: RunningServer;
  db: TestDatabase;
  close(): Promise<void>;
}

export const startVaultServer = async (backend: BackendName): Promise<VaultServer> => {
  const db = await createTestDatabase(backend);
  const config = loadConfig({
    env: {},
    flags: {
      listen: '127.0.0.1:0',
      dataDir: db.dataDir,
      databaseUrl: db.url,
      masterKey: randomBytes(32).toString('base64'),
      logLevel: 'silent',
      vaultCompat: { enabled: true, mounts: { secret: 'default', kv: 'default' } },
    },
  });
  let rootToken = '';
  const running = await startServer(config, {
    print: (l) => {
      const m = /Root token[^:]*: (\S+)/.exec(l);
      if (m) rootToken = m[1]!;
    },
  });
  return {
    url: running.url,
    port: Number(new URL(running.url).port),
    rootToken: running.rootToken ?? rootToken,
    running,
    db,
    async close() {
      await running.close();
      await db.drop();
    },
  };
};

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json(): any;
}

/** Sends raw bytes on one TCP connection and collects `count` HTTP/1.1 responses (Content-Length framed).
 *  An array is sent part by part, 20 ms apart; with `sequential`, each part (one whole request) only
 *  once the previous response has arrived, as a client that waits for answers does (the server may
 *  work on pipelined requests at the same time, so a read sent 20 ms after a write can overtake it). */
export const rawExchange = (
  port: number,
  bytes: string | Buffer | Array<string | Buffer>,
  count: number,
  timeoutMs = 5000,
  opts: { sequential?: boolean } = {},
): Promise<{ responses: RawResponse[]; closed: boolean }> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const responses: RawResponse[] = [];
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ responses, closed });
    }, timeoutMs);
    const parse = () => {
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(head[0]!.split(' ')[1]);
        const headers: Record<string, string> = {};
        for (const h of head.slice(1)) {
          const i = h.indexOf(':');
          headers[h.slice(0, i).toLowerCase()] = h.slice(i + 1).trim();
        }
        const len = Number(headers['content-length'] ?? 0);
        if (buf.length < end + 4 + len) return;
        const body = buf.subarray(end + 4, end + 4 + len).toString('utf8');
        buf = buf.subarray(end + 4 + len);
        responses.push({ status, headers, body, json: () => JSON.parse(body) });
        if (responses.length === count) {
          clearTimeout(timer);
          socket.end();
          resolve({ responses, closed });
          return;
        }
      }
    };
    let answered: (() => void) | undefined;
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      parse();
      answered?.();
    });
    socket.on('close', () => {
      closed = true;
      answered?.();
      clearTimeout(timer);
      resolve({ responses, closed });
    });
    socket.on('error', reject);
    socket.on('connect', async () => {
      const parts = Array.isArray(bytes) ? bytes : [bytes];
      for (let i = 0; i < parts.length; i++) {
        if (opts.sequential)
          while (responses.length < i && !closed)
            await new Promise<void>((r) => {
              answered = r;
            });
        if (closed) return;
        socket.write(parts[i]!);
        if (Array.isArray(bytes) && !opts.sequential) await new Promise((r) => setTimeout(r, 20));
      }
    });
  });

/** A request as HTTP/1.1 bytes. */
export const rawRequest = (method: string, path: string, o: { token?: string; body?: string; headers?: Record<string, string> } = {}) => {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1'];
  if (o.token) lines.push(`X-Vault-Token: ${o.token}`);
  for (const [k, v] of Object.entries(o.headers ?? {})) lines.push(`${k}: ${v}`);
  if (o.body !== undefined && !Object.keys(o.headers ?? {}).some((k) => k.toLowerCase() === 'transfer-encoding'))
    lines.push(`Content-Length: ${Buffer.byteLength(o.body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${o.body ?? ''}`;
};

/** The Python interpreter with Debian's python3-hvac, or null (a skip outside CI, a failure under CI=true). */
export const hvacPython = (() => {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import hvac'], { stdio: 'ignore' });
      return py;
    } catch {
      /* next */
    }
  }
  if (process.env.CI === 'true') throw new Error('hvac is required under CI=true: apt-get install -y python3-hvac');
  console.warn('[skip] hvac suites: python3-hvac is not installed (apt-get install -y python3-hvac)');
  return null;
})();
