// Fault suite: the BUILT `keyhaven server` on PostgreSQL through a TCP proxy, under concurrent HTTP
// writes and reads, while the connections are cut (proxy kill, then refused for a while), the
// backends are terminated (pg_terminate_backend), and the traffic stalls and resumes. Each case
// checks that the process stays up, that failed requests answer 503 DATABASE_UNAVAILABLE within a
// bound (no 500s, no hangs), that every acknowledged write is readable afterwards, and that the
// server serves again without a restart. The figures are printed (docs/faults.md records them).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminQuery, createTestDatabase, PG_ADMIN_URL, postgresAvailable, type TestDatabase } from '../support/backends.js';
import { assertBuilt, killAll, masterKey, startServerProcess, waitFor, type ServerProcess } from '../deploy/support.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

/** No request may take longer than this, fault or not (query timeout 3 s, pool wait 5 s, audit 2 s). */
const BOUND_MS = 20_000;
const WORKERS = 8;

interface Figures {
  tried: number;
  ok: number;
  failed: number;
  unavailable: number;
  other: string[];
  hung: number;
  maxFailedMs: number;
  okAfterRestore: number;
  acked: number;
  lost: number;
  wrong: number;
}

describe.skipIf(!postgresAvailable)('PostgreSQL faults under load (built server, TCP proxy)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: ServerProcess;
  let token: string;
  const figures: Record<string, Figures> = {};

  beforeAll(async () => {
    assertBuilt();
    db = await createTestDatabase('postgres');
    const admin = new URL(PG_ADMIN_URL);
    proxy = await startTcpProxy({ host: admin.hostname, port: Number(admin.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    server = await startServerProcess([], {
      KEYHAVEN_DATABASE_URL: viaProxy.toString(),
      KEYHAVEN_MASTER_KEY: masterKey(),
      KEYHAVEN_DATA_DIR: db.dataDir,
      KEYHAVEN_DATABASE_QUERY_TIMEOUT_MS: '3000',
    });
    token = server.rootToken!;
  });

  afterAll(async () => {
    const rows = Object.entries(figures).map(
      ([name, f]) =>
        `${name}: tried ${f.tried}, ok ${f.ok}, failed ${f.failed} (503 DATABASE_UNAVAILABLE ${f.unavailable}, other ${f.other.length}, hung ${f.hung}; slowest failure ${f.maxFailedMs} ms), ok after restore ${f.okAfterRestore}, acknowledged writes ${f.acked}, lost ${f.lost}, wrong value ${f.wrong}`,
    );
    if (rows.length) console.log(`[pg-faults]\n${rows.join('\n')}`);
    if (server) {
      const alive = server.child.exitCode === null;
      const code = await server.stop();
      if (alive) expect(code).toBe(0);
    }
    killAll();
    await proxy?.close();
    await db?.drop();
  });

  const request = async (method: string, path: string, body?: unknown) => {
    const started = Date.now();
    try {
      const r = await fetch(server.url + path, {
        method,
        signal: AbortSignal.timeout(BOUND_MS),
        headers: {
          authorization: `Bearer ${token}`,
          'x-tenant-id': 'default',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await r.text();
      let json: any = null;
      try {
        json = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: r.status, json, ms: Date.now() - started, hung: false, text };
    } catch (e) {
      const hung = (e as Error).name === 'TimeoutError';
      return { status: 0, json: null, ms: Date.now() - started, hung, text: String((e as Error).message) };
    }
  };

  const assertAlive = () => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`the server died (${server.child.exitCode ?? server.child.signalCode}):\n${server.output().stderr.slice(-3000)}`);
    }
  };

  /** Runs writers and readers while `fault` plays out, then checks recovery and every acknowledged write. */
  const underLoad = async (name: string, fault: (restored: () => void) => Promise<void>): Promise<Figures> => {
    const f: Figures = {
      tried: 0,
      ok: 0,
      failed: 0,
      unavailable: 0,
      other: [],
      hung: 0,
      maxFailedMs: 0,
      okAfterRestore: 0,
      acked: 0,
      lost: 0,
      wrong: 0,
    };
    const acked = new Map<string, string>();
    let stop = false;
    let restoredAt = Infinity;
    const count = (r: Awaited<ReturnType<typeof request>>, startedAt: number) => {
      f.tried++;
      if (r.status >= 200 && r.status < 300) {
        f.ok++;
        if (startedAt > restoredAt) f.okAfterRestore++;
        return true;
      }
      f.failed++;
      f.maxFailedMs = Math.max(f.maxFailedMs, r.ms);
      if (r.hung) f.hung++;
      else if (r.status === 503 && r.json?.error?.code === 'DATABASE_UNAVAILABLE') f.unavailable++;
      else f.other.push(`${r.status} ${r.json?.error?.code ?? r.text.slice(0, 120)}`);
      return false;
    };
    const worker = async (w: number) => {
      for (let n = 0; !stop; n++) {
        const startedAt = Date.now();
        const names = [...acked.keys()];
        let ok: boolean;
        if (n % 2 === 0 || names.length === 0) {
          const secret = `fault/${name}-${w}-${n}`;
          const value = randomBytes(12).toString('hex');
          const r = await request('PUT', `/v1/secrets/${secret}`, { value });
          ok = count(r, startedAt);
          if (ok) acked.set(secret, value);
        } else {
          const secret = names[Math.floor(Math.random() * names.length)]!;
          const r = await request('GET', `/v1/secrets/${secret}`);
          ok = count(r, startedAt);
          if (ok && r.json?.value !== acked.get(secret)) f.wrong++;
        }
        if (!ok) await new Promise((r) => setTimeout(r, 20)); // no busy spin while the database is down
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
    await new Promise((r) => setTimeout(r, 1500)); // traffic before the fault
    await fault(() => {
      restoredAt = Date.now();
    });
    if (restoredAt === Infinity) restoredAt = Date.now();
    // The server serves again without a restart: keep the load on until writes succeed for a while.
    await waitFor(() => f.okAfterRestore >= 50, `${name}: requests succeed again after the fault`, 30_000);
    stop = true;
    await Promise.all(workers);
    assertAlive();
    // Every acknowledged write is there, with its value.
    const entries = [...acked];
    f.acked = entries.length;
    for (let i = 0; i < entries.length; i += 16) {
      await Promise.all(
        entries.slice(i, i + 16).map(async ([secret, value]) => {
          const r = await request('GET', `/v1/secrets/${secret}`);
          if (r.status !== 200) f.lost++;
          else if (r.json?.value !== value) f.wrong++;
        }),
      );
    }
    figures[name] = f;
    return f;
  };

  const expectSurvived = (f: Figures) => {
    assertAlive();
    expect(f.other, 'failed requests other than 503 DATABASE_UNAVAILABLE').toEqual([]);
    expect(f.hung, `requests unanswered after ${BOUND_MS} ms`).toBe(0);
    expect(f.maxFailedMs).toBeLessThan(BOUND_MS);
    expect(f.lost, 'acknowledged writes missing afterwards').toBe(0);
    expect(f.wrong, 'reads with another value than acknowledged').toBe(0);
    expect(f.failed, 'the fault made requests fail (a test that cannot fail is a defect)').toBeGreaterThan(0);
    expect(f.okAfterRestore).toBeGreaterThanOrEqual(50);
  };

  it('(a) every proxied connection cut, new ones refused for 3 s, then restored', async () => {
    const f = await underLoad('kill', async (restored) => {
      proxy.kill({ refuse: true });
      await new Promise((r) => setTimeout(r, 3000));
      proxy.restore();
      restored();
    });
    expectSurvived(f);
  });

  it('(b) pg_terminate_backend of every Keyhaven backend, twice (pool, change feed)', async () => {
    const name = new URL(db.url).pathname.slice(1);
    const f = await underLoad('terminate', async (restored) => {
      for (let i = 0; i < 2; i++) {
        const r = await adminQuery(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
        );
        expect(r.rows[0].n).toBeGreaterThan(0);
        await new Promise((r) => setTimeout(r, 500));
      }
      restored();
    });
    expectSurvived(f);
  });

  it('(c) traffic stalled for 6 s (longer than the 3 s query timeout), then resumed', async () => {
    const f = await underLoad('stall', async (restored) => {
      proxy.stall();
      await new Promise((r) => setTimeout(r, 6000));
      proxy.restore();
      restored();
    });
    expectSurvived(f);
  });
});
