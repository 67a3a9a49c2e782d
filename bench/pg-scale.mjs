#!/usr/bin/env node
// Benchmark (issue 20): PostgreSQL against SQLite, and PostgreSQL scale-out over replicas, in one run.
// 1. One server on SQLite (`--dev`) and one on PostgreSQL (a fresh database owned by a role without
//    BYPASSRLS, so row-level security applies): audited reads of one secret, and audited writes spread
//    over many secrets of several tenants, at a few connection counts. Reports PG ÷ SQLite from the
//    same run, the server's CPU per request (/proc/<pid>/stat utime+stime) and PostgreSQL's CPU per
//    request (utime+stime summed over the postgres processes of the benchmark's database, and over all
//    postgres processes, from /proc before and after each phase).
// 2. 1, 2 and 3 server replicas on one fresh PostgreSQL database (different ports, the load generator's
//    connections split evenly over them): total audited reads/s and writes/s, CPU per request, and lock
//    waits sampled from pg_stat_activity (wait_event_type = 'Lock') every 20 ms during each phase.
// Usage: npm run build && node bench/pg-scale.mjs [--duration 5] [--connections 8,32] [--replicas 1,2,3]
//          [--tenants 4] [--secrets 100] [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--label name]
//          [--no-ceiling]
// 3. (unless --no-ceiling) PostgreSQL's own commit rate with and without a NOTIFY in the transaction
//    (pgbench, 32 clients, on a scratch table): the ceiling a NOTIFY per write puts on writes.
// Writes bench/results/pg-scale[-label].json. Nothing here is asserted; see bench/README.md.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { cannon, machine, option, root, startKeyhaven, summary, writeResult } from './lib.mjs';

const duration = Number(option('duration', '5'));
const connectionCounts = option('connections', '8,32').split(',').map(Number);
const replicaCounts = option('replicas', '1,2,3').split(',').map(Number);
const tenantCount = Number(option('tenants', '4'));
const secretsPerTenant = Number(option('secrets', '100'));
const adminUrl = option('database-url', process.env.KEYHAVEN_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const label = option('label', undefined);
const pg = createRequire(path.join(root, 'packages/server/package.json'))('pg');

const TICK = 100; // clock ticks per second (/proc)
const round = (x, d = 1) => (x === null || !Number.isFinite(x) ? null : +x.toFixed(d));
const loadavg = () => os.loadavg().map((x) => +x.toFixed(2));

/** User + system CPU seconds of a process, or 0 when it is gone. */
const cpuOf = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
};
/** CPU seconds per postgres process (every process whose command is `postgres`). */
const postgresCpu = () => {
  const out = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (!readFileSync(`/proc/${d}/stat`, 'utf8').startsWith(`${d} (postgres)`)) continue;
      out.set(Number(d), cpuOf(d));
    } catch {
      /* gone */
    }
  }
  return out;
};
/** CPU spent between two postgres snapshots, over all processes and over `pids` (processes that ended
 *  in between count with what they had at the first snapshot: a lower bound). */
const postgresCpuSpent = (before, after, pids) => {
  let all = 0;
  let ours = 0;
  for (const [pid, t] of after) {
    const d = t - (before.get(pid) ?? 0);
    all += d;
    if (pids.has(pid)) ours += d;
  }
  return { all, ours };
};

