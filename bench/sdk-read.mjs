// Benchmark: SDK reads per second: cached (createSecretsReader hit) against uncached (one HTTP round
// trip per read) against a real server. Writes bench/results/sdk-read.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root, startKeyhaven } from './lib.mjs';
import { createClient, createSecretsReader } from '../packages/sdk/dist/index.js';

const server = await startKeyhaven({ port: 18392 });
try {
  const client = createClient({ addr: server.url, token: server.token });
  await client.secrets.set('bench/sdk/key', { password: 'p4ss' });
  const measure = async (name, fn, ms) => {
    for (let i = 0; i < 1000; i++) await fn(); // warm-up
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      for (let i = 0; i < 100; i++) await fn();
      n += 100;
    }
    const s = (performance.now() - t0) / 1000;
    const r = { ops: n, seconds: +s.toFixed(2), ops_per_s: Math.round(n / s), us_per_op: +((s * 1e6) / n).toFixed(2) };
    console.log(name.padEnd(34), JSON.stringify(r));
    return r;
  };
  const reader = createSecretsReader(client, { fromEnv: false, cacheTtlMs: 300_000 });
  const results = {
    cached_get: await measure('reader.get (cache hit)', () => reader.get('bench/sdk/key'), 3000),
    cached_field_get: await measure('reader.get name#field (cache hit)', () => reader.get('bench/sdk/key#password'), 3000),
    uncached_client_get: await measure('client.secrets.get (HTTP)', () => client.secrets.get('bench/sdk/key'), 5000),
  };
  const out = { date: new Date().toISOString(), node: process.version, results, stats: reader.stats() };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/sdk-read.json'), JSON.stringify(out, null, 2) + '\n');
} finally {
  await server.stop();
}
