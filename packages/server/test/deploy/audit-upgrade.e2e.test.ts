// Upgrading onto per-tenant audit chains (migration 011, ADR 0011) as an operator does it: a store
// written by the code before 011 (one global chain; fixtures made by fixtures/audit-before-011/
// make-fixture.sh from fbd67c4, with its anchor file and master key) is started with the BUILT
// server. The old chain stays verifiable as the closed `~legacy` chain, new entries go into each
// tenant's chain, a tenant's export verifies on its own, and editing an old entry with sqlite3 or
// psql is still named by `keyhaven audit verify` (exit 1) and by the HTTP verify endpoint.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminQuery, createTestDatabase, postgresAvailable, PG_ADMIN_URL, type TestDatabase } from '../support/backends.js';
import { api, assertBuilt, cleanup, killAll, runCli, startServerProcess, tempDir } from './support.js';

vi.setConfig({ testTimeout: 180_000 });
const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/audit-before-011');
const fixture = (name: string) => path.join(FIXTURES, name);
const masterKey = readFileSync(fixture('master.key'), 'utf8').trim();
const LEGACY_ENTRIES = 16; // what the fixture's old server wrote (its anchor file says entry 16)

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
  token: string;
  start(): ReturnType<typeof startServerProcess>;
  /** Edits the stopped server's database with the database's own command-line client. */
  edit(sqlText: string): void;
}

/** A copy of the pre-011 fixture store, with its anchor file next to it. */
const oldStore = async (backend: Backend): Promise<Store> => {
  const env = { KEYHAVEN_MASTER_KEY: masterKey };
  if (backend === 'sqlite') {
    const dir = tempDir('keyhaven-upgrade-');
    dirs.push(dir);
    copyFileSync(fixture('sqlite.db'), path.join(dir, 'keyhaven.db'));
    copyFileSync(fixture('sqlite-anchor.json'), path.join(dir, 'audit-anchor.json'));
    const db = path.join(dir, 'keyhaven.db');
    return {
      dataDir: dir,
      token: readFileSync(fixture('sqlite.token'), 'utf8').trim(),
      start: () => startServerProcess(['--data-dir', dir], env),
      edit: (text) => void execFileSync('sqlite3', [db, text]),
    };
  }
  const db = await createTestDatabase('postgres');
  dbs.push(db);
  const admin = new URL(PG_ADMIN_URL);
  admin.pathname = new URL(db.url).pathname;
  // Restored as the superuser (the dump turns row security off), then handed to the server's role.
  execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', admin.toString(), '-f', fixture('postgres.sql')], { stdio: 'pipe' });
  const role = new URL(db.url).username;
  await adminQuery(
    `do $$ declare r record; begin
       for r in select tablename from pg_tables where schemaname = 'public' loop execute format('alter table public.%I owner to ${role}', r.tablename); end loop;
       for r in select sequencename from pg_sequences where schemaname = 'public' loop execute format('alter sequence public.%I owner to ${role}', r.sequencename); end loop;
     end $$`,
    admin.toString(),
  );
  copyFileSync(fixture('postgres-anchor.json'), path.join(db.dataDir, 'audit-anchor.json'));
  return {
    dataDir: db.dataDir,
    token: readFileSync(fixture('postgres.token'), 'utf8').trim(),
    start: () => startServerProcess([], { ...env, KEYHAVEN_DATABASE_URL: db.url, KEYHAVEN_DATA_DIR: db.dataDir }),
    edit: (text) => void execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', admin.toString(), '-c', text], { stdio: 'pipe' }),
  };
};

