#!/usr/bin/env node
// Benchmark (issue 20, audit part; ADR 0011): audited writes on PostgreSQL from two server replicas
// on one database, through a TCP proxy that adds a fixed delay each way (a database a few
// milliseconds away, where holding a chain's head lock costs round trips). The same total load (64
// concurrent clients, split over both replicas) goes to ONE tenant, whose batches queue on one head
// row as every batch did on the single global chain before 011, then spread over EIGHT tenants, whose
// chains are locked independently. Writes/s and latency percentiles per case, interleaved rounds.
// Usage: npm run build && node bench/audit-chains.mjs [--op read|write] [--duration 8] [--rounds 2] [--delay-ms 2]
//        [--database-url postgres://postgres@127.0.0.1:5432/postgres]
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freshPgDatabase, machine, option, root, writeResult } from './lib.mjs';

const duration = Number(option('duration', '8'));
const rounds = Number(option('rounds', '2'));
const delayMs = Number(option('delay-ms', '2'));
const adminUrl = option('database-url', 'postgres://postgres@127.0.0.1:5432/postgres');
const WRITERS = 64;
const op = option('op', 'read'); // read: an audited read (1 own round trip, the audit batch's 3); write: a new version

/** A TCP proxy that delays every chunk by `ms` in each direction. */
const delayProxy = (target, ms) =>
  new Promise((resolve) => {
    const server = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      const pipe = (from, to) =>
        from.on('data', (d) => setTimeout(() => to.writable && to.write(d), ms)).on('close', () => setTimeout(() => to.destroy(), ms));
      pipe(client, upstream);
      pipe(upstream, client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, close: () => server.close() }));
  });

const { buildApp, bootstrap } = await import(path.join(root, 'packages/server/dist/app.js'));
const { loadConfig } = await import(path.join(root, 'packages/server/dist/config/load-config.js'));

const db = await freshPgDatabase(adminUrl);
const admin = new URL(adminUrl);
const proxy = await delayProxy({ host: admin.hostname, port: Number(admin.port || 5432) }, delayMs);
const viaProxy = new URL(db.url);
viaProxy.hostname = '127.0.0.1';
viaProxy.port = String(proxy.port);
const dataDir = path.join(root, 'bench/.tmp', `audit-chains-${randomBytes(3).toString('hex')}`);
const config = loadConfig({
  env: {},
  flags: { databaseUrl: viaProxy.toString(), dataDir, masterKey: randomBytes(32).toString('base64'), logLevel: 'silent' },
});
const first = await buildApp(config);
const token = (await bootstrap(first)).rootToken;
const replicas = [first, await buildApp(config)];
const TENANTS = Array.from({ length: 8 }, (_, i) => `bench-${i}`);
for (const id of TENANTS) {
  await first.http.inject({
    method: 'POST',
    url: '/v1/tenants',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ id, name: id }),
  });
  for (let i = 0; i < 20; i++)
    await first.http.inject({
      method: 'PUT',
      url: `/v1/secrets/bench/s${i}`,
      headers: { authorization: `Bearer ${token}`, 'x-tenant-id': id, 'content-type': 'application/json' },
      payload: JSON.stringify({ value: 'bench-value' }),
    });
}

const run = async (tenants) => {
  const lat = [];
  let ok = 0;
  let errors = 0;
  const end = Date.now() + duration * 1000;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const app = replicas[w % replicas.length];
      const tenant = tenants[w % tenants.length];
      for (let i = 0; Date.now() < end; i++) {
        const t0 = performance.now();
        const r =
          op === 'read'
            ? await app.http.inject({
                method: 'GET',
                url: `/v1/secrets/bench/s${i % 20}`,
                headers: { authorization: `Bearer ${token}`, 'x-tenant-id': tenant },
              })
            : await app.http.inject({
                method: 'PUT',
                url: `/v1/secrets/w${w}/s${i % 20}`,
                headers: { authorization: `Bearer ${token}`, 'x-tenant-id': tenant, 'content-type': 'application/json' },
                payload: JSON.stringify({ value: 'bench-value' }),
              });
        lat.push(performance.now() - t0);
        if (r.statusCode === 200) ok++;
        else errors++;
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const p = (q) => Math.round(lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] * 10) / 10;
  return { per_s: Math.round(ok / duration), p50_ms: p(0.5), p99_ms: p(0.99), errors };
};

const results = { one_tenant: [], eight_tenants: [] };
for (let r = 0; r < rounds; r++) {
  results.one_tenant.push(await run([TENANTS[0]]));
  results.eight_tenants.push(await run(TENANTS));
  console.log(`round ${r + 1}:`, JSON.stringify({ one: results.one_tenant.at(-1), eight: results.eight_tenants.at(-1) }));
}
const verify = await first.services.audit.verify();
const median = (xs, k) => xs.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = {
  bench: 'audit-chains',
  machine: machine(),
  op,
  delay_ms_each_way: delayMs,
  replicas: replicas.length,
  writers: WRITERS,
  duration_s: duration,
  rounds,
  median: Object.fromEntries(
    Object.entries(results).map(([k, v]) => [k, { per_s: median(v, 'per_s'), p50_ms: median(v, 'p50_ms'), p99_ms: median(v, 'p99_ms') }]),
  ),
  results,
  verify: { ok: verify.ok, checked: verify.checked, chains: verify.chains.length },
};
console.log(JSON.stringify(out.median), 'verify', JSON.stringify(out.verify));
writeResult(option('label', `audit-chains-postgres-${op}-${delayMs}ms`), out);
for (const app of replicas) await app.close();
proxy.close();
await db.drop();
