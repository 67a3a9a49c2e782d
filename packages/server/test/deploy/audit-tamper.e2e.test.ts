// Tampering with a stopped server's audit tables, as someone with write access to the database
// would: roll the chain back to an earlier signed head, empty it, delete the head row, append rows
// after the head. After a restart of the BUILT server, verify (HTTP and the built CLI, by exit code)
// names the damage, appends are refused with AUDIT_CHAIN_DAMAGED instead of extending a forged head,
// and `keyhaven audit seal` records the break and lets the server go on. SQLite and PostgreSQL.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminQuery, createTestDatabase, postgresAvailable, PG_ADMIN_URL, type TestDatabase } from '../support/backends.js';
import { api, assertBuilt, cleanup, killAll, masterKey, runCli, startServerProcess, tempDir } from './support.js';

vi.setConfig({ testTimeout: 120_000 });
const dbs: TestDatabase[] = [];
const dirs: string[] = [];
beforeAll(() => assertBuilt());
afterAll(async () => {
  killAll();
  for (const d of dbs) await d.drop();
  for (const d of dirs) cleanup(d);
});

type Backend = 'sqlite' | 'postgres';
interface Store {
  dataDir: string;
  start(): ReturnType<typeof startServerProcess>;
  /** Runs SQL on the stopped server's database directly (superuser on PostgreSQL: no RLS). */
  sql(text: string): Promise<Array<Record<string, unknown>>>;
}

const newStore = async (backend: Backend): Promise<Store> => {
  const key = masterKey();
  if (backend === 'sqlite') {
    const dir = tempDir();
    dirs.push(dir);
    return {
      dataDir: dir,
      start: () => startServerProcess(['--data-dir', dir], { KEYHAVEN_MASTER_KEY: key }),
      async sql(text) {
        const db = new Database(path.join(dir, 'keyhaven.db'));
        try {
          const st = db.prepare(text);
          return st.reader ? (st.all() as Array<Record<string, unknown>>) : (st.run(), []);
        } finally {
          db.close();
        }
      },
    };
  }
  const db = await createTestDatabase('postgres');
  dbs.push(db);
  const admin = new URL(PG_ADMIN_URL);
  admin.pathname = new URL(db.url).pathname;
  return {
    dataDir: db.dataDir,
    start: () => startServerProcess([], { KEYHAVEN_DATABASE_URL: db.url, KEYHAVEN_MASTER_KEY: key, KEYHAVEN_DATA_DIR: db.dataDir }),
    sql: async (text) => (await adminQuery(text, admin.toString())).rows,
  };
};

/** A store with some audited writes, stopped; returns the root token. */
const seeded = async (store: Store, writes = 4) => {
  const s = await store.start();
  const token = s.rootToken!;
  expect(token).toBeTruthy();
  const call = api(s.url, token);
  for (let i = 0; i < writes; i++) expect((await call('PUT', `/v1/secrets/tamper/s${i}`, { value: `tamper-value-${i}` })).status).toBe(200);
  expect(await s.stop()).toBe(0);
  return token;
};

const writeMore = async (store: Store, token: string, n: number, prefix: string) => {
  const s = await store.start();
  const call = api(s.url, token);
  for (let i = 0; i < n; i++) expect((await call('PUT', `/v1/secrets/tamper/${prefix}${i}`, { value: 'x' })).status).toBe(200);
  expect(await s.stop()).toBe(0);
};

/** The head row of tenant default's chain (the seeded writes went there). */
const headRow = async (store: Store, chain = 'default') => {
  const [h] = await store.sql(`select seq, hash, signature from audit_head where chain = '${chain}'`);
  return { seq: Number(h!.seq), hash: String(h!.hash), signature: String(h!.signature) };
};