/** A fresh database owned by a fresh role without superuser or BYPASSRLS (row-level security applies). */
const freshDatabase = async () => {
  const name = `kh_scale_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create role ${name} login`);
  await admin.query(`create database ${name} owner ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.username = name;
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.query(`drop role if exists ${name}`);
      await c.end();
    },
  };
};

/** Samples pg_stat_activity of one database every 20 ms: backends waiting on a lock, and on which. */
const lockSampler = async (database) => {
  const c = new pg.Client({ connectionString: adminUrl, application_name: 'kh-bench-sampler' });
  await c.connect();
  let samples = 0;
  let waiting = 0;
  let auditWaiting = 0;
  const byEvent = {};
  const byQuery = {};
  const byLock = {};
  let stop = false;
  const pids = new Set();
  const loop = (async () => {
    while (!stop) {
      const r = await c.query(
        `select pid, wait_event_type, wait_event, left(query, 200) as query, state from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
        [database],
      );
      samples++;
      let anyWaiting = false;
      for (const row of r.rows) {
        pids.add(row.pid);
        if (row.wait_event_type !== 'Lock') continue;
        anyWaiting = true;
        waiting++;
        byEvent[row.wait_event] = (byEvent[row.wait_event] ?? 0) + 1;
        if (/audit_head|audit_events/.test(row.query)) auditWaiting++;
        const q = row.query
          .replace(/\s+/g, ' ')
          .replace(/'[^']*'/g, "'…'")
          .slice(0, 60);
        byQuery[q] = (byQuery[q] ?? 0) + 1;
      }
      if (anyWaiting) {
        // What the waiters wait for: an object lock on pg_database (class 1262) is the lock every
        // transaction that sent NOTIFY takes at COMMIT to append to the notification queue.
        const l = await c.query(
          `select l.locktype, l.classid, l.mode from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.datname = $1`,
          [database],
        );
        for (const x of l.rows) {
          const k =
            x.locktype === 'object' && Number(x.classid) === 1262 ? 'notify queue (object on pg_database)' : `${x.locktype} ${x.mode}`;
          byLock[k] = (byLock[k] ?? 0) + 1;
        }
      }
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  return {
    /** Backend pids of the database seen so far (for PostgreSQL CPU per request). */
    pids: () => pids,
    async backends() {
      const r = await c.query('select pid from pg_stat_activity where datname = $1', [database]);
      for (const row of r.rows) pids.add(row.pid);
      return pids;
    },
    reset() {
      samples = waiting = auditWaiting = 0;
      for (const o of [byEvent, byQuery, byLock]) for (const k of Object.keys(o)) delete o[k];
    },
    snapshot: () => ({
      samples,
      /** Backends waiting on a lock, on average over the samples. */
      mean_backends_waiting_on_lock: round(samples ? waiting / samples : 0, 3),
      mean_backends_waiting_on_audit_lock: round(samples ? auditWaiting / samples : 0, 3),
      lock_wait_events: { ...byEvent },
      /** Waiting backends by what they wait for (pg_locks, not granted), summed over the samples. */
      lock_waits_by_lock: { ...byLock },
      /** Waiting backends by their statement (literals elided), summed over the samples. */
      lock_waits_by_statement: Object.fromEntries(
        Object.entries(byQuery)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6),
      ),
    }),
    async close() {
      stop = true;
      await loop.catch(() => undefined);
      await c.end();
    },
  };
};

const headers = (kh, tenant) => ({ authorization: `Bearer ${kh.token}`, 'x-tenant-id': tenant, 'content-type': 'application/json' });
const tenants = Array.from({ length: tenantCount }, (_, i) => (i === 0 ? 'default' : `bench-t${i}`));
const secretName = (i) => `bench/app-${String(i).padStart(4, '0')}/key`;

/** Tenants, one secret to read, and `secretsPerTenant` secrets per tenant to write to. */
const seed = async (kh) => {
  for (const t of tenants.slice(1)) {
    const r = await fetch(`${kh.url}/v1/tenants`, { method: 'POST', headers: headers(kh, 'default'), body: JSON.stringify({ id: t }) });
    if (r.status !== 201 && r.status !== 409) throw new Error(`tenant ${t}: ${r.status} ${await r.text()}`);
  }
  const create = async (tenant, name) => {
    const r = await fetch(`${kh.url}/v1/secrets`, {
      method: 'POST',
      headers: headers(kh, tenant),
      body: JSON.stringify({ name, value: `seed-${randomBytes(8).toString('hex')}` }),
    });
    if (r.status !== 201) throw new Error(`seed ${tenant}/${name}: ${r.status} ${await r.text()}`);
  };
  await create('default', 'bench/read-key');
  const jobs = tenants.flatMap((t) => Array.from({ length: secretsPerTenant }, (_, i) => [t, secretName(i)]));
  for (let i = 0; i < jobs.length; i += 16) await Promise.all(jobs.slice(i, i + 16).map(([t, n]) => create(t, n)));
};

