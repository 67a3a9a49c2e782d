// Per-tenant audit chains do not serialize on one row (ADR 0011): while a separate psql session
// holds the row lock of tenant A's chain head, tenant B's audited writes complete at normal speed,
// and tenant A's fail closed after the audit sink timeout (not carried out), then go through again
// once the lock is released. Real PostgreSQL, a role without row-level security bypass.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminQuery, createTestDatabase, postgresAvailable, PG_ADMIN_URL, type TestDatabase } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
const SINK_TIMEOUT_MS = 1500;

describe.skipIf(!postgresAvailable)('audit batches of two tenants on PostgreSQL', () => {
  let db: TestDatabase;
  let s: TestServer;
  let psql: ChildProcess | undefined;
  let adminUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const u = new URL(PG_ADMIN_URL);
    u.pathname = new URL(db.url).pathname;
    adminUrl = u.toString();
    s = await startTestServer('postgres', { db, config: { audit: { sinkTimeoutMs: SINK_TIMEOUT_MS } } });
    for (const id of ['tenant-a', 'tenant-b'])
      expect((await s.call('POST', '/v1/tenants', { body: { id, name: id }, tenant: null })).status).toBeLessThan(300);
    for (const t of ['tenant-a', 'tenant-b'])
      expect((await s.call('PUT', '/v1/secrets/warm', { body: { value: 'v' }, tenant: t })).status).toBe(200);
  });
  afterAll(async () => {
    psql?.kill('SIGKILL');
    await s?.close();
    await db?.drop();
  });

  /** Opens psql, begins a transaction and locks one chain's head row; resolves once the row is locked. */
  const lockHead = (chain: string) =>
    new Promise<ChildProcess>((resolve, reject) => {
      const p = spawn('psql', ['-X', '-q', '-A', '-t', adminUrl], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      p.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('locked|')) resolve(p);
      });
      p.on('error', reject);
      p.on('exit', (code) => reject(new Error(`psql exited (${code}): ${out}`)));
      p.stdin!.write(`begin;\nselect 'locked|' || seq from audit_head where chain = '${chain}' for update;\n`);
    });

  it("holding tenant A's head row lock blocks only tenant A: tenant B's audited writes complete", async () => {
    psql = await lockHead('tenant-a');
    const waiting = await adminQuery("select count(*) as n from pg_locks where not granted and locktype = 'transactionid'", adminUrl);
    expect(Number(waiting.rows[0].n)).toBe(0);

    const timed = async (tenant: string, name: string) => {
      const started = Date.now();
      const r = await s.call('PUT', `/v1/secrets/${name}`, { body: { value: 'value' }, tenant });
      return { status: r.status, code: r.body?.error?.code as string | undefined, ms: Date.now() - started };
    };
    const a = timed('tenant-a', 'blocked-write');
    // While A waits on the lock, B writes several times, each audited twice (attempt and outcome).
    const b: Array<Awaited<ReturnType<typeof timed>>> = [];
    for (let i = 0; i < 5; i++) b.push(await timed('tenant-b', `free-write-${i}`));
    const blocked = await a;
    console.log(
      `[pg-audit-chains] tenant B writes while A's head is locked: ${b.map((x) => x.ms).join(', ')} ms; tenant A: ${blocked.status} after ${blocked.ms} ms`,
    );
    expect(b.map((x) => x.status)).toEqual([200, 200, 200, 200, 200]);
    expect(Math.max(...b.map((x) => x.ms))).toBeLessThan(SINK_TIMEOUT_MS);
    // Tenant A's attempt could not be recorded within the sink timeout: refused, not carried out.
    expect(blocked.status).toBe(503);
    expect(['AUDIT_UNAVAILABLE', 'DATABASE_UNAVAILABLE']).toContain(blocked.code);
    expect(blocked.ms).toBeGreaterThanOrEqual(SINK_TIMEOUT_MS - 50);
    // The database shows tenant A's audit transaction waiting on the locked row, and no other.
    const waits = await adminQuery(
      "select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%audit_head%'",
      adminUrl,
    );
    expect(Number(waits.rows[0].n)).toBe(1);

    // Released: tenant A's chain goes on, and both chains verify.
    psql.stdin!.end('commit;\n');
    await new Promise((r) => psql!.once('exit', r));
    psql = undefined;
    await new Promise((r) => setTimeout(r, 200));
    expect((await s.call('PUT', '/v1/secrets/after-release', { body: { value: 'v' }, tenant: 'tenant-a' })).status).toBe(200);
    const blockedWrite = await s.app.storage.withTenant('tenant-a', (ex) =>
      ex.selectFrom('secrets').select('name').where('name', '=', 'blocked-write').execute(),
    );
    expect(blockedWrite).toEqual([]); // fail closed: the handler never ran
    const v = await s.app.services.audit.verify();
    expect(v).toMatchObject({ ok: true });
    expect(v.chains.map((c) => c.chain)).toEqual(expect.arrayContaining(['tenant-a', 'tenant-b']));
  });
});
