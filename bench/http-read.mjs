#!/usr/bin/env node
// Benchmark (issue 2): authenticated read of a current secret over HTTP versus a bare Fastify route
// returning a constant JSON body of the same size, at 32 connections; and writes of new versions.
// Usage: npm run build && node bench/http-read.mjs [--duration 10] [--database-url postgres://...]
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { cannon, machine, root, startKeyhaven, summary } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const duration = Number(opt('duration', '10'));
const databaseUrl = opt('database-url', undefined);

const kh = await startKeyhaven({ databaseUrl });
const headers = { authorization: `Bearer ${kh.token}`, 'x-tenant-id': 'default', 'content-type': 'application/json' };
await fetch(`${kh.url}/v1/secrets/bench/api-key`, { method: 'PUT', headers, body: JSON.stringify({ value: 'sk_bench_' + 'x'.repeat(40) }) });
const sample = await (await fetch(`${kh.url}/v1/secrets/bench/api-key`, { headers })).text();

const require = createRequire(path.join(root, 'packages/server/package.json'));
const fastifyDir = path.dirname(require.resolve('fastify/package.json'));
const bare = spawn(process.execPath, [path.join(root, 'bench/bare-server.mjs'), '18399', sample], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_PATH: path.dirname(fastifyDir) } });
await new Promise((r) => bare.stdout.once('data', r));

const warm = (url, h) => cannon({ url, headers: h, duration: 2 });
await warm('http://127.0.0.1:18399/bare', {});
const bareRes = summary(await cannon({ url: 'http://127.0.0.1:18399/bare', duration }));
bare.kill();
await warm(`${kh.url}/v1/secrets/bench/api-key`, headers);
const readRes = summary(await cannon({ url: `${kh.url}/v1/secrets/bench/api-key`, headers, duration }));

let n = 0;
const writeRes = summary(await cannon({
  url: `${kh.url}/v1/secrets/bench/written`, method: 'PUT', headers, duration,
  setupClient: (client) => client.setBody(JSON.stringify({ value: `value-${n++}` })),
}));
await kh.stop();

const result = {
  date: new Date().toISOString(), machine: machine(), backend: databaseUrl ? 'postgres' : 'sqlite', duration_s: duration, body_bytes: sample.length,
  bare_route: bareRes, authenticated_read: readRes, read_vs_bare: +(readRes.req_per_s / bareRes.req_per_s).toFixed(3), writes_new_versions: writeRes,
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, `bench/results/http-read-${result.backend}.json`), JSON.stringify(result, null, 2) + '\n');