/** autocannon options for a load: audited reads of one secret, or writes spread over every secret. */
const load = (kh, kind, connections) => {
  if (kind === 'read') return { url: `${kh.url}/v1/secrets/bench/read-key`, headers: headers(kh, 'default'), connections };
  let n = 0;
  return {
    url: kh.url,
    connections,
    requests: [
      {
        method: 'PUT',
        setupRequest: (req) => {
          n++;
          const tenant = tenants[Math.floor(Math.random() * tenants.length)];
          return {
            ...req,
            path: `/v1/secrets/${secretName(Math.floor(Math.random() * secretsPerTenant))}`,
            headers: headers(kh, tenant),
            body: JSON.stringify({ value: `w-${n}-${randomBytes(6).toString('hex')}` }),
          };
        },
      },
    ],
  };
};

/** One phase over a set of servers (the connections split evenly): throughput, CPU per request. */
const phase = async (servers, kind, connections, sampler) => {
  const per = Math.max(1, Math.round(connections / servers.length));
  await Promise.all(servers.map((kh) => cannon({ ...load(kh, kind, per), duration: 1 }))); // warm-up
  if (sampler) await sampler.backends(); // the database's backends now, for PostgreSQL CPU per request
  sampler?.reset();
  const la = loadavg();
  const server0 = servers.map((kh) => cpuOf(kh.child.pid));
  const pg0 = postgresCpu();
  const results = await Promise.all(servers.map((kh) => cannon({ ...load(kh, kind, per), duration })));
  const pg1 = postgresCpu();
  const serverCpu = servers.reduce((s, kh, i) => s + cpuOf(kh.child.pid) - server0[i], 0);
  const sums = results.map(summary);
  const total = sums.reduce((s, r) => s + r.total, 0);
  const out = {
    kind,
    connections: per * servers.length,
    servers: servers.length,
    load_average_at_start: la,
    req_per_s: sums.reduce((s, r) => s + r.req_per_s, 0),
    p99_ms: Math.max(...sums.map((r) => r.p99_ms)),
    errors: sums.reduce((s, r) => s + r.errors, 0),
    total,
    server_cpu_us_per_req: total ? Math.round((serverCpu * 1e6) / total) : null,
    server_cores_busy: round(serverCpu / duration, 2),
  };
  if (sampler) {
    const spent = postgresCpuSpent(pg0, pg1, sampler.pids());
    out.pg_cpu_us_per_req = total ? Math.round((spent.ours * 1e6) / total) : null;
    out.pg_cpu_all_processes_us_per_req = total ? Math.round((spent.all * 1e6) / total) : null;
    out.pg_cores_busy = round(spent.ours / duration, 2);
    Object.assign(out, sampler.snapshot());
  }
  console.log(
    `${kind} ×${out.servers} c=${out.connections}: ${out.req_per_s}/s p99 ${out.p99_ms} ms, server ${out.server_cpu_us_per_req} µs/req` +
      (sampler
        ? `, postgres ${out.pg_cpu_us_per_req} µs/req (all processes ${out.pg_cpu_all_processes_us_per_req}), lock waits ${out.mean_backends_waiting_on_lock}`
        : '') +
      ` (load ${la.join(' ')}${out.errors ? `, ${out.errors} errors` : ''})`,
  );
  return out;
};

