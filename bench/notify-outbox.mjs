#!/usr/bin/env node
// Benchmark (issue 22): the cost of the notification outbox on writes. Two servers in one run, each a
// fresh `--dev` store: one without subscriptions (a write then reads the tenant's subscriptions and
// finds none) and one with a webhook subscription to a local receiver (each write also inserts an
// outbox row in its transaction, and the delivery worker sends it). PUTs of new versions of one
// secret, 32 connections, interleaved rounds; the ratio is taken within each round.
// Usage: npm run build && node bench/notify-outbox.mjs [--duration 8] [--rounds 3] [--label name]
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
  return summary(await cannon({ ...opts, duration }));
};
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
  round.pending_after = await pending(subscribed);
  console.error(
    `round ${r + 1}/${rounds}: no subscriptions ${round.no_subscriptions.req_per_s}/s (p99 ${round.no_subscriptions.p99_ms} ms), one webhook ${round.one_webhook.req_per_s}/s (p99 ${round.one_webhook.p99_ms} ms), ratio ${round.webhook_vs_none}, deliveries pending ${round.pending_after}, received ${received}`,
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
  },
  webhook_requests_received: received,
  drain_after_last_round_ms: drainMs,
  rounds_detail: runs,
};
console.log(JSON.stringify(result.median, null, 2));
writeResult(`notify-outbox-sqlite${label ? `-${label}` : ''}`, result);
