#!/usr/bin/env node
// Benchmark (issues 2 and 3): authenticated read of a current secret over HTTP versus a bare Fastify
// route returning a constant JSON body of the same size, at 32 connections, with the database audit
// sink on and off; and writes of new versions. The machine is shared and noisy, so the measures run in
// interleaved rounds (bare, read, write, read without audit, then again) and the medians are reported,
// with each round's read ÷ bare taken within that round.
// Usage: npm run build && node bench/http-read.mjs [--duration 10] [--rounds 3] [--label name]
//        [--database-url postgres://admin@host/db]  (each server then gets a fresh database through it)
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import os from 'node:os';
import { cannon, freshPgDatabase, machine, option, root, startKeyhaven, summary, writeResult } from './lib.mjs';

const duration = Number(option('duration', '10'));
const rounds = Number(option('rounds', '3'));
const label = option('label', undefined);
const databaseUrl = option('database-url', undefined);

const prepare = async (env, port) => {
  const db = databaseUrl ? await freshPgDatabase(databaseUrl) : undefined;
  const started = await startKeyhaven({ databaseUrl: db?.url, env, port });
  const kh = {
    ...started,
    stop: async () => {
      await started.stop();
      await db?.drop();
    },
  };
  const headers = { authorization: `Bearer ${kh.token}`, 'x-tenant-id': 'default', 'content-type': 'application/json' };
  await fetch(`${kh.url}/v1/secrets/bench/api-key`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ value: 'sk_bench_' + 'x'.repeat(40) }),
  });
  return { kh, headers };
};
/** The server's own latency histogram for the secrets route (`/metrics`): cumulative counts by bucket. */
const scrape = async (target) => {
  const text = await (await fetch(`${target.kh.url}/metrics`, { headers: target.headers })).text();
  const counts = {};
  for (const m of text.matchAll(/^keyhaven_http_request_duration_seconds_bucket\{le="([^"]+)",route="\/v1\/secrets\/\*"\} (\d+)$/gm))
    counts[m[1]] = Number(m[2]);
  return counts;
};
/** Measures after a warm-up; with a Keyhaven target also the share of the measured requests that the
 *  server itself finished within 5 ms (from its histogram), apart from time spent before it read them. */
const measure = async (opts, target) => {
  await cannon({ ...opts, duration: 2 }); // warm-up
  const before = target ? await scrape(target) : undefined;
  const result = summary(await cannon({ ...opts, duration }));
  if (target) {
    const after = await scrape(target);
    const n = after['+Inf'] - before['+Inf'];
    result.server_within_5ms = n > 0 ? +((after['0.005'] - before['0.005']) / n).toFixed(4) : null;
  }
  return result;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const on = await prepare({}, 18377);
const off = await prepare({ KEYHAVEN_AUDIT_SINKS: '' }, 18378);
const sample = await (await fetch(`${on.kh.url}/v1/secrets/bench/api-key`, { headers: on.headers })).text();

const require = createRequire(path.join(root, 'packages/server/package.json'));
const fastifyDir = path.dirname(require.resolve('fastify/package.json'));
const bare = spawn(process.execPath, [path.join(root, 'bench/bare-server.mjs'), '18399', sample], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, NODE_PATH: path.dirname(fastifyDir) },
});
await new Promise((r) => bare.stdout.once('data', r));

const runs = [];
for (let r = 0; r < rounds; r++) {
  const round = { load_average: os.loadavg().map((x) => +x.toFixed(2)) };
  round.bare_route = await measure({ url: 'http://127.0.0.1:18399/bare' });
  round.authenticated_read_audit_on = await measure({ url: `${on.kh.url}/v1/secrets/bench/api-key`, headers: on.headers }, on);
  round.writes_new_versions_audit_on = await measure(
    { url: `${on.kh.url}/v1/secrets/bench/written`, method: 'PUT', headers: on.headers, body: JSON.stringify({ value: 'written-value' }) },
    on,
  );
  round.authenticated_read_audit_off = await measure({ url: `${off.kh.url}/v1/secrets/bench/api-key`, headers: off.headers }, off);
  round.read_vs_bare = +(round.authenticated_read_audit_on.req_per_s / round.bare_route.req_per_s).toFixed(3);
  round.read_without_audit_vs_bare = +(round.authenticated_read_audit_off.req_per_s / round.bare_route.req_per_s).toFixed(3);
  round.audit_on_vs_off = +(round.authenticated_read_audit_on.req_per_s / round.authenticated_read_audit_off.req_per_s).toFixed(3);
  console.error(
    `round ${r + 1}/${rounds}: bare ${round.bare_route.req_per_s}/s, read ${round.authenticated_read_audit_on.req_per_s}/s (p99 ${round.authenticated_read_audit_on.p99_ms} ms, server ≤ 5 ms ${round.authenticated_read_audit_on.server_within_5ms}), writes ${round.writes_new_versions_audit_on.req_per_s}/s, read without audit ${round.authenticated_read_audit_off.req_per_s}/s`,
  );
  runs.push(round);
}
bare.kill();
await on.kh.stop();
await off.kh.stop();

const medianOf = (key) => ({
  req_per_s: median(runs.map((r) => r[key].req_per_s)),
  p50_ms: median(runs.map((r) => r[key].p50_ms)),
  p99_ms: median(runs.map((r) => r[key].p99_ms)),
  ...(runs[0][key].server_within_5ms !== undefined ? { server_within_5ms: median(runs.map((r) => r[key].server_within_5ms)) } : {}),
  errors: runs.reduce((n, r) => n + r[key].errors, 0),
});
const result = {
  date: new Date().toISOString(),
  machine: machine(),
  backend: databaseUrl ? 'postgres' : 'sqlite',
  duration_s: duration,
  rounds,
  body_bytes: sample.length,
  median: {
    bare_route: medianOf('bare_route'),
    authenticated_read_audit_on: medianOf('authenticated_read_audit_on'),
    authenticated_read_audit_off: medianOf('authenticated_read_audit_off'),
    writes_new_versions_audit_on: medianOf('writes_new_versions_audit_on'),
    read_vs_bare: median(runs.map((r) => r.read_vs_bare)),
    read_without_audit_vs_bare: median(runs.map((r) => r.read_without_audit_vs_bare)),
    audit_on_vs_off: median(runs.map((r) => r.audit_on_vs_off)),
  },
  rounds_detail: runs,
};
console.log(JSON.stringify(result.median, null, 2));
writeResult(`http-read-${result.backend}${label ? `-${label}` : ''}`, result);
