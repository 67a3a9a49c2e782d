#!/usr/bin/env node
// How soon another replica serves a write (ADR 0006 / ADR 0012): two built servers on one fresh
// PostgreSQL database, the read cache on; each round writes a new value through A, then reads it
// through B in a loop until B returns it, and records the time from A's response to B's first new
// value. B has the old value cached before every write, so what is measured is the invalidation's
// journey. Run after `npm run build`:
//   node bench/replica-lag.mjs [--rounds 30] [--label name]      (KEYHAVEN_CHANGE_FEED=log|notify picks the design)
// Writes bench/results/replica-lag-<label>.json. Results are printed and written, never asserted.
import { freshPgDatabase, machine, option, startKeyhaven, writeResult } from './lib.mjs';

const rounds = Number(option('rounds', '30'));
const label = option('label', process.env.KEYHAVEN_CHANGE_FEED ?? 'log');
const adminUrl = option('database-url', process.env.KEYHAVEN_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

const db = await freshPgDatabase(adminUrl);
const a = await startKeyhaven({ port: 18700, databaseUrl: db.url });
const b = await startKeyhaven({ port: 18701, databaseUrl: db.url, masterKey: a.masterKey, token: a.token });
const call = (kh, method, body) =>
  fetch(`${kh.url}/v1/secrets/bench/lag`, {
    method,
    headers: { authorization: `Bearer ${a.token}`, 'x-tenant-id': 'default', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));

const lags = [];
let readsPerRound = 0;
try {
  await call(a, 'PUT', { value: 'v0' });
  await new Promise((r) => setTimeout(r, 1500)); // both feeds live
  for (let i = 1; i <= rounds; i++) {
    // b holds the previous value (read twice: the second comes from its cache)
    for (let k = 0; k < 2; k++) await call(b, 'GET');
    const w = await call(a, 'PUT', { value: `v${i}` });
    if (w.status !== 200) throw new Error(`write: ${w.status}`);
    const t0 = performance.now();
    for (;;) {
      const r = await call(b, 'GET');
      readsPerRound += 1;
      if (r.body.value === `v${i}`) break;
      if (performance.now() - t0 > 10_000) throw new Error('b did not serve the write within 10 s');
    }
    lags.push(performance.now() - t0);
  }
} finally {
  await b.stop();
  await a.stop();
  await db.drop();
}
lags.sort((x, y) => x - y);
const at = (q) => Math.round(lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] * 10) / 10;
const result = {
  machine: machine(),
  design: process.env.KEYHAVEN_CHANGE_FEED ?? 'log (default)',
  rounds,
  lag_ms: { p50: at(0.5), p90: at(0.9), max: at(1) },
  reads_through_b_per_round: Math.round((readsPerRound / rounds) * 10) / 10,
};
console.log(JSON.stringify(result));
writeResult(`replica-lag-${label}`, result);
