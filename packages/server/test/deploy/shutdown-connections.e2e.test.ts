// A graceful shutdown (SIGTERM) of the built server does not wait on connections that carry no
// request: a client's pre-opened socket that never sent a byte, a keep-alive socket between
// requests, and an open event stream. Before, one pre-opened socket held the shutdown until its 10 s
// limit ("Shutdown did not finish ... exiting", exit code 1); a request in flight still finishes.
import http from 'node:http';
import net from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, cleanup, killAll, masterKey, startServerProcess, tempDir } from './support.js';

vi.setConfig({ testTimeout: 60_000 });
const dirs: string[] = [];
afterAll(() => {
  killAll();
  for (const d of dirs) cleanup(d);
});

const closed = (s: net.Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));

describe('graceful shutdown with open connections (built server)', () => {
  it('ends unused, idle and streaming connections at once, and exits 0', async () => {
    assertBuilt();
    const dir = tempDir();
    dirs.push(dir);
    const s = await startServerProcess(['--data-dir', dir], { KEYHAVEN_MASTER_KEY: masterKey() });
    const u = new URL(s.url);
    const port = Number(u.port);

    const silent = net.connect(port, '127.0.0.1'); // connected, never sends a byte
    await new Promise((r) => silent.once('connect', r));
    silent.on('error', () => {});

    const agent = new http.Agent({ keepAlive: true }); // one request answered, the socket kept
    const idle = await new Promise<net.Socket>((resolve, reject) => {
      const req = http.get(new URL('/health/live', s.url), { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(req.socket!));
      });
      req.on('error', reject);
    });
    idle.on('error', () => {});

    const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get(new URL('/v1/events', s.url), { headers: { authorization: `Bearer ${s.rootToken}`, 'x-tenant-id': 'default' } }, resolve)
        .on('error', reject);
    });
    expect(stream.statusCode).toBe(200);
    const streamSocket = stream.socket;
    stream.on('data', () => {});
    stream.on('error', () => {});

    const code = await s.stop();
    await Promise.all([closed(silent), closed(idle), closed(streamSocket)]);
    agent.destroy();
    expect(s.output().stderr).not.toMatch(/did not finish/);
    expect(code).toBe(0);
  });
});
