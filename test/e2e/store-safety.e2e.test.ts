// The store on disk, as an operator meets it: `keyhaven server` from the built binary on a data
// directory. Files are the server user's alone; a missing master key or an emptied database is
// refused with a clear message and nothing written; an open data directory is warned about.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { chmodSync, existsSync, rmSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuiltCli, CLI_MAIN, cleanEnv, scratchDir } from './support/surface.js';

/** Starts `keyhaven server` on DIR; resolves with its output once it listens (then stops it), or when it exits. */
const runServer = (dir: string, listen = '127.0.0.1:0') =>
  new Promise<{ listened: boolean; code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'server', '--listen', listen], {
      env: cleanEnv({ KEYHAVEN_DATA_DIR: dir, KEYHAVEN_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let listened = false;
    let t0 = Date.now();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server neither listened nor exited in 30 s:\n${out}`));
    }, 30_000);
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      // The root token lines follow "Listening on" in separate writes: stop once they are in (or
      // shortly after, on a later start that has none); a SIGTERM before the server installs its
      // handler ends it at once, possibly before they are written.
      if (!listened && /Listening on http/.test(out)) {
        listened = true;
        t0 = Date.now();
        const stop = setInterval(() => {
          if (/export KEYHAVEN_ADDR/.test(out) || Date.now() - t0 > 1500) {
            clearInterval(stop);
            child.kill('SIGTERM');
          }
        }, 50);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ listened, code, out });
    });
  });

describe('the store on disk (built binary)', () => {
  let dir: string;
  beforeAll(() => {
    assertBuiltCli();
    dir = path.join(scratchDir('keyhaven-store-'), 'data');
  });
  afterAll(() => {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('creates the data directory 0700 and every store file 0600, whatever the umask', async () => {
    const first = await runServer(dir);
    expect(first.listened).toBe(true);
    expect(first.out).toMatch(/Root token \(shown once/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of ['keyhaven.db', 'keyhaven.db-lock', 'master.key']) {
      expect({ f, mode: (statSync(path.join(dir, f)).mode & 0o777).toString(8) }).toEqual({ f, mode: '600' });
    }
    expect(first.out).not.toMatch(/readable by group or others/);
  });

  it('warns when the data directory is readable by group or others', async () => {
    chmodSync(dir, 0o755);
    const r = await runServer(dir);
    expect(r.listened).toBe(true);
    expect(r.out).toMatch(/readable by group or others \(mode 755\).*chmod 700/);
    chmodSync(dir, 0o700);
  });

  it('refuses an existing store whose master key file is missing, and writes no new key', async () => {
    const key = path.join(dir, 'master.key');
    const saved = `${key}.saved`;
    const { renameSync } = await import('node:fs');
    renameSync(key, saved);
    const r = await runServer(dir);
    expect(r.listened).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/master key file .*master\.key does not exist; restore it/);
    expect(r.out).not.toMatch(/Root token/);
    expect(existsSync(key)).toBe(false);
    renameSync(saved, key);
    expect((await runServer(dir)).listened).toBe(true); // the restored key opens the store again
  });

  it('refuses a database file emptied to 0 bytes instead of starting a new store with a new root token', async () => {
    for (const f of ['keyhaven.db-wal', 'keyhaven.db-shm']) rmSync(path.join(dir, f), { force: true });
    truncateSync(path.join(dir, 'keyhaven.db'), 0);
    const r = await runServer(dir);
    expect(r.listened).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/keyhaven\.db exists but is empty \(0 bytes\).*restore it from a backup/);
    expect(r.out).not.toMatch(/Root token/);
    expect(statSync(path.join(dir, 'keyhaven.db')).size).toBe(0);
  });

  it('exits non-zero naming the address when it cannot listen, releases the store, and has not spent the root token', async () => {
    const other = path.join(path.dirname(dir), 'other');
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runServer(other, `127.0.0.1:${port}`);
      expect(r.listened).toBe(false);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(new RegExp(`LISTEN_FAILED.*Cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use`));
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
    // The lock was released (a second server can open the store) and the root token is shown now.
    const next = await runServer(other);
    expect(next.listened).toBe(true);
    expect(next.out).toMatch(/Root token \(shown once/);
  });
});
