#!/usr/bin/env node
// Benchmark (issues 2 and 3): authenticated read of a current secret over HTTP versus a bare Fastify
// route returning a constant JSON body of the same size, at 32 connections, with the database audit
// sink on and off; and writes of new versions.
// Usage: npm run build && node bench/http-read.mjs [--duration 10] [--database-url postgres://admin@host/db]
// (with a PostgreSQL URL each server gets a fresh database created through that admin connection)
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import os from 'node:os';
import { cannon, freshPgDatabase, machine, root, startKeyhaven, summary } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const duration = Number(opt('duration', '10'));
const databaseUrl = opt('database-url', undefined);

const prepare = async (env) => {
  const db = databaseUrl ? await freshPgDatabase(databaseUrl) : undefined;
  const started = await startKeyhaven({ databaseUrl: db?.url, env });
  const kh = { ...started, stop: async () => { await started.stop(); await db?.drop(); } };
  const headers = { authorization: `Bearer ${kh.token}`, 'x-tenant-id': 'default', 'content-type': 'application/json' };
  await fetch(`${kh.url}/v1/secrets/bench/api-key`, { method: 'PUT', headers, body: JSON.stringify({ value: 'sk_bench_' + 'x'.repeat(40) }) });
  return { kh, headers };
};
const readRun = async ({ kh, headers }) => {
  await cannon({ url: `${kh.url}/v1/secrets/bench/api-key`, headers, duration: 2 });
  return summary(await cannon({ url: `${kh.url}/v1/secrets/bench/api-key`, headers, duration }));
};

const on = await prepare({});
const sample = await (await fetch(`${on.kh.url}/v1/secrets/bench/api-key`, { headers: on.headers })).text();

const require = createRequire(path.join(root, 'packages/server/package.json'));
const fastifyDir = path.dirname(require.resolve('fastify/package.json'));
const bare = spawn(process.execPath, [path.join(root, 'bench/bare-server.mjs'), '18399', sample], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_PATH: path.dirname(fastifyDir) } });
await new Promise((r) => bare.stdout.once('data', r));
await cannon({ url: 'http://127.0.0.1:18399/bare', duration: 2 });
const bareRes = summary(await cannon({ url: 'http://127.0.0.1:18399/bare', duration }));
bare.kill();

const readAudited = await readRun(on);
const writeRes = summary(await cannon({ url: `${on.kh.url}/v1/secrets/bench/written`, method: 'PUT', headers: on.headers, duration, body: JSON.stringify({ value: 'written-value' }) }));
await on.kh.stop();
const off = await prepare({ KEYHAVEN_AUDIT_SINKS: '' });
const readUnaudited = await readRun(off);
await off.kh.stop();

const result = {
  date: new Date().toISOString(), machine: machine(), load_average: os.loadavg().map((x) => +x.toFixed(2)), backend: databaseUrl ? 'postgres' : 'sqlite', duration_s: duration, body_bytes: sample.length,
  bare_route: bareRes,
  authenticated_read_audit_on: readAudited,
  authenticated_read_audit_off: readUnaudited,
  read_vs_bare: +(readAudited.req_per_s / bareRes.req_per_s).toFixed(3),
  audit_on_vs_off: +(readAudited.req_per_s / readUnaudited.req_per_s).toFixed(3),
  writes_new_versions_audit_on: writeRes,
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, `bench/results/http-read-${result.backend}.json`), JSON.stringify(result, null, 2) + '\n');
