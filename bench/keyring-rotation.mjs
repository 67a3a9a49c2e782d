// Benchmark: keyring KEK rotation over 100,000 data keys (1,000 secrets × 100 versions) on SQLite,
// with readers hitting random versions over HTTP throughout; counts failed reads (must be 0) and
// reports re-wrap rate and read latency during rotation. Writes bench/results/keyring-rotation.json.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { root } from './lib.mjs';
import { loadConfig, startServer } from '../packages/server/dist/index.js';
import { aadFor } from '../packages/server/dist/features/secrets/secret-values.js';

const SECRETS = Number(process.env.SECRETS ?? 1000);
const VERSIONS = Number(process.env.VERSIONS ?? 100);
const READERS = Number(process.env.READERS ?? 4);
const BATCH = Number(process.env.BATCH ?? 200);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kh-bench-keyring-'));
const config = loadConfig({
  env: {},
  flags: {
    listen: '127.0.0.1:0',
    dataDir,
    masterKey: randomBytes(32).toString('base64'),
    logLevel: 'silent',
    keyRotation: { batchSize: BATCH },
    defaultMaxVersions: VERSIONS + 10,
  },
});
const server = await startServer(config, { print: () => {} });
const { app } = server;
const token = server.rootToken;
try {
  // Seed directly through the barrier (100k API writes would dominate the run).
  const t0 = performance.now();
  const at = new Date().toISOString();
  for (let s = 0; s < SECRETS; s++) {
    const id = `sec_bench_${String(s).padStart(6, '0')}`;
    await app.storage.transaction('default', async (trx) => {
      await trx
        .insertInto('secrets')
        .values({
          id,
          tenant_id: 'default',
          name: `bench/s${s}`,
          type: 'generic',
          description: null,
          service: null,
          environment: null,
          criticality: 'medium',
          owner: null,
          expires_at: null,
          metadata: '{}',
          max_versions: VERSIONS + 10,
          current_version: VERSIONS,
          pending_version: null,
          previous_version: VERSIONS - 1,
          latest_version: VERSIONS,
          created_at: at,
          updated_at: at,
          deleted_at: null,
          row_version: 0,
        })
        .execute();
      const rows = [];
      for (let v = 1; v <= VERSIONS; v++) {
        const plain = Buffer.from(JSON.stringify(`value-${s}-${v}`));
        const sealed = app.barrier.seal(plain, aadFor('default', id, v));
        rows.push({
          tenant_id: 'default',
          secret_id: id,
          version: v,
          wrapped_dek: sealed.wrappedDek,
          ciphertext: sealed.ciphertext,
          kek_id: app.barrier.kekIdOf(sealed.wrappedDek),
          value_kind: 'json',
          size_bytes: plain.length,
          state: 'active',
          created_at: at,
          created_by: null,
          destroyed_at: null,
        });
      }
      for (let i = 0; i < rows.length; i += 50)
        await trx
          .insertInto('secret_versions')
          .values(rows.slice(i, i + 50))
          .execute();
    });
  }
  const seedSeconds = (performance.now() - t0) / 1000;
  console.log(`seeded ${SECRETS * VERSIONS} data keys in ${seedSeconds.toFixed(1)} s`);

  const headers = { authorization: `Bearer ${token}`, 'x-tenant-id': 'default', 'content-type': 'application/json' };
  const api = async (method, p, body) =>
    (await fetch(server.url + p, { method, headers, body: body ? JSON.stringify(body) : undefined })).json();

  let stop = false;
  let reads = 0;
  let failed = 0;
  const lat = [];
  const reader = async () => {
    while (!stop) {
      const s = Math.floor(Math.random() * SECRETS);
      const v = 1 + Math.floor(Math.random() * VERSIONS);
      const t = performance.now();
      try {
        const r = await fetch(`${server.url}/v1/secrets/bench/s${s}?version=${v}`, { headers });
        const body = await r.json();
        if (r.status !== 200 || body.value !== `value-${s}-${v}`) failed++;
      } catch {
        failed++;
      }
      lat.push(performance.now() - t);
      reads++;
    }
  };
  const readers = Array.from({ length: READERS }, reader);

  const r0 = performance.now();
  const started = await api('POST', '/admin/secrets/key-rotation/perform', {});
  let status = started.data;
  const progress = [];
  while (status.state === 'running') {
    await new Promise((r) => setTimeout(r, 1000));
    status = (await api('GET', '/admin/secrets/key-rotation/status')).data;
    progress.push({ t_s: +((performance.now() - r0) / 1000).toFixed(1), done: status.done, remaining: status.remaining });
    console.log(`  ${progress.at(-1).t_s}s done ${status.done} remaining ${status.remaining}`);
  }
  const rotationSeconds = (performance.now() - r0) / 1000;
  stop = true;
  await Promise.all(readers);
  const sorted = lat.sort((a, b) => a - b);
  const q = (p) => +sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(2);
  const kekCounts = await app.storage.db
    .selectFrom('secret_versions')
    .select(['kek_id', (eb) => eb.fn.countAll().as('n')])
    .groupBy('kek_id')
    .execute();
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadavg_1m_at_end: +os.loadavg()[0].toFixed(2),
    data_keys: SECRETS * VERSIONS,
    batch_size: BATCH,
    readers: READERS,
    seed_seconds: +seedSeconds.toFixed(1),
    rotation: {
      state: status.state,
      total: status.total,
      done: status.done,
      failed: status.failed,
      skipped: status.skipped,
      seconds: +rotationSeconds.toFixed(1),
      rewraps_per_s: Math.round(status.done / rotationSeconds),
    },
    reads_during_rotation: {
      reads,
      failed,
      reads_per_s: Math.round(reads / rotationSeconds),
      p50_ms: q(0.5),
      p99_ms: q(0.99),
      max_ms: q(1),
    },
    kek_ids_after: Object.fromEntries(kekCounts.map((k) => [k.kek_id, Number(k.n)])),
    progress,
  };
  console.log(
    JSON.stringify({ rotation: out.rotation, reads_during_rotation: out.reads_during_rotation, kek_ids_after: out.kek_ids_after }, null, 2),
  );
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/keyring-rotation.json'), JSON.stringify(out, null, 2) + '\n');
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
