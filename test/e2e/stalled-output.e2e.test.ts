// A server whose output nobody reads: its stdout audit sink (and its logs) into a pipe the reader
// stopped reading, or its file sink on a named pipe with no reader. Requests stay bounded, /health
// answers, and SIGTERM stops it within seconds (it hung for ever before).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuiltCli, CLI_MAIN, cleanEnv, scratchDir } from './support/surface.js';

vi.setConfig({ testTimeout: 120_000 });

let dir: string;
const children: ChildProcess[] = [];
beforeAll(() => {
  assertBuiltCli();
  dir = scratchDir('keyhaven-stall-');
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A dev server from the built binary; resolves with its URL once it listens. stdout is paused
 *  right then, so the pipe fills and stays full. */
const start = (env: Record<string, string>) =>
  new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'server', '--dev', '--dev-root-token', 'root', '--listen', '127.0.0.1:0'], {
      env: cleanEnv({ KEYHAVEN_LOG_LEVEL: 'info', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.pause();
        resolve({ child, url: m[1]! });
      }
    });
    child.stderr!.resume();
  });

const timed = async (url: string) => {
  const t0 = Date.now();
  const r = await fetch(url, { headers: { authorization: 'Bearer root', 'x-tenant-id': 'default' }, signal: AbortSignal.timeout(10_000) });
  await r.arrayBuffer();
  return { status: r.status, ms: Date.now() - t0 };
};

const stopWithin = (child: ChildProcess, ms: number) =>
  new Promise<{ code: number | null; after: number }>((resolve, reject) => {
    const t0 = Date.now();
    const timer = setTimeout(() => reject(new Error(`still running ${ms} ms after SIGTERM`)), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, after: Date.now() - t0 });
    });
    child.kill('SIGTERM');
  });

describe('a server whose output nobody reads (built binary)', () => {
  it('stdout audit sink into a stalled pipe: requests stay bounded, /health answers, SIGTERM stops it', async () => {
    const { child, url } = await start({ KEYHAVEN_AUDIT_SINKS: 'database,stdout' });
    // Each audited request writes a line; a few hundred fill the 64 KiB pipe nobody reads.
    const slow: number[] = [];
    for (let i = 0; i < 400; i++) {
      const r = await timed(`${url}/v1/secrets`);
      expect(r.status).toBe(200); // the database sink records it: the request is carried out
      if (r.ms > 500) slow.push(r.ms);
    }
    expect(slow.length).toBeGreaterThan(0); // the pipe did stall (the first write waits the sink timeout)…
    expect(slow.length).toBeLessThanOrEqual(3); // …and afterwards the stalled sink is refused at once
    expect(Math.max(...slow)).toBeLessThan(3000); // bounded by audit.sinkTimeoutMs (2 s)
    expect((await timed(`${url}/health/live`)).ms).toBeLessThan(1000);
    const stopped = await stopWithin(child, 15_000);
    expect(stopped.after).toBeLessThan(12_000);
  });

  it('file audit sink on a named pipe with no reader: requests go on and SIGTERM stops it', async () => {
    const fifo = path.join(dir, 'audit.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const { child, url } = await start({ KEYHAVEN_AUDIT_SINKS: 'database,file', KEYHAVEN_AUDIT_FILE: fifo });
    for (let i = 0; i < 20; i++) {
      const r = await timed(`${url}/v1/secrets`);
      expect(r.status).toBe(200);
      expect(r.ms).toBeLessThan(3000);
    }
    expect((await timed(`${url}/health/live`)).status).toBe(200);
    const stopped = await stopWithin(child, 15_000);
    expect(stopped.after).toBeLessThan(12_000);
  });
});
