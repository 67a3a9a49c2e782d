// Benchmark: start-up cost of `keyhaven run -- true` (fetching 3 secrets, masking on) against plain
// `node -e ''`, measured by repeated spawns (hyperfine is not installed). Writes bench/results/run-startup.json.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root, startKeyhaven } from './lib.mjs';

const RUNS = Number(process.env.RUNS ?? 30);
const cli = path.join(root, 'packages/cli/dist/main.js');

const time = (args, env) =>
  new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.on('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`exit ${code}: ${err}`))));
  });

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return {
    runs: s.length,
    mean_ms: +(s.reduce((a, b) => a + b, 0) / s.length).toFixed(1),
    median_ms: +q(0.5).toFixed(1),
    p95_ms: +q(0.95).toFixed(1),
    min_ms: +s[0].toFixed(1),
  };
};

const server = await startKeyhaven({ port: 18391 });
try {
  const env = { ...process.env, KEYHAVEN_ADDR: server.url, KEYHAVEN_TOKEN: server.token };
  for (const [n, v] of [
    ['bench/app/db', { user: 'u', password: 'p4ssw0rd-bench' }],
    ['bench/app/api-key', 'sk-bench-123456'],
    ['bench/app/token', 'tok-bench-abcdef'],
  ]) {
    const r = await fetch(`${server.url}/v1/secrets/${n}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.token}`, 'x-tenant-id': 'default', 'content-type': 'application/json' },
      body: JSON.stringify({ value: v }),
    });
    if (!r.ok) throw new Error(`seed failed: ${r.status}`);
  }
  const cases = {
    'node -e ""': [['-e', ''], env],
    'keyhaven --version': [[cli, '--version'], env],
    'keyhaven run --prefix bench/app/ -- node -e ""': [[cli, 'run', '--prefix', 'bench/app/', '--', process.execPath, '-e', ''], env],
    'keyhaven run --prefix bench/app/ --no-mask -- node -e ""': [
      [cli, 'run', '--prefix', 'bench/app/', '--no-mask', '--', process.execPath, '-e', ''],
      env,
    ],
    'keyhaven run --prefix bench/app/ -- true': [[cli, 'run', '--prefix', 'bench/app/', '--', 'true'], env],
  };
  const results = {};
  for (const [name, [args, e]] of Object.entries(cases)) {
    await time(args, e); // warm-up
    const xs = [];
    for (let i = 0; i < RUNS; i++) xs.push(await time(args, e));
    results[name] = stats(xs);
    console.log(name.padEnd(58), JSON.stringify(results[name]));
  }
  const base = results['node -e ""'].median_ms;
  const run = results['keyhaven run --prefix bench/app/ -- node -e ""'].median_ms;
  const os = await import('node:os');
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadavg_1m_at_end: +os.loadavg()[0].toFixed(2),
    runs: RUNS,
    results,
    overhead_median_ms: +(run - base).toFixed(1),
  };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/run-startup.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`keyhaven run adds ${out.overhead_median_ms} ms (median) over starting node directly`);
} finally {
  await server.stop();
}
