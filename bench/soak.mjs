#!/usr/bin/env node
// Soak (issue 15): a steady mixed load of audited reads and writes on a fixed set of secrets, at a
// fixed rate, for a long time, watching the server's memory. Versions are pruned past the limit and
// the set of names is fixed, so what the store holds stops growing after the warm-up: memory that
// keeps growing after that is a leak. The server takes a heap snapshot (which first runs a full
// collection) after the warm-up, half-way, and at the end (`--heapsnapshot-signal`); the report sums
// the heap by constructor and lists what grew between the snapshots.
// Usage: npm run build && node bench/soak.mjs [--minutes 10] [--rate 400] [--label name]
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cannon, machine, option, startKeyhaven, writeResult } from './lib.mjs';

const minutes = Number(option('minutes', '10'));
const rate = Number(option('rate', '400'));
const label = option('label', undefined);
const snapDir = mkdtempSync(path.join(os.tmpdir(), 'kh-soak-snap-'));

const kh = await startKeyhaven({ port: 18391, env: { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapDir}` } });
const headers = { authorization: `Bearer ${kh.token}`, 'x-tenant-id': 'default', 'content-type': 'application/json' };
const NAMES = 200;
for (let i = 0; i < NAMES; i++) {
  await fetch(`${kh.url}/v1/secrets/soak/s${i}`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ value: `value-${i}-${'v'.repeat(64)}` }),
  });
}

const rssOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const mb = (b) => +(b / 2 ** 20).toFixed(1);

/** Sums a heap snapshot's self sizes and counts by node name (constructor or kind). */
const heapByName = (file) => {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
  const out = new Map();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const type = types[snap.nodes[i + iType]];
    const raw = snap.strings[snap.nodes[i + iName]];
    const name = type === 'object' || type === 'closure' ? raw : type === 'native' ? `(native) ${raw.slice(0, 60)}` : `(${type})`;
    const size = snap.nodes[i + iSize];
    total += size;
    const e = out.get(name) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += size;
    out.set(name, e);
  }
  return { total, byName: out };
};
const snapshot = async () => {
  const before = new Set(readdirSync(snapDir));
  kh.child.kill('SIGUSR2');
  for (;;) {
    await sleep(500);
    const fresh = readdirSync(snapDir).filter((x) => !before.has(x) && x.endsWith('.heapsnapshot'));
    // Written when its size stops changing.
    if (fresh.length) {
      const file = path.join(snapDir, fresh[0]);
      const s1 = statSync(file).size;
      await sleep(1000);
      if (statSync(file).size === s1 && s1 > 0) return file;
    }
  }
};
const growth = (a, b) =>
  [...b.byName]
    .map(([name, e]) => {
      const o = a.byName.get(name) ?? { count: 0, bytes: 0 };
      return { name, count: e.count - o.count, bytes: e.bytes - o.bytes, bytes_at_end: e.bytes };
    })
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, 12)
    .map((g) => ({ ...g, kib: +(g.bytes / 1024).toFixed(1) }));

/** Load for `seconds`: reads of random names at 3/4 of the rate, new versions at 1/4. Each request
 *  gets its own headers object: autocannon writes content-length into the one it is given, and a GET
 *  sharing the PUTs' object then announced a body it never sent (the server answered 400). */
const readHeaders = () => ({ authorization: headers.authorization, 'x-tenant-id': 'default' });
const writeHeaders = () => ({ ...readHeaders(), 'content-type': 'application/json' });
const load = (seconds) =>
  Promise.all([
    cannon({
      url: kh.url,
      connections: 6,
      duration: seconds,
      overallRate: Math.round(rate * 0.75),
      requests: [
        {
          method: 'GET',
          setupRequest: (r) => ({ ...r, path: `/v1/secrets/soak/s${Math.floor(Math.random() * NAMES)}`, headers: readHeaders() }),
        },
      ],
    }),
    cannon({
      url: kh.url,
      connections: 2,
      duration: seconds,
      overallRate: Math.round(rate * 0.25),
      requests: [
        {
          method: 'PUT',
          setupRequest: (r) => ({
            ...r,
            path: `/v1/secrets/soak/s${Math.floor(Math.random() * NAMES)}`,
            headers: writeHeaders(),
            body: JSON.stringify({ value: `w-${Math.random()}` }),
          }),
        },
      ],
    }),
  ]);

const samples = [];
const sampler = setInterval(() => samples.push({ t_s: Math.round((Date.now() - t0) / 1000), rss_mb: mb(rssOf(kh.child.pid)) }), 10_000);
const t0 = Date.now();
const totals = { requests: 0, errors: 0 };
const tally = (rs) => {
  for (const r of rs) {
    totals.requests += r.requests.total;
    totals.errors += r.errors + r.non2xx;
  }
};

tally(await load(60)); // warm-up: caches, version pruning and the WAL reach their steady size
const snapA = heapByName(await snapshot());
const rssA = rssOf(kh.child.pid);
const half = Math.max(30, Math.round((minutes * 60 - 60) / 2));
tally(await load(half));
const snapB = heapByName(await snapshot());
tally(await load(half));
const snapC = heapByName(await snapshot());
const rssC = rssOf(kh.child.pid);
clearInterval(sampler);
await kh.stop();
rmSync(snapDir, { recursive: true, force: true });

const result = {
  date: new Date().toISOString(),
  machine: machine(),
  minutes,
  rate_per_s: rate,
  secrets: NAMES,
  ...totals,
  heap_after_warmup_mb: mb(snapA.total),
  heap_half_way_mb: mb(snapB.total),
  heap_at_end_mb: mb(snapC.total),
  rss_after_warmup_mb: mb(rssA),
  rss_at_end_mb: mb(rssC),
  growth_warmup_to_half: growth(snapA, snapB),
  growth_half_to_end: growth(snapB, snapC),
  rss_samples: samples,
};
console.log(
  JSON.stringify(
    {
      ...result,
      rss_samples: undefined,
      growth_warmup_to_half: result.growth_warmup_to_half.slice(0, 6),
      growth_half_to_end: result.growth_half_to_end.slice(0, 6),
    },
    null,
    2,
  ),
);
writeResult(`soak${label ? `-${label}` : ''}`, result);
