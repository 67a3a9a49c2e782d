#!/usr/bin/env node
// Benchmark (issue 4): 10,000 due `generated` secrets rotated end to end by the engine (claim with
// leases, create pending, set, test, promote, history, audit) on SQLite and on PostgreSQL; and real
// PostgreSQL password rotations per second (ALTER ROLE + login test) with the postgres rotator.
// Usage: node --import tsx bench/rotation.mjs [--count 10000] [--pg-roles 100] [--concurrency 16] [--skip-pg] [--label name]
// Each run records the 1-minute load average before and after it (the machine is shared).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../packages/server/src/config/load-config.ts';
import { buildApp, bootstrap } from '../packages/server/src/app.ts';
import { scramVerifier } from '../packages/server/src/rotation/rotators/postgres/scram.ts';
import { mapPool } from '../packages/server/src/rotation/engine/batch-runner.ts';
import { machine, root } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const COUNT = Number(opt('count', '10000'));
const PG_ROLES = Number(opt('pg-roles', '100'));
const CONCURRENCY = Number(opt('concurrency', '16'));
const LABEL = opt('label', '');
const load = () => +os.loadavg()[0].toFixed(2);
const PG_ADMIN = process.env.KEYHAVEN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const clockAt = { t: Date.parse('2026-01-01T00:00:00Z') };
const clock = { now: () => new Date(clockAt.t) };
const scope = { tenant: 'default', actor: { tokenId: 'bench', name: 'bench' } };

const admin = async (q) => {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    return await c.query(q);
  } finally {
    await c.end();
  }
};

const open = async (backend) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kh-bench-rot-'));
  let databaseUrl = path.join(dataDir, 'keyhaven.db');
  let drop = async () => rmSync(dataDir, { recursive: true, force: true });
  if (backend === 'postgres') {
    const s = randomBytes(4).toString('hex');
    await admin(`CREATE ROLE kh_bench_${s} LOGIN NOSUPERUSER`);
    await admin(`CREATE DATABASE kh_bench_${s} OWNER kh_bench_${s}`);
    const u = new URL(PG_ADMIN);
    u.username = `kh_bench_${s}`;
    u.pathname = `/kh_bench_${s}`;
    databaseUrl = u.toString();
    drop = async () => {
      await admin(`DROP DATABASE IF EXISTS kh_bench_${s} WITH (FORCE)`);
      await admin(`DROP ROLE IF EXISTS kh_bench_${s}`);
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const config = loadConfig({
    env: {},
    flags: {
      dataDir,
      databaseUrl,
      masterKey: randomBytes(32).toString('base64'),
      logLevel: 'silent',
      rotation: { enabled: false, concurrency: CONCURRENCY, batchSize: 500 },
    },
  });
  const app = await buildApp(config, { clock, logger: pino({ level: 'silent' }) });
  await bootstrap(app);
  return { app, drop };
};

const generatedRun = async (backend) => {
  clockAt.t = Date.parse('2026-01-01T00:00:00Z');
  const { app, drop } = await open(backend);
  try {
    const svc = app.rotation.service;
    const t0 = performance.now();
    await mapPool(
      Array.from({ length: COUNT }, (_, i) => i),
      16,
      (i) =>
        svc.register(scope, { secret_name: `bench/key-${i}`, secret_type: 'api_key', rotator: 'generated', rotation_interval_days: 1 }),
    );
    const seedS = (performance.now() - t0) / 1000;
    clockAt.t += 2 * 86400_000;
    const loadBefore = load();
    const t1 = performance.now();
    const s = await app.rotation.batch.runDue({ keepResults: false });
    const seconds = (performance.now() - t1) / 1000;
    return {
      backend,
      secrets: COUNT,
      rotated: s.succeeded,
      failed: s.failed,
      seconds: +seconds.toFixed(2),
      per_second: Math.round(s.succeeded / seconds),
      seed_seconds: +seedS.toFixed(1),
      load_before: loadBefore,
      load_after: load(),
    };
  } finally {
    await app.close();
    await drop();
  }
};

const postgresRun = async () => {
  clockAt.t = Date.parse('2026-01-01T00:00:00Z');
  const { app, drop } = await open('sqlite');
  const roles = [];
  try {
    const u = new URL(PG_ADMIN);
    await app.services.secrets.write(
      scope,
      'pg/admin',
      { username: decodeURIComponent(u.username) || 'postgres', host: u.hostname, port: Number(u.port || 5432), database: 'postgres' },
      { create: true },
    );
    for (let i = 0; i < PG_ROLES; i++) {
      const name = `kh_bench_role_${randomBytes(4).toString('hex')}`;
      const password = randomBytes(12).toString('base64url');
      await admin(`CREATE ROLE ${name} LOGIN PASSWORD '${scramVerifier(password)}'`);
      roles.push(name);
      await app.services.secrets.write(
        scope,
        `pg/r${i}`,
        { username: name, password, host: u.hostname, port: Number(u.port || 5432), database: 'postgres' },
        { create: true },
      );
      await app.rotation.service.register(scope, {
        secret_name: `pg/r${i}`,
        secret_type: 'database_credentials',
        rotator: 'postgres',
        admin_credential_secret: 'pg/admin',
        rotation_interval_days: 1,
      });
    }
    clockAt.t += 2 * 86400_000;
    const loadBefore = load();
    const t1 = performance.now();
    const s = await app.rotation.batch.runDue({ keepResults: false });
    const seconds = (performance.now() - t1) / 1000;
    return {
      roles: PG_ROLES,
      rotated: s.succeeded,
      failed: s.failed,
      seconds: +seconds.toFixed(2),
      per_second: +(s.succeeded / seconds).toFixed(1),
      concurrency: CONCURRENCY,
      load_before: loadBefore,
      load_after: load(),
    };
  } finally {
    await app.close();
    await drop();
    for (const r of roles) await admin(`DROP ROLE IF EXISTS ${r}`).catch(() => undefined);
  }
};

const results = { date: new Date().toISOString(), machine: machine(), concurrency: CONCURRENCY, generated: [], postgres_passwords: null };
results.generated.push(await generatedRun('sqlite'));
console.log(JSON.stringify(results.generated.at(-1)));
if (!args.includes('--skip-pg')) {
  results.generated.push(await generatedRun('postgres'));
  console.log(JSON.stringify(results.generated.at(-1)));
  results.postgres_passwords = await postgresRun();
  console.log(JSON.stringify(results.postgres_passwords));
}
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(root, `bench/results/rotation-${results.date.slice(0, 10)}${LABEL ? `-${LABEL}` : ''}.json`),
  JSON.stringify(results, null, 2) + '\n',
);