const backendsHere: Backend[] = postgresAvailable ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(backendsHere)('upgrading a pre-011 store onto per-tenant audit chains on %s', (backend) => {
  it('the old chain verifies as the legacy chain, new entries go into per-tenant chains, and an edited old entry is named', async () => {
    const store = await oldStore(backend);
    let s = await store.start();
    const env = () => ({ KEYHAVEN_ADDR: s.url, KEYHAVEN_TOKEN: store.token });
    try {
      // Right after the upgrade: the legacy chain (every old entry, the old head and the old anchor) verifies.
      const first = await runCli(['audit', 'verify', '--format', 'json'], env());
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const report = JSON.parse(first.stdout);
      expect(report).toMatchObject({ ok: true, problems: [], anchor: { status: 'ok' } });
      expect(report.chains.find((c: { chain: string }) => c.chain === '~legacy')).toMatchObject({
        checked: LEGACY_ENTRIES,
        first_seq: 1,
        last_seq: LEGACY_ENTRIES,
      });

      // New writes: each tenant's own chain, numbered from 1; global numbers continue after the old ones.
      const call = api(s.url, store.token);
      expect((await call('PUT', '/v1/secrets/app/new', { value: 'after-upgrade' })).status).toBe(200);
      const acme = async (method: string, p: string, body?: unknown) =>
        (
          await fetch(s.url + p, {
            method,
            headers: {
              authorization: `Bearer ${store.token}`,
              'x-tenant-id': 'acme',
              ...(body ? { 'content-type': 'application/json' } : {}),
            },
            body: body ? JSON.stringify(body) : undefined,
          })
        ).json();
      await acme('PUT', '/v1/secrets/app/new', { value: 'after-upgrade-acme' });
      const events = (await acme('GET', '/v1/audit/events?limit=200')) as {
        items: Array<{ seq: number; chain: string; chain_seq: number; tenant: string }>;
      };
      const newest = events.items[0]!;
      expect(newest).toMatchObject({ chain: 'acme', tenant: 'acme' });
      expect(newest.seq).toBeGreaterThan(LEGACY_ENTRIES);
      expect(events.items.filter((e) => e.chain === 'acme').map((e) => e.chain_seq)).toContain(1);
      expect(events.items.every((e) => e.tenant === 'acme')).toBe(true); // a tenant sees its own entries only
      const again = await runCli(['audit', 'verify'], env());
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^OK: \d+ entries verified in [3-9] chains\./);

      // A tenant's own chain, and its export, verify on their own.
      const own = await runCli(['audit', 'verify', '--own', '--tenant', 'acme', '--format', 'json'], env());
      expect(own.code).toBe(0);
      expect(JSON.parse(own.stdout)).toMatchObject({ ok: true, chains: [{ chain: 'acme' }] });
      const file = path.join(store.dataDir, 'acme-export.jsonl');
      expect((await runCli(['audit', 'export', '--tenant', 'acme', '-o', file], env())).code).toBe(0);
      const ok = await runCli(['audit', 'verify', '--file', file, '--tenant', 'acme'], env());
      expect(ok.stdout).toMatch(/^OK: \d+ entries of the export verified in 1 chain\(s\); \d+ legacy entries checked one by one\./);
      expect(ok.code).toBe(0);
      // An edited line of the export is named by chain and position.
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      const i = lines.findIndex((l) => JSON.parse(l).chain === 'acme' && JSON.parse(l).chain_seq === 2);
      lines[i] = JSON.stringify({ ...JSON.parse(lines[i]!), outcome: 'denied' });
      writeFileSync(file, lines.join('\n') + '\n');
      const bad = await runCli(['audit', 'verify', '--file', file, '--tenant', 'acme'], env());
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain("entry_modified at 2: entry 2 was modified after it was written (tenant acme's chain)");
      // Removing the newest lines of the export is named too (its signed head is in the export).
      writeFileSync(file, readFileSync(file, 'utf8').trim().split('\n').slice(0, 1).concat(lines.slice(-1)).join('\n') + '\n');
      const cut = await runCli(['audit', 'verify', '--file', file, '--tenant', 'acme', '--format', 'json'], env());
      expect(cut.code).toBe(1);
      expect(JSON.parse(cut.stdout).problems.map((p: { kind: string }) => p.kind)).toContain('truncated');
    } finally {
      expect(await s.stop()).toBe(0);
    }

    // Editing an old entry (written before the upgrade) with the database's own client is still named.
    store.edit("update audit_events set outcome = 'denied' where chain = '~legacy' and chain_seq = 3");
    s = await store.start();
    try {
      const cli = await runCli(['audit', 'verify'], env());
      expect(cli.code).toBe(1);
      expect(cli.stdout).toContain('entry_modified at 3: entry 3 was modified after it was written (the legacy chain (before 011))');
      const v = await fetch(`${s.url}/v1/sys/audit/verify`, { method: 'POST', headers: { authorization: `Bearer ${store.token}` } });
      expect(v.status).toBe(200);
      expect(await v.json()).toMatchObject({
        ok: false,
        code: 'AUDIT_CHAIN_DAMAGED',
        problems: [{ kind: 'entry_modified', chain: '~legacy', seq: 3 }],
        appends: 'ok', // damage in the middle of the closed chain does not stop appends to the tenants' chains
      });
      // A tenant admin's verify of its own chain is not affected by (and does not show) the legacy chain.
      const mine = await runCli(['audit', 'verify', '--own', '--tenant', 'acme'], env());
      expect(mine.code).toBe(0);
      expect(mine.stdout).not.toContain('legacy');
    } finally {
      expect(await s.stop()).toBe(0);
    }

    // Deleting the newest old entries (the legacy head left as it was) is truncation of the legacy chain.
    store.edit("update audit_events set outcome = 'success' where chain = '~legacy' and chain_seq = 3");
    store.edit(`delete from audit_events where chain = '~legacy' and chain_seq > ${LEGACY_ENTRIES - 2}`);
    s = await store.start();
    try {
      const cli = await runCli(['audit', 'verify', '--format', 'json'], env());
      expect(cli.code).toBe(1);
      const r = JSON.parse(cli.stdout);
      expect(r.problems).toEqual(
        expect.arrayContaining([expect.objectContaining({ kind: 'truncated', chain: '~legacy', seq: LEGACY_ENTRIES - 1 })]),
      );
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });
});
