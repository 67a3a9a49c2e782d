// The audit trail through the front door: every request is recorded with its outcome, the chain
// catches every kind of tampering, sinks fail closed with bounded waits, access tracking and export.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import type { AuditSink } from '../../src/audit/audit-types.js';

describe.each(backends())('audit trail on %s', (backend) => {
  let s: TestServer;
  let file: string;
  beforeAll(async () => {
    file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kh-audit-')), 'audit.jsonl');
    s = await startTestServer(backend, { config: { audit: { sinks: ['database', 'file'], file } } });
    await s.call('POST', '/v1/secrets', { body: { name: 'apps/pay/key', value: 'audit-secret-value-1' } });
    await s.call('PUT', '/v1/secrets/apps/pay/key', { body: { value: 'audit-secret-value-2' } });
    await s.call('GET', '/v1/secrets/apps/pay/key?version=1', { headers: { 'user-agent': 'audit-test/1.0', 'x-request-id': 'req-abc-1' } });
    await s.call('GET', '/v1/secrets/apps/pay/key', { token: 'khv_wrong_token' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('records who did what, to which secret, with the outcome and version served', async () => {
    const r = await s.call('GET', '/v1/audit/access/apps/pay/key');
    expect(r.status).toBe(200);
    const read = r.body.items.find((e: { request_id: string }) => e.request_id === 'req-abc-1');
    expect(read).toMatchObject({
      action: 'secret.read',
      resource: 'apps/pay/key',
      outcome: 'success',
      version: 1,
      user_agent: 'audit-test/1.0',
      actor_name: 'root',
      actor_kind: 'root',
      tenant: 'default',
      status: 200,
    });
    expect(read.source_ip).toBeTruthy();
    const actions = r.body.items.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(
      expect.arrayContaining(['secret.create:attempt', 'secret.create:success', 'secret.write:attempt', 'secret.write:success']),
    );
    const all = await s.call('GET', '/v1/sys/audit/events?outcome=denied', { tenant: null });
    expect(
      all.body.items.some(
        (e: { action: string; actor_kind: string; error_code: string }) =>
          e.action === 'secret.read' && e.actor_kind === 'anonymous' && e.error_code === 'UNAUTHENTICATED',
      ),
    ).toBe(true);
  });

  it('filters by time, actor, action and outcome, and paginates', async () => {
    const page = await s.call('GET', '/v1/audit/events?limit=2');
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items[0].seq).toBeGreaterThan(page.body.items[1].seq);
    const next = await s.call('GET', `/v1/audit/events?limit=2&before=${page.body.next_before}`);
    expect(next.body.items[0].seq).toBeLessThan(page.body.items[1].seq);
    expect(
      (await s.call('GET', '/v1/audit/events?action=secret.write')).body.items.every(
        (e: { action: string }) => e.action === 'secret.write',
      ),
    ).toBe(true);
    expect((await s.call('GET', '/v1/audit/events?action=secret.*&outcome=success')).body.items.length).toBeGreaterThanOrEqual(3);
    expect((await s.call('GET', '/v1/audit/events?actor=nobody')).body.items).toEqual([]);
    expect((await s.call('GET', '/v1/audit/events?since=2999-01-01T00:00:00Z')).body.items).toEqual([]);
  });

  it('exports JSON lines and CSV', async () => {
    const jsonl = await s.call('GET', '/v1/audit/export?format=jsonl');
    expect(jsonl.headers['content-type']).toContain('ndjson');
    const all = jsonl.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // The tenant's entries, then its chain's signed head (so the export verifies on its own).
    const lines = all.filter((l) => l.type !== 'audit.checkpoint');
    expect(all.slice(lines.length)).toEqual([expect.objectContaining({ type: 'audit.checkpoint', kind: 'head', chain: 'default' })]);
    expect(lines.length).toBeGreaterThan(4);
    expect(lines[0].seq).toBeLessThan(lines[1].seq);
    expect(lines.every((l) => l.chain === 'default')).toBe(true);
    expect(lines[1].chain_seq).toBe(lines[0].chain_seq + 1);
    const csv = await s.call('GET', '/v1/audit/export?format=csv');
    const rows = csv.text.trim().split('\n');
    expect(rows[0]).toBe(
      'seq,time,tenant,actor_id,actor_name,actor_kind,action,resource,outcome,status,error_code,source_ip,user_agent,request_id,version,hash',
    );
    // The CSV holds one entry more than the JSON lines: the JSON-lines export request itself (each
    // export is recorded before it streams), plus the header row.
    expect(rows.length).toBe(lines.length + 2);
  });

  it('writes the same chained entries to the file sink, and no secret values anywhere', async () => {
    const entries = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries.length).toBeGreaterThan(4);
    // One chain per tenant (and one for system events): each links to the previous entry of its chain.
    const byChain = new Map<string, Array<{ prev_hash: string; hash: string; chain_seq: number }>>();
    for (const e of entries) (byChain.get(e.chain) ?? byChain.set(e.chain, []).get(e.chain)!).push(e);
    expect([...byChain.keys()].sort()).toEqual(['', 'default']);
    for (const list of byChain.values())
      for (let i = 1; i < list.length; i++) {
        expect(list[i]!.prev_hash).toBe(list[i - 1]!.hash);
        expect(list[i]!.chain_seq).toBe(list[i - 1]!.chain_seq + 1);
      }
    const text =
      readFileSync(file, 'utf8') + JSON.stringify((await s.call('GET', '/v1/sys/audit/events?limit=1000', { tenant: null })).body);
    expect(text).not.toContain('audit-secret-value');
  });

  it('verifies an intact chain, and names the first broken entry after each kind of tampering', async () => {
    const ok = await s.call('POST', '/v1/sys/audit/verify', { tenant: null });
    expect(ok.body).toMatchObject({ ok: true });
    expect(ok.body.checked).toBeGreaterThan(4);
    const db = s.app.storage;
    const verify = async () => await s.app.services.audit.verify();
    const raw = (q: ReturnType<typeof sql>) => db.transaction('*', (trx) => q.execute(trx));

    // Positions in tenant default's chain (chain_seq); the problems name the chain and the position.
    const at = (n: number) => sql`chain = 'default' and chain_seq = ${n}`;
    const broken = (seq: number, reason?: string) => ({
      ok: false,
      broken: { chain: 'default', seq, ...(reason ? { reason: expect.stringContaining(reason) } : {}) },
    });

    // Edit: change the outcome of entry 3, then put it back.
    const original = (
      await db.transaction('*', (trx) => sql<{ outcome: string }>`select outcome from audit_events where ${at(3)}`.execute(trx))
    ).rows[0]!.outcome;
    await raw(sql`update audit_events set outcome = 'denied' where ${at(3)}`);
    expect(await verify()).toMatchObject(broken(3, 'modified'));
    expect((await verify()).problems[0]!.reason).toContain("tenant default's chain");
    await raw(sql`update audit_events set outcome = ${original} where ${at(3)}`);
    expect((await verify()).ok).toBe(true);

    // Delete: remove entry 4.
    const row4 = await db.transaction('*', (trx) =>
      trx.selectFrom('audit_events').selectAll().where('chain', '=', 'default').where('chain_seq', '=', 4).executeTakeFirstOrThrow(),
    );
    await raw(sql`delete from audit_events where ${at(4)}`);
    expect(await verify()).toMatchObject(broken(5, 'missing'));
    await db.transaction('*', (trx) => trx.insertInto('audit_events').values(row4).execute());
    expect((await verify()).ok).toBe(true);

    // Reorder: swap the contents of entries 2 and 3 (keeping their positions and global numbers).
    const [r2, r3] = await db.transaction('*', (trx) =>
      trx
        .selectFrom('audit_events')
        .selectAll()
        .where('chain', '=', 'default')
        .where('chain_seq', 'in', [2, 3])
        .orderBy('chain_seq')
        .execute(),
    );
    const { seq: s2, chain_seq: _p2, ...c2 } = r2!;
    const { seq: s3, chain_seq: _p3, ...c3 } = r3!;
    await db.transaction('*', async (trx) => {
      await trx.updateTable('audit_events').set(c3).where('seq', '=', s2).execute();
      await trx.updateTable('audit_events').set(c2).where('seq', '=', s3).execute();
    });
    expect(await verify()).toMatchObject(broken(2));
    await db.transaction('*', async (trx) => {
      await trx.updateTable('audit_events').set(c2).where('seq', '=', s2).execute();
      await trx.updateTable('audit_events').set(c3).where('seq', '=', s3).execute();
    });
    expect((await verify()).ok).toBe(true);

    // Truncate: drop the newest entries of the chain.
    const last = Number(
      (
        await db.transaction('*', (trx) =>
          trx.selectFrom('audit_head').select('seq').where('chain', '=', 'default').executeTakeFirstOrThrow(),
        )
      ).seq,
    );
    await raw(sql`delete from audit_events where chain = 'default' and chain_seq > ${last - 2}`);
    const truncated = await verify();
    expect(truncated).toMatchObject({ ok: false, broken: { chain: 'default', reason: expect.stringContaining('truncated') } });
    const viaApi = await s.call('POST', '/v1/sys/audit/verify', { tenant: null });
    expect(viaApi.body.ok).toBe(false);
  });
});

describe('audit sinks fail closed', () => {
  const failing: AuditSink = {
    name: 'broken',
    write: async () => {
      throw new Error('disk full');
    },
  };
  const hanging: AuditSink = { name: 'slow', write: () => new Promise(() => {}) };

  it('refuses a write when no sink accepts its event, and applies nothing', async () => {
    const s = await startTestServer('sqlite', { config: { audit: { sinks: [], sinkTimeoutMs: 200 } } });
    // Rebuild with only the failing sink: the database sink is off, the injected one always fails.
    await s.app.close();
    const { buildApp } = await import('../../src/app.js');
    const { loadConfig } = await import('../../src/config/load-config.js');
    const config = loadConfig({
      env: {},
      flags: {
        databaseUrl: s.db.url,
        dataDir: s.db.dataDir,
        masterKey: s.masterKey,
        logLevel: 'silent',
        audit: { sinks: [], sinkTimeoutMs: 200 },
      },
    });
    for (const sink of [failing, hanging]) {
      const app = await buildApp(config, { auditSinks: [sink] });
      const started = Date.now();
      const res = await app.http.inject({
        method: 'PUT',
        url: '/v1/secrets/must/not/exist',
        headers: { authorization: `Bearer ${s.rootToken}`, 'x-tenant-id': 'default', 'content-type': 'application/json' },
        payload: JSON.stringify({ value: 'x' }),
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('AUDIT_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(5000);
      const read = await app.http.inject({
        method: 'GET',
        url: '/v1/secrets/must/not/exist',
        headers: { authorization: `Bearer ${s.rootToken}`, 'x-tenant-id': 'default' },
      });
      expect(read.json().error.code).toBe('AUDIT_UNAVAILABLE');
      await app.close();
    }
    const check = await buildApp(config);
    const row = await check.storage.db.selectFrom('secrets').select('name').where('name', '=', 'must/not/exist').executeTakeFirst();
    expect(row).toBeUndefined();
    await check.close();
    await s.db.drop();
  });

  it('keeps serving when one of several sinks fails', async () => {
    const { buildApp, bootstrap } = await import('../../src/app.js');
    const { loadConfig } = await import('../../src/config/load-config.js');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-sink-'));
    const config = loadConfig({
      env: {},
      flags: { dataDir: dir, masterKey: Buffer.alloc(32, 7).toString('base64'), logLevel: 'silent', audit: { sinkTimeoutMs: 200 } },
    });
    const app = await buildApp(config, { auditSinks: [failing] });
    const boot = await bootstrap(app);
    const res = await app.http.inject({
      method: 'PUT',
      url: '/v1/secrets/ok/one',
      headers: { authorization: `Bearer ${boot!.rootToken}`, 'x-tenant-id': 'default', 'content-type': 'application/json' },
      payload: JSON.stringify({ value: 'x' }),
    });
    expect(res.statusCode).toBe(200);
    await app.close();
  });
});

describe.runIf(backends().includes('postgres'))('audit chain across replicas on postgres', () => {
  it('several servers on one database extend one verifiable chain, from the very first entry', async () => {
    const { createTestDatabase } = await import('../support/backends.js');
    const { buildApp, bootstrap } = await import('../../src/app.js');
    const { loadConfig } = await import('../../src/config/load-config.js');
    const db = await createTestDatabase('postgres');
    const config = loadConfig({
      env: {},
      flags: { databaseUrl: db.url, dataDir: db.dataDir, masterKey: Buffer.alloc(32, 9).toString('base64'), logLevel: 'silent' },
    });
    const first = await buildApp(config);
    const boot = await bootstrap(first);
    const replicas = [first, await buildApp(config), await buildApp(config)];
    const headers = { authorization: `Bearer ${boot!.rootToken}`, 'x-tenant-id': 'default', 'content-type': 'application/json' };
    const results = await Promise.all(
      replicas.flatMap((app, r) =>
        Array.from({ length: 30 }, (_, i) =>
          app.http.inject({ method: 'PUT', url: `/v1/secrets/replica/${r}/${i}`, headers, payload: JSON.stringify({ value: `v${i}` }) }),
        ),
      ),
    );
    expect(results.map((x) => x.statusCode).filter((c) => c !== 200)).toEqual([]);
    const v = await first.services.audit.verify();
    expect(v).toMatchObject({ ok: true });
    const mine = v.chains.find((c) => c.chain === 'default')!;
    expect(mine).toMatchObject({ checked: 180, first_seq: 1, last_seq: 180 });
    for (const app of replicas) await app.close();
    await db.drop();
  });
});
