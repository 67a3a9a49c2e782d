#!/usr/bin/env node
// Benchmark (issue 22): the cost of the notification outbox on writes. Two servers in one run, each a
// fresh `--dev` store: one without subscriptions (a write then reads the tenant's subscriptions and
// finds none) and one with a webhook subscription to a local receiver (each write also inserts an
// outbox row in its transaction, and the delivery worker sends it). PUTs of new versions of one
// secret, 32 connections, interleaved rounds; the ratio is taken within each round.
// Usage: npm run build && node bench/notify-outbox.mjs [--duration 8] [--rounds 3] [--label name]
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { cannon, machine, option, startKeyhaven, summary, writeResult } from './lib.mjs';

const duration = Number(option('duration', '8'));
const rounds = Number(option('rounds', '3'));
const label = option('label', undefined);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

let received = 0;
const receiver = http.createServer((req, res) => {
  req.resume().on('end', () => {
    received++;
    res.writeHead(204).end();
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const hook = `http://127.0.0.1:${receiver.address().port}/hook`;

const env = { KEYHAVEN_EGRESS_ALLOW_LOOPBACK: 'true' };
const plain = await startKeyhaven({ env, port: 18477 });
const subscribed = await startKeyhaven({ env, port: 18478 });
const headersOf = (kh) => ({ authorization: `Bearer ${kh.token}`, 'x-tenant-id': 'default', 'content-type': 'application/json' });
const sub = await fetch(`${subscribed.url}/v1/notifications/subscriptions`, {
  method: 'POST',
  headers: headersOf(subscribed),
  body: JSON.stringify({ id: 'bench', channel: 'webhook', config: { url: hook } }),
});
if (sub.status !== 201) throw new Error(`subscription failed: ${sub.status} ${await sub.text()}`);

const writes = async (kh) => {
  const opts = {
    url: `${kh.url}/v1/secrets/bench/written`,
    method: 'PUT',
    headers: headersOf(kh),
    body: JSON.stringify({ value: 'written-value' }),
  };
  await cannon({ ...opts, duration: 2 });
  const cpu0 = cpuSeconds(kh.child.pid);
  const r = summary(await cannon({ ...opts, duration }));
  // Server CPU per write over the measured window (user + system, from /proc): less sensitive to
  // other jobs on the machine than writes/s. For the subscribed server it includes the delivery
  // worker's sends during the window.
  r.server_cpu_us_per_write = r.total > 0 ? Math.round(((cpuSeconds(kh.child.pid) - cpu0) * 1e6) / r.total) : null;
  return r;
};
/** User + system CPU seconds of a process (/proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
const pending = async (kh) =>
  (await (await fetch(`${kh.url}/v1/notifications/deliveries?status=pending&limit=1000`, { headers: headersOf(kh) })).json()).items.length;

const runs = [];
for (let r = 0; r < rounds; r++) {
  const round = { load_average: os.loadavg().map((x) => +x.toFixed(2)) };
  // Alternate which goes first, so drift within a round does not favour one side.
  if (r % 2 === 0) {
    round.no_subscriptions = await writes(plain);
    round.one_webhook = await writes(subscribed);
  } else {
    round.one_webhook = await writes(subscribed);
    round.no_subscriptions = await writes(plain);
  }
  round.webhook_vs_none = +(round.one_webhook.req_per_s / round.no_subscriptions.req_per_s).toFixed(3);
  round.cpu_per_write_webhook_vs_none = +(
    round.one_webhook.server_cpu_us_per_write / round.no_subscriptions.server_cpu_us_per_write
  ).toFixed(3);
  round.pending_after = await pending(subscribed);
  console.error(
    `round ${r + 1}/${rounds}: no subscriptions ${round.no_subscriptions.req_per_s}/s (p99 ${round.no_subscriptions.p99_ms} ms), one webhook ${round.one_webhook.req_per_s}/s (p99 ${round.one_webhook.p99_ms} ms), ratio ${round.webhook_vs_none}, CPU/write ${round.no_subscriptions.server_cpu_us_per_write} vs ${round.one_webhook.server_cpu_us_per_write} µs, deliveries pending ${round.pending_after}, received ${received}`,
  );
  runs.push(round);
}
// How long the worker needs to drain what the last round queued.
const t0 = Date.now();
while ((await pending(subscribed)) > 0 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 250));
const drainMs = Date.now() - t0;
await plain.stop();
await subscribed.stop();
receiver.close();

const medianOf = (key) => ({
  req_per_s: median(runs.map((r) => r[key].req_per_s)),
  p50_ms: median(runs.map((r) => r[key].p50_ms)),
  p99_ms: median(runs.map((r) => r[key].p99_ms)),
  errors: runs.reduce((n, r) => n + r[key].errors, 0),
  server_cpu_us_per_write: median(runs.map((r) => r[key].server_cpu_us_per_write)),
});
const result = {
  date: new Date().toISOString(),
  machine: machine(),
  backend: 'sqlite',
  duration_s: duration,
  rounds,
  median: {
    no_subscriptions: medianOf('no_subscriptions'),
    one_webhook: medianOf('one_webhook'),
    webhook_vs_none: median(runs.map((r) => r.webhook_vs_none)),
    cpu_per_write_webhook_vs_none: median(runs.map((r) => r.cpu_per_write_webhook_vs_none)),
  },
  webhook_requests_received: received,
  drain_after_last_round_ms: drainMs,
  rounds_detail: runs,
};
console.log(JSON.stringify(result.median, null, 2));
writeResult(`notify-outbox-sqlite${label ? `-${label}` : ''}`, result);
