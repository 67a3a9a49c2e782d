// A damaged SQLite file, as an operator meets it: pages overwritten on disk (a bad sector, a copy
// taken mid-write, a stray `dd`). The built server refuses a file that is not a database with
// DATABASE_CORRUPT and the way out (restore from a backup), and writes nothing; with damaged pages
// inside the file it keeps serving what is intact, answers DATABASE_CORRUPT (or the integrity error of
// a damaged ciphertext) for what is not, never a wrong value, never a value in an error, and stays up.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuiltCli, CLI_MAIN, cleanEnv, scratchDir } from './support/surface.js';

vi.setConfig({ testTimeout: 120_000 });

interface Server {
  child: ChildProcess;
  url: string;
  token: string;
  out: () => string;
  stop(): Promise<number | null>;
}

/** Starts `keyhaven server` on DIR; resolves once it listens (with the root token of a first start), or rejects with its output when it exits first. */
const start = (dir: string) =>
  new Promise<Server>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'server', '--listen', '127.0.0.1:0'], {
      env: cleanEnv({ KEYHAVEN_DATA_DIR: dir, KEYHAVEN_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const stop = () =>
      new Promise<number | null>((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res(child.exitCode);
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', (code) => {
          clearTimeout(t);
          res(code);
        });
        child.kill('SIGTERM');
      });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server neither listened nor exited in 30 s:\n${out}`));
    }, 30_000);
    let listening = false;
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      const m = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (!m || listening) return;
      listening = true;
      // A first start prints the root token just after the listening line; later starts print none.
      setTimeout(() => {
        clearTimeout(timer);
        resolve({ child, url: m[1], token: /KEYHAVEN_TOKEN=(\S+)/.exec(out)?.[1] ?? '', out: () => out, stop });
      }, 500);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!listening) reject(Object.assign(new Error(`server exited with ${code}:\n${out}`), { code, out }));
    });
  });

const PAGE = 4096;
const N = 150;
const valueOf = (i: number) => `v${i}-${'x'.repeat(1500)}-${i}`;

describe('a damaged SQLite file (built binary)', () => {
  let root: string;
  let pristine: string;
  let token: string;

  beforeAll(async () => {
    assertBuiltCli();
    root = scratchDir('keyhaven-corrupt-');
    const dir = path.join(root, 'pristine');
    const s = await start(dir);
    token = s.token;
    expect(token).toMatch(/^khv_/);
    const h = { authorization: `Bearer ${token}`, 'x-tenant-id': 'default', 'content-type': 'application/json' };
    for (let i = 0; i < N; i++) {
      const r = await fetch(`${s.url}/v1/secrets`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({ name: `app/s${i}`, value: valueOf(i) }),
      });
      expect(r.status, await r.clone().text()).toBe(201);
    }
    expect(await s.stop()).toBe(0);
    pristine = dir;
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const copyStore = (name: string) => {
    const dir = path.join(root, name);
    mkdirSync(dir, { mode: 0o700 });
    for (const f of ['keyhaven.db', 'master.key', 'audit-anchor.json']) copyFileSync(path.join(pristine, f), path.join(dir, f));
    return dir;
  };
  const overwrite = (file: string, offset: number, bytes: Buffer) => {
    const fd = openSync(file, 'r+');
    try {
      writeSync(fd, bytes, 0, bytes.length, offset);
    } finally {
      closeSync(fd);
    }
  };

  it('refuses a file whose header is destroyed with DATABASE_CORRUPT and what to do, and leaves the file as it was', async () => {
    const dir = copyStore('header');
    const db = path.join(dir, 'keyhaven.db');
    overwrite(db, 0, randomBytes(100));
    const before = readFileSync(db);
    const err = await start(dir).then(
      async (s) => {
        await s.stop();
        return null;
      },
      (e: { code: number | null; out: string }) => e,
    );
    expect(err, 'the server must not start on a file that is not a database').not.toBeNull();
    expect(err!.code).not.toBe(0);
    expect(err!.out).toMatch(/DATABASE_CORRUPT/);
    expect(err!.out).toMatch(/restore the database from a backup/);
    expect(readFileSync(db).equals(before), 'nothing written to the damaged file').toBe(true);
  });

  /** A small seeded generator, so a failing damage pattern can be replayed (its seed is in the message). */
  const prng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };

  it('with pages overwritten inside the file: every read is the right value or a clear error, none leaks a value, and the server stays up', async () => {
    const seeds = Array.from({ length: 6 }, (_, k) => (Date.now() + k * 7919) >>> 0);
    const seen: string[] = [];
    for (const seed of seeds) {
      const rnd = prng(seed);
      const dir = copyStore(`pages-${seed}`);
      const db = path.join(dir, 'keyhaven.db');
      const pages = Math.floor(statSync(db).size / PAGE);
      expect(pages).toBeGreaterThan(20);
      // Damage one page, three, or a tenth of the pages past the header page, spread over the file.
      const count = [1, 3, Math.ceil(pages / 10)][seeds.indexOf(seed) % 3];
      const hit = new Set<number>();
      while (hit.size < count) hit.add(1 + Math.floor(rnd() * (pages - 1)));
      for (const p of hit) overwrite(db, p * PAGE, Buffer.from(Array.from({ length: PAGE }, () => Math.floor(rnd() * 256))));

      let s: Server;
      try {
        s = await start(dir);
      } catch (e) {
        // Refusing to start is right, with the clear error.
        const out = (e as { out: string }).out;
        expect(out, `seed ${seed}: the server did not start and did not say the database is damaged:\n${out.slice(-800)}`).toMatch(
          /\[DATABASE_CORRUPT\][^\n]*restore the database from a backup/,
        );
        expect(out).not.toMatch(/x{100}/);
        seen.push(`${count} pages: start refused`);
        continue;
      }
      const h = { authorization: `Bearer ${token}`, 'x-tenant-id': 'default' };
      const outcomes = { ok: 0, failed: 0, other: [] as string[], codes: new Set<string>() };
      for (let i = 0; i < N; i++) {
        const r = await fetch(`${s.url}/v1/secrets/app/s${i}`, { headers: h });
        const text = await r.text();
        if (r.status === 200) {
          expect(JSON.parse(text).value, `seed ${seed}: app/s${i} read back a different value`).toBe(valueOf(i));
          outcomes.ok++;
          continue;
        }
        // Not the value, nor any other secret's value, in an error.
        expect(text).not.toMatch(/x{100}/);
        const body = JSON.parse(text) as { error?: { code?: string }; code?: string };
        const code = body.error?.code ?? body.code ?? '';
        if (['DATABASE_CORRUPT'].includes(code)) {
          outcomes.failed++;
          outcomes.codes.add(code);
        } else outcomes.other.push(`${r.status} ${text.slice(0, 200)}`);
      }
      expect(outcomes.other, `seed ${seed}: every failure is a catalogue error naming the damage`).toEqual([]);
      // Verify names what it found: a result (ok, or the problems), or DATABASE_CORRUPT; never a bare 500.
      const v = await fetch(`${s.url}/v1/sys/audit/verify`, { method: 'POST', headers: h });
      const vt = await v.text();
      if (v.status !== 200)
        expect(
          { status: v.status, code: (JSON.parse(vt) as { error?: { code?: string } }).error?.code },
          `seed ${seed}: verify answered ${vt.slice(0, 300)}`,
        ).toEqual({ status: 500, code: 'DATABASE_CORRUPT' });
      else expect(typeof JSON.parse(vt).ok).toBe('boolean');
      // Still up and answering.
      expect((await fetch(`${s.url}/health/live`)).status).toBe(200);
      expect(s.child.exitCode).toBeNull();
      expect(s.out()).not.toMatch(/x{100}/);
      await s.stop();
      seen.push(`${count} pages: served ${outcomes.ok}, refused ${outcomes.failed} (${[...outcomes.codes].join(',')})`);
    }
    console.info(`damage patterns: ${seen.join('; ')}`);
    expect(seen).toHaveLength(seeds.length);
  });
});
