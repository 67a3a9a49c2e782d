// Shared helpers for the benchmarks: start a real Keyhaven server in a child process on a fresh
// store, wait for it, and run autocannon against it. Results are printed and written, never asserted.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';

export const root = path.resolve(new URL('..', import.meta.url).pathname);

/** Starts `keyhaven server`: dev mode on a fresh SQLite store, or (with databaseUrl) a normal server on
 *  that database with a fresh master key, reading the root token it prints on first start. A replica
 *  on a database another server prepared: pass that server's `masterKey` and `token`. */
export const startKeyhaven = async ({ env = {}, port = 18377, databaseUrl, masterKey, token: knownToken } = {}) => {
  const key = masterKey ?? randomBytes(32).toString('base64');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kh-bench-'));
  const devToken = `bench-root-${randomBytes(8).toString('hex')}`;
  const args = databaseUrl
    ? ['server', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn']
    : ['server', '--dev', '--dev-root-token', devToken, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'];
  const child = spawn(process.execPath, [path.join(root, 'packages/cli/dist/main.js'), ...args], {
    env: {
      ...process.env,
      ...env,
      ...(databaseUrl ? { KEYHAVEN_DATABASE_URL: databaseUrl, KEYHAVEN_MASTER_KEY: key } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { url, token } = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      if (process.env.KH_BENCH_LOG) appendFileSync(process.env.KH_BENCH_LOG, d);
      if (out.length > 65536) return;
      out += d;
      const m = out.match(/Listening on (\S+)/);
      const t = knownToken ?? (databaseUrl ? out.match(/Root token \(shown once[^:]*\): (\S+)/)?.[1] : devToken);
      if (m && t) resolve({ url: m[1], token: t });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return {
    url,
    token,
    child,
    masterKey: key,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

export const cannon = (opts) =>
  new Promise((resolve, reject) => {
    autocannon({ connections: 32, duration: 10, pipelining: 1, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
  });

export const summary = (r) => ({
  req_per_s: Math.round(r.requests.average),
  p50_ms: r.latency.p50,
  p99_ms: r.latency.p99,
  errors: r.errors + r.non2xx,
  total: r.requests.total,
});

export const machine = () =>
  `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;

/** A fresh PostgreSQL database for one server (the admin URL's server), dropped by the returned fn. */
export const freshPgDatabase = async (adminUrl) => {
  const { createRequire } = await import('node:module');
  const pg = createRequire(path.join(root, 'packages/server/package.json'))('pg');
  const name = `kh_bench_${randomBytes(4).toString('hex')}`;
  const run = async (q) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
};

/** `--name value` from the command line, or the default. */
export const option = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};

/** Writes a result to bench/results/<stem>.json. */
export const writeResult = (stem, result) => {
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, `bench/results/${stem}.json`), JSON.stringify(result, null, 2) + '\n');
};