/** Restarts, checks verify over HTTP and through the CLI, and that a write is refused by name. */
const expectDamage = async (store: Store, token: string, kinds: string[]) => {
  const s = await store.start();
  let result:
    | {
        body: { ok: boolean; code: string; problems: Array<{ kind: string; seq: number | null; reason: string }>; appends: string };
        cli: Awaited<ReturnType<typeof runCli>>;
      }
    | undefined;
  try {
    const env = { KEYHAVEN_ADDR: s.url, KEYHAVEN_TOKEN: token };
    const v = await fetch(`${s.url}/v1/sys/audit/verify`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(v.status).toBe(200);
    const body = (await v.json()) as {
      ok: boolean;
      code: string;
      problems: Array<{ kind: string; seq: number | null; reason: string }>;
      appends: string;
    };
    expect(body.ok).toBe(false);
    expect(body.code).toBe('AUDIT_CHAIN_DAMAGED');
    expect(body.problems.map((p) => p.kind)).toEqual(expect.arrayContaining(kinds));
    expect(body.appends).toBe('refused');
    const cli = await runCli(['audit', 'verify'], env);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('DAMAGED (AUDIT_CHAIN_DAMAGED)');
    for (const k of kinds) expect(cli.stdout).toContain(k);
    expect(cli.stderr).toContain('AUDIT_CHAIN_DAMAGED');
    const json = await runCli(['audit', 'verify', '--format', 'json'], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).problems.length).toBe(body.problems.length);
    // The forged head is not extended: a write (and a read) is refused, naming the damage.
    const w = await api(s.url, token)('PUT', '/v1/secrets/tamper/after', { value: 'must-not-be-written' });
    expect(w.status).toBe(503);
    expect(w.json.error.code).toBe('AUDIT_CHAIN_DAMAGED');
    expect(w.json.error.message).toContain('keyhaven audit verify');
    const r = await api(s.url, token)('GET', '/v1/secrets/tamper/s0');
    expect(r.json.error.code).toBe('AUDIT_CHAIN_DAMAGED');
    expect(s.output().stdout + s.output().stderr).toContain('the audit chain is damaged');
    result = { body, cli };
  } finally {
    expect(await s.stop()).toBe(0);
  }
  // The refused write was not applied (fail closed).
  expect(await store.sql("select name from secrets where name = 'tamper/after'")).toEqual([]);
  return result!;
};

