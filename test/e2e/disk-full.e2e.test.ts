// A full disk under the SQLite store, as an operator meets it: the built server on a 3 MiB tmpfs.
// Writes that do not fit answer 507 DISK_FULL (not 500), requests that cannot be recorded say so,
// nothing acknowledged is lost, and once space returns requests succeed again without a restart.
// Needs a tmpfs mount (root); skipped with that reason where mounting is not permitted.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuiltCli, CLI_MAIN, cleanEnv, scratchDir } from './support/surface.js';

vi.setConfig({ testTimeout: 120_000 });

const base = scratchDir('keyhaven-diskfull-');
const mnt = path.join(base, 'mnt');
mkdirSync(mnt);
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]).status === 0;

let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  if (mounted) spawnSync('umount', ['-l', mnt]);
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!mounted)('a full disk under the SQLite store (built binary, tmpfs; needs mount permission)', () => {
  let url = '';
  let token = '';
  const call = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(url + p, {
      method,
      headers: { authorization: `Bearer ${token}`, 'x-tenant-id': 'default', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    assertBuiltCli();
    const data = path.join(mnt, 'data');
    mkdirSync(data, { mode: 0o700 });
    writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(1200 * 1024)); // freed later to give space back
    child = spawn(process.execPath, [CLI_MAIN, 'server', '--listen', '127.0.0.1:0'], {
      env: cleanEnv({ KEYHAVEN_DATA_DIR: data, KEYHAVEN_MASTER_KEY: randomBytes(32).toString('base64'), KEYHAVEN_LOG_LEVEL: 'fatal' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no start:\n${out}`)), 30_000);
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const u = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        const k = /Root token \(shown once, store it safely\): (khv_\S+)/.exec(out);
        if (u && k) {
          clearTimeout(t);
          url = u[1]!;
          token = k[1]!;
          resolve();
        }
      });
      child!.stderr!.resume();
    });
  });

  it('answers DISK_FULL, loses nothing acknowledged, and recovers without a restart when space returns', async () => {
    const value = randomBytes(33_000).toString('base64');
    const acknowledged: string[] = [];
    let full: { status: number; json: { error: { code: string; message: string } } } | undefined;
    for (let i = 0; i < 80 && !full; i++) {
      const r = await call('PUT', `/v1/secrets/fill/${i}`, { value });
      if (r.status < 300) acknowledged.push(`fill/${i}`);
      else full = r;
    }
    expect(full, 'the disk never filled').toBeDefined();
    expect(full!.status).toBe(507);
    expect(full!.json.error.code).toBe('DISK_FULL');
    expect(full!.json.error.message).toMatch(/disk .*full/i);
    // While full, nothing answers 500: requests either succeed or say the disk is full.
    for (const r of [await call('GET', '/v1/secrets/fill/0'), await call('PUT', '/v1/secrets/small/one', { value: 'v' })]) {
      expect([200, 507]).toContain(r.status);
      if (r.status === 507) expect(r.json.error.code).toBe('DISK_FULL');
    }
    rmSync(path.join(mnt, 'filler'));
    const after = await call('PUT', '/v1/secrets/small/two', { value: 'v2' });
    expect(after.status).toBe(200);
    for (const name of acknowledged) {
      const r = await call('GET', `/v1/secrets/${name}`);
      expect({ name, status: r.status, same: r.json?.value === value }).toEqual({ name, status: 200, same: true });
    }
    const verify = await call('POST', '/v1/sys/audit/verify');
    expect(verify.json.ok).toBe(true);
  });
});