const result = {
  machine: machine(),
  started: new Date().toISOString(),
  duration_s: duration,
  tenants: tenantCount,
  secrets_per_tenant: secretsPerTenant,
  load_average_at_start: loadavg(),
  compare: [],
  replicas: [],
};
const stops = [];
/** Registers a cleanup step that runs once, whether called early or at the end. */
const onExit = (fn) => {
  let done;
  const once = () => (done ??= fn());
  stops.push(once);
  return once;
};
try {
  // Part 1: SQLite and PostgreSQL, interleaved per (kind, connections).
  const sqlite = await startKeyhaven({ port: 18577 });
  const stopSqlite = onExit(() => sqlite.stop());
  const db1 = await freshDatabase();
  const drop1 = onExit(() => db1.drop());
  const pgServer = await startKeyhaven({ port: 18578, databaseUrl: db1.url });
  const stopPg = onExit(() => pgServer.stop());
  await seed(sqlite);
  await seed(pgServer);
  const sampler1 = await lockSampler(db1.name);
  const closeSampler1 = onExit(() => sampler1.close());
  for (const kind of ['read', 'write']) {
    for (const c of connectionCounts) {
      const s = await phase([sqlite], kind, c);
      const p = await phase([pgServer], kind, c, sampler1);
      const row = {
        kind,
        connections: c,
        sqlite: s,
        postgres: p,
        pg_vs_sqlite_throughput: round(p.req_per_s / s.req_per_s, 3),
        pg_vs_sqlite_server_cpu: round(p.server_cpu_us_per_req / s.server_cpu_us_per_req, 3),
      };
      console.log(`  → ${kind} c=${c}: PG ÷ SQLite ${row.pg_vs_sqlite_throughput} (server CPU ×${row.pg_vs_sqlite_server_cpu})`);
      result.compare.push(row);
    }
  }
  await closeSampler1();
  await stopPg();
  await stopSqlite();
  await drop1();

  // Part 2: replicas on one database.
  const db2 = await freshDatabase();
  onExit(() => db2.drop());
  const first = await startKeyhaven({ port: 18600, databaseUrl: db2.url });
  const servers = [first];
  onExit(() => Promise.all(servers.map((s) => s.stop())));
  await seed(first);
  const sampler2 = await lockSampler(db2.name);
  onExit(() => sampler2.close());
  const connections = Math.max(...connectionCounts);
  for (const n of replicaCounts) {
    while (servers.length < n)
      servers.push(
        await startKeyhaven({ port: 18600 + servers.length, databaseUrl: db2.url, masterKey: first.masterKey, token: first.token }),
      );
    const active = servers.slice(0, n);
    const row = {
      replicas: n,
      read: await phase(active, 'read', connections, sampler2),
      write: await phase(active, 'write', connections, sampler2),
    };
    result.replicas.push(row);
  }

  // Part 3: PostgreSQL's commit ceiling with and without NOTIFY, without Keyhaven (pgbench, 32 clients,
  // one small insert per transaction, in a scratch table). A transaction that sent NOTIFY holds a
  // database-wide lock from just before its commit record until after it is flushed, so such commits
  // cannot share a WAL flush: their rate is bounded by one flush each.
  if (!process.argv.includes('--no-ceiling')) {
    const db3 = await freshDatabase();
    onExit(() => db3.drop());
    const setup = new pg.Client({ connectionString: db3.url });
    await setup.connect();
    await setup.query('create table scratch (id bigserial primary key, tenant text, body text)');
    await setup.end();
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { spawnSync } = await import('node:child_process');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-ceiling-'));
    const scripts = {
      insert: "begin;\ninsert into scratch (tenant, body) values ('t', repeat('x', 200));\ncommit;\n",
      insert_and_notify:
        "begin;\ninsert into scratch (tenant, body) values ('t', repeat('x', 200));\nselect pg_notify('kh_bench', 'x');\ncommit;\n",
    };
    result.commit_ceiling = { clients: 32, duration_s: duration };
    for (const [name, text] of Object.entries(scripts)) {
      writeFileSync(path.join(dir, `${name}.sql`), text);
      const u = new URL(db3.url);
      const r = spawnSync(
        'pgbench',
        [
          '-n',
          '-c',
          '32',
          '-j',
          '2',
          '-T',
          String(duration),
          '-f',
          path.join(dir, `${name}.sql`),
          '-h',
          u.hostname,
          '-p',
          u.port || '5432',
          '-U',
          u.username,
          db3.name,
        ],
        { encoding: 'utf8' },
      );
      const tps = Number(/tps = ([\d.]+)/.exec(r.stdout ?? '')?.[1]);
      result.commit_ceiling[name] = { commits_per_s: Number.isFinite(tps) ? Math.round(tps) : null, load_average: loadavg() };
      console.log(`pgbench ${name}: ${Number.isFinite(tps) ? Math.round(tps) : `failed: ${r.stderr?.slice(0, 200)}`} commits/s`);
    }
  }
} finally {
  result.finished = new Date().toISOString();
  result.load_average_at_end = loadavg();
  for (const stop of stops.reverse()) await stop().catch((e) => console.error('cleanup:', e.message));
}
writeResult(label ? `pg-scale-${label}` : 'pg-scale', result);
console.log(`written bench/results/pg-scale${label ? `-${label}` : ''}.json`);