const backendsHere: Backend[] = postgresAvailable ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(backendsHere)('audit tampering is detected on %s', (backend) => {
  it('an untampered chain verifies after a restart (HTTP ok, CLI exit 0), and the anchor file is kept next to the store', async () => {
    const store = await newStore(backend);
    const token = await seeded(store);
    expect(existsSync(path.join(store.dataDir, 'audit-anchor.json'))).toBe(true);
    const s = await store.start();
    try {
      const v = await api(s.url, token)('POST', '/v1/sys/audit/verify');
      expect(v.json).toMatchObject({
        ok: true,
        problems: [],
        appends: 'ok',
        anchor: { status: 'ok' },
        digest: { seq: expect.any(Number) },
      });
      expect(v.json.chains.find((c: { chain: string }) => c.chain === 'default').checked).toBeGreaterThan(4);
      const cli = await runCli(['audit', 'verify'], { KEYHAVEN_ADDR: s.url, KEYHAVEN_TOKEN: token });
      expect(cli.code).toBe(0);
      expect(cli.stdout).toMatch(/^OK: \d+ entries verified in \d+ chains\. Digest: \d+ \(\d+ chains, [^)]+\)\. Anchor: ok/);
      const cp = await runCli(['audit', 'checkpoint', '--format', 'json'], { KEYHAVEN_ADDR: s.url, KEYHAVEN_TOKEN: token });
      expect(cp.code).toBe(0);
      const digest = JSON.parse(cp.stdout);
      expect(digest).toMatchObject({
        format: 'keyhaven-audit-digest-v1',
        seq: expect.any(Number),
        stored: true,
        signature: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      const head = await headRow(store).catch(() => null); // read while running: the server holds no lock on SQLite
      if (head) expect(digest.heads).toContainEqual(['default', head.seq, head.hash]);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('rolling the chain back to an earlier signed head (rows deleted, head row rewritten with its old signature) is truncation', async () => {
    const store = await newStore(backend);
    const token = await seeded(store);
    const earlier = await headRow(store);
    await writeMore(store, token, 3, 'later');
    expect((await headRow(store)).seq).toBeGreaterThan(earlier.seq);
    await store.sql(`delete from audit_events where chain = 'default' and chain_seq > ${earlier.seq}`);
    await store.sql(
      `update audit_head set seq = ${earlier.seq}, hash = '${earlier.hash}', signature = '${earlier.signature}' where chain = 'default'`,
    );
    const { body } = await expectDamage(store, token, ['truncated_before_anchor']);
    expect(body.problems.find((p) => p.kind === 'truncated_before_anchor')!).toMatchObject({
      chain: 'default',
      reason: expect.stringContaining(`the chain ends at entry ${earlier.seq}`),
    });

    // Recovery: the operator seals the break (recorded in the chain); the server goes on.
    const s = await store.start();
    try {
      const env = { KEYHAVEN_ADDR: s.url, KEYHAVEN_TOKEN: token };
      const short = await runCli(['audit', 'seal'], env);
      expect(short.code).toBe(2);
      const seal = await runCli(['audit', 'seal', '--reason', 'rolled back by test; ticket T-1'], env);
      expect(seal.code).toBe(0);
      expect(seal.stdout).toMatch(/Sealed: \d+ problem\(s\) acknowledged; verification starts after entry \d+, the seal is entry \d+/);
      const again = await runCli(['audit', 'seal', '--reason', 'nothing to seal'], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('AUDIT_CHAIN_INTACT');
      expect((await api(s.url, token)('PUT', '/v1/secrets/tamper/after-seal', { value: 'y' })).status).toBe(200);
      const ok = await runCli(['audit', 'verify', '--format', 'json'], env);
      expect(ok.code).toBe(0);
      const report = JSON.parse(ok.stdout);
      expect(report).toMatchObject({ ok: true, appends: 'ok', seals: [{ chain: 'default', reason: 'rolled back by test; ticket T-1' }] });
      const log = await api(s.url, token)('GET', '/v1/sys/audit/events?action=audit.seal');
      expect(log.json.items[0]).toMatchObject({
        action: 'audit.seal',
        actor_name: 'root',
        details: {
          reason: 'rolled back by test; ticket T-1',
          problems: expect.arrayContaining([expect.objectContaining({ kind: 'truncated_before_anchor', chain: 'default' })]),
          chains: [{ chain: 'default', sealed_at: expect.any(Number) }],
        },
      });
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('deleting every entry and the head rows is named (chain_missing), not a new chain', async () => {
    const store = await newStore(backend);
    const token = await seeded(store);
    await store.sql('delete from audit_events');
    await store.sql('delete from audit_head');
    const { body } = await expectDamage(store, token, ['chain_missing']);
    expect(body.problems.find((p) => p.kind === 'chain_missing')).toMatchObject({ chain: 'default' });
  });

  it("deleting one tenant's whole chain is named by the signed digest in the database, even with the anchor file gone", async () => {
    const store = await newStore(backend);
    const token = await seeded(store);
    rmSync(path.join(store.dataDir, 'audit-anchor.json'));
    await store.sql("delete from audit_events where chain = 'default'");
    await store.sql("delete from audit_head where chain = 'default'");
    const { body } = await expectDamage(store, token, ['chain_missing']);
    expect(body.problems.find((p) => p.kind === 'chain_missing')!.reason).toMatch(/the signed digest \d+/);
  });

  it("rolling one tenant's chain back to an earlier signed head, with the anchor file gone, is named by the digest (truncated_before_checkpoint)", async () => {
    const store = await newStore(backend);
    const token = await seeded(store);
    const earlier = await headRow(store);
    await writeMore(store, token, 3, 'later'); // a clean stop writes a digest of the newer heads
    rmSync(path.join(store.dataDir, 'audit-anchor.json'));
    await store.sql(`delete from audit_events where chain = 'default' and chain_seq > ${earlier.seq}`);
    await store.sql(
      `update audit_head set seq = ${earlier.seq}, hash = '${earlier.hash}', signature = '${earlier.signature}' where chain = 'default'`,
    );
    const { body } = await expectDamage(store, token, ['truncated_before_checkpoint']);
    expect(body.problems[0]).toMatchObject({ chain: 'default', seq: earlier.seq + 1 });
  });

  it('deleting the newest signed digests is named (checkpoint_missing): the anchor file records the newest', async () => {
    const store = await newStore(backend);
    const token = await seeded(store);
    const [d] = await store.sql('select max(seq) as seq from audit_digests');
    expect(Number(d!.seq)).toBeGreaterThan(0);
    await store.sql('delete from audit_digests');
    await expectDamage(store, token, ['checkpoint_missing']);
  });

  it('deleting the head row is named (head_missing), not AUDIT_UNAVAILABLE on every request', async () => {
    const store = await newStore(backend);
    const token = await seeded(store);
    await store.sql('delete from audit_head');
    await expectDamage(store, token, ['head_missing']);
  });

  it('rows inserted after the head are named (entries_after_head)', async () => {
    const store = await newStore(backend);
    const token = await seeded(store);
    const head = await headRow(store);
    for (let i = 0; i < 2; i++) {
      await store.sql(`insert into audit_events (seq, chain, chain_seq, tenant_id, time, actor_kind, action, outcome, prev_hash, hash)
        select (select max(seq) + 1 from audit_events), chain, chain_seq + 1, tenant_id, time, actor_kind, 'forged.entry', outcome, hash, hash
        from audit_events where chain = 'default' order by chain_seq desc limit 1`);
    }
    const { body } = await expectDamage(store, token, ['entries_after_head', 'entry_modified']);
    expect(body.problems.find((p) => p.kind === 'entries_after_head')).toMatchObject({
      seq: head.seq + 1,
      reason: expect.stringContaining(`entries ${head.seq + 1}..${head.seq + 2}`),
    });
  });
});
