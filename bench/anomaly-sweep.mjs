#!/usr/bin/env node
// Benchmark: the anomaly sweep over a large audit log. Fills audit_events with N synthetic events over
// the last 7 days (20 tokens, 200 secrets, 30 source IPs, 2 tenants; mostly successful reads, some
// denials, writes and emergency rotations), then measures the first sweep after a start (reads the
// whole lookback back), and a later sweep after M more events, each with the longest time the event
// loop was held (a 1 ms timer's worst lateness): what requests arriving meanwhile would wait.
// Usage: npm run build && node bench/anomaly-sweep.mjs [--events 400000] [--more 20000] [--label name]
//        [--database-url postgres://postgres@127.0.0.1:5432/postgres]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshPgDatabase, machine, option, root, writeResult } from './lib.mjs';

const events = Number(option('events', '400000'));
const more = Number(option('more', '20000'));
const label = option('label', undefined);
const databaseUrl = option('database-url', undefined);

const { openStorage } = await import(path.join(root, 'packages/server/dist/storage/database.js'));
const { createAnomalyDetector } = await import(path.join(root, 'packages/server/dist/features/audit/anomalies.js'));

const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-anomaly-'));
const pgdb = databaseUrl ? await freshPgDatabase(databaseUrl) : undefined;
const storage = await openStorage(pgdb?.url ?? path.join(dir, 'keyhaven.db'));

let seq = 0;
const now = Date.now();
const span = 7 * 86400_000;
const pick = (xs, i) => xs[i % xs.length];
const actors = Array.from({ length: 20 }, (_, i) => `tok_${i}`);
const secrets = Array.from({ length: 200 }, (_, i) => `apps/svc-${i % 17}/secret-${i}`);
const ips = Array.from({ length: 30 }, (_, i) => `10.0.${i % 4}.${i}`);
const row = (at, i) => {
  const r = (i * 2654435761) >>> 0;
  const kind = r % 1000;
  const action = kind < 980 ? 'secret.read' : kind < 995 ? 'secret.write' : 'auth.login';
  return {
    seq: ++seq,
    tenant_id: pick(['default', 'other'], r >>> 3),
    time: new Date(at).toISOString(),
    actor_id: pick(actors, r >>> 5),
    actor_name: null,
    actor_kind: 'service',
    action,
    resource: pick(secrets, r >>> 7),
    outcome: kind % 97 === 0 ? 'denied' : 'success',
    status: 200,
    error_code: null,
    source_ip: pick(ips, r >>> 11),
    user_agent: null,
    request_id: null,
    version: 1,
    value_hmac: null,
    details: null,
    prev_hash: 'x',
    hash: 'x',
  };
};
const fill = async (n, from, to) => {
  for (let i = 0; i < n; i += 500) {
    const rows = [];
    for (let j = i; j < Math.min(n, i + 500); j++) rows.push(row(from + ((to - from) * j) / n, seq));
    await storage.db.insertInto('audit_events').values(rows).execute();
  }
};

const sweepMeasured = async (detector) => {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const t = performance.now();
    worst = Math.max(worst, t - last - 1);
    last = t;
  }, 1);
  const t0 = performance.now();
  const found = await detector.sweep();
  const ms = performance.now() - t0;
  worst = Math.max(worst, performance.now() - last); // a block that ran to the end
  clearInterval(timer);
  const kinds = {};
  for (const a of found) kinds[a.kind] = (kinds[a.kind] ?? 0) + 1;
  return { ms: Math.round(ms), longest_block_ms: +worst.toFixed(1), anomalies: kinds };
};

console.error(`filling ${events} events…`);
await fill(events, now - span, now - 60_000);
const clock = { now: () => new Date(now) };
const detector = createAnomalyDetector({ storage, clock, bus: { publish() {} } });
const first = await sweepMeasured(detector);
console.error(`first sweep over ${events}: ${first.ms} ms, longest block ${first.longest_block_ms} ms`);
await fill(more, now - 60_000, now);
const next = await sweepMeasured(detector);
console.error(`next sweep after ${more} more: ${next.ms} ms, longest block ${next.longest_block_ms} ms`);
const idle = await sweepMeasured(detector);
console.error(`sweep with nothing new: ${idle.ms} ms`);

await storage.close?.();
await pgdb?.drop();
rmSync(dir, { recursive: true, force: true });
const result = {
  date: new Date().toISOString(),
  machine: machine(),
  backend: databaseUrl ? 'postgres' : 'sqlite',
  events,
  more,
  first_sweep: first,
  next_sweep: next,
  idle_sweep: idle,
};
console.log(JSON.stringify(result, null, 2));
writeResult(`anomaly-sweep-${result.backend}${label ? `-${label}` : ''}`, result);
