// Scheduled keyring (KEK) rotation through the BUILT `keyhaven server`, configured from the
// environment as seed 003 does (KEY_ROTATION_ENABLED / _INTERVAL_HOURS / _SCHEDULE): the last
// rotation is kept in the database, so it survives a restart (an overdue rotation runs at start, a
// recent one is not repeated), and two replicas on one PostgreSQL rotate once per due time, not twice.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminQuery, createTestDatabase, postgresAvailable, type TestDatabase } from '../support/backends.js';
import { api, assertBuilt, cleanup, killAll, masterKey, startServerProcess, tempDir, waitFor } from './support.js';

vi.setConfig({ testTimeout: 90_000 });
const dbs: TestDatabase[] = [];
const dirs: string[] = [];
beforeAll(() => assertBuilt());
afterAll(async () => {
  killAll();
  for (const d of dbs) await d.drop();
  for (const d of dirs) cleanup(d);
});

const status = async (url: string, token: string) => {
  const r = await api(url, token)('GET', '/admin/secrets/key-rotation/status');
  expect(r.status).toBe(200);
  return r.json.data as {
    active_kek: string;
    kek_ids: string[];
    auto: { enabled: boolean; schedule: string | null; interval_hours: number; next_at: string | null; last_rotated_at: string | null };
  };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduled keyring rotation (SQLite, one server restarted)', () => {
  it('keeps the last rotation across restarts: a recent one is not repeated, an overdue one runs at start', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const key = masterKey();
    const file = path.join(dir, 'keyhaven.db');
    // Every 2 seconds (a 6-field cron with seconds), from seed 003's variables.
    const s1 = await startServerProcess(['--data-dir', dir], {
      KEYHAVEN_MASTER_KEY: key,
      KEY_ROTATION_ENABLED: 'true',
      KEY_ROTATION_SCHEDULE: '*/2 * * * * *',
    });
    const token = s1.rootToken!;
    const first = await status(s1.url, token);
    expect(first.auto).toMatchObject({ enabled: true, schedule: '*/2 * * * * *' });
    await waitFor(async () => (await status(s1.url, token)).auto.last_rotated_at !== null, 'a scheduled rotation', 10_000);
    expect(await s1.stop()).toBe(0);
    const db = new Database(file);
    const row = () =>
      db.prepare("select last_run_at, lease_owner from job_state where name = 'keyring_rotation'").get() as {
        last_run_at: string;
        lease_owner: string | null;
      };
    const keks = () => (db.prepare("select count(*) as n from keyring where purpose = 'kek'").get() as { n: number }).n;
    const stored = row();
    const kekCount = keks();
    expect(stored.last_run_at).toMatch(/^\d{4}-/);
    expect(kekCount).toBeGreaterThanOrEqual(2);
    db.close();

    // Restart with a 1-hour interval instead: the stored rotation is recent, so nothing rotates.
    const env2 = { KEYHAVEN_MASTER_KEY: key, KEYHAVEN_KEY_ROTATION_ENABLED: 'true', KEYHAVEN_KEY_ROTATION_INTERVAL_HOURS: '1' };
    const s2 = await startServerProcess(['--data-dir', dir], env2);
    await sleep(1500);
    const after = await status(s2.url, token);
    expect(after.auto.last_rotated_at).toBe(stored.last_run_at);
    expect(new Date(after.auto.next_at!).getTime()).toBe(new Date(stored.last_run_at).getTime() + 3600_000);
    expect(after.kek_ids).toHaveLength(kekCount);
    expect(await s2.stop()).toBe(0);

    // Move the stored rotation two hours back (as if the server had been down that long): overdue, so
    // the restarted server rotates at start, once.
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
    const db2 = new Database(file);
    db2.prepare("update job_state set last_run_at = ? where name = 'keyring_rotation'").run(twoHoursAgo);
    db2.close();
    const s3 = await startServerProcess(['--data-dir', dir], env2);
    await waitFor(async () => (await status(s3.url, token)).auto.last_rotated_at !== twoHoursAgo, 'the overdue rotation', 10_000);
    const s3status = await status(s3.url, token);
    expect(s3status.kek_ids).toHaveLength(kekCount + 1);
    expect(Date.now() - new Date(s3status.auto.last_rotated_at!).getTime()).toBeLessThan(30_000);
    expect(new Date(s3status.auto.next_at!).getTime()).toBe(new Date(s3status.auto.last_rotated_at!).getTime() + 3600_000);
    // Secrets written before and during still read (old KEKs keep decrypting).
    expect((await api(s3.url, token)('GET', '/v1/secrets')).status).toBe(200);
    expect(await s3.stop()).toBe(0);
  });

  it('refuses an invalid schedule at start with the variable named (exit 1)', async () => {
    const dir = tempDir();
    dirs.push(dir);
    await expect(
      startServerProcess(['--data-dir', dir], { KEYHAVEN_MASTER_KEY: masterKey(), KEY_ROTATION_SCHEDULE: 'every tuesday' }, 15_000),
    ).rejects.toThrow(/keyRotation\.schedule: not a valid cron expression/);
  });
});

describe.skipIf(!postgresAvailable)('scheduled keyring rotation (two replicas on PostgreSQL)', () => {
  it('rotates once per due time across replicas (a lease in the database), and both report the shared last rotation', async () => {
    const db = await createTestDatabase('postgres');
    dbs.push(db);
    const env = {
      KEYHAVEN_DATABASE_URL: db.url,
      KEYHAVEN_MASTER_KEY: masterKey(),
      KEYHAVEN_DATA_DIR: db.dataDir,
      KEY_ROTATION_ENABLED: '1',
      KEY_ROTATION_SCHEDULE: '*/2 * * * * *',
    };
    const a = await startServerProcess([], env);
    const token = a.rootToken!;
    const b = await startServerProcess([], env);
    const write = api(a.url, token);
    for (let i = 0; i < 20; i++) expect((await write('PUT', `/v1/secrets/app/k${i}`, { value: `v${i}` })).status).toBeLessThan(300);
    await sleep(9_000);
    const rows = (
      await adminQuery(
        `SELECT created_at FROM keyring WHERE purpose = 'kek' ORDER BY created_at`,
        db.url.replace(/\/\/[^@]+@/, '//postgres@'),
      )
    ).rows as Array<{ created_at: string }>;
    const times = rows.map((r) => new Date(r.created_at).getTime());
    // The first KEK is the store's own; then one per 2-second tick at most. Both replicas wake at each
    // tick; without the shared lease each would add a KEK for it, a few milliseconds apart.
    expect(times.length).toBeGreaterThanOrEqual(3);
    for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThan(500);
    const last = new Date(rows.at(-1)!.created_at).getTime();
    expect(times.length - 1).toBeLessThanOrEqual(Math.ceil((last - times[1]!) / 2000) + 1);
    const job = (
      await adminQuery(`SELECT last_run_at FROM job_state WHERE name = 'keyring_rotation'`, db.url.replace(/\/\/[^@]+@/, '//postgres@'))
    ).rows[0] as { last_run_at: string };
    await a.stop();
    // b still runs and keeps rotating alone; it reports what the database holds.
    await waitFor(
      async () => {
        const cur = (
          await adminQuery(`SELECT last_run_at FROM job_state WHERE name = 'keyring_rotation'`, db.url.replace(/\/\/[^@]+@/, '//postgres@'))
        ).rows[0] as { last_run_at: string };
        return cur.last_run_at !== job.last_run_at && (await status(b.url, token)).auto.last_rotated_at === cur.last_run_at;
      },
      'replica b rotating alone and reporting the shared state',
      15_000,
    ).catch(async (e) => {
      console.log(
        JSON.stringify((await adminQuery(`SELECT * FROM job_state`, db.url.replace(/\/\/[^@]+@/, '//postgres@'))).rows),
        JSON.stringify(await status(b.url, token)),
        b.output().stderr.slice(-3000),
        Date.now(),
      );
      throw e;
    });
    for (let i = 0; i < 20; i++) expect((await api(b.url, token)('GET', `/v1/secrets/app/k${i}`)).json.value).toBe(`v${i}`);
    expect(await b.stop()).toBe(0);
  });
});

describe.skipIf(!postgresAvailable)('toggling the automatic keyring rotation (two replicas on PostgreSQL)', () => {
  it('a toggle through one replica applies to every replica and survives restarts', async () => {
    const db = await createTestDatabase('postgres');
    dbs.push(db);
    const admin = db.url.replace(/\/\/[^@]+@/, '//postgres@');
    // Both configured with the schedule but disabled; each looks at the shared row every second.
    const env = {
      KEYHAVEN_DATABASE_URL: db.url,
      KEYHAVEN_MASTER_KEY: masterKey(),
      KEYHAVEN_DATA_DIR: db.dataDir,
      KEY_ROTATION_ENABLED: 'false',
      KEY_ROTATION_SCHEDULE: '*/2 * * * * *',
      KEYHAVEN_KEY_ROTATION_CHECK_SECONDS: '1',
    };
    const a = await startServerProcess([], env);
    const token = a.rootToken!;
    const b = await startServerProcess([], env);
    const keks = async () =>
      Number(((await adminQuery(`SELECT count(*) AS n FROM keyring WHERE purpose = 'kek'`, admin)).rows[0] as { n: string }).n);
    expect((await status(b.url, token)).auto).toMatchObject({ enabled: false, source: 'config' });
    await sleep(2500);
    expect(await keks()).toBe(1); // disabled: nothing rotates

    const on = await api(a.url, token)('POST', '/admin/secrets/key-rotation/toggle', { enabled: true });
    expect(on.status).toBe(200);
    expect(on.json.data.auto).toMatchObject({ enabled: true, source: 'admin' });
    // The other replica reports it at once, and rotates alone once the first is gone.
    expect((await status(b.url, token)).auto).toMatchObject({ enabled: true, source: 'admin' });
    expect(await a.stop()).toBe(0);
    const before = await keks();
    await waitFor(async () => (await keks()) > before, 'replica b rotating after the toggle through replica a', 15_000);

    // Off through b; a restarted replica (configured disabled, toggled on before) follows the last toggle.
    const off = await api(b.url, token)('POST', '/admin/secrets/key-rotation/toggle', { enabled: false });
    expect(off.json.data.auto).toMatchObject({ enabled: false, source: 'admin', next_at: null });
    await sleep(1500);
    const stopped = await keks();
    await sleep(3000);
    expect(await keks()).toBe(stopped);
    expect(await b.stop()).toBe(0);
    const c = await startServerProcess([], { ...env, KEY_ROTATION_ENABLED: 'true' });
    expect((await status(c.url, token)).auto).toMatchObject({ enabled: false, source: 'admin' });
    await sleep(3000);
    expect(await keks()).toBe(stopped);
    expect(await c.stop()).toBe(0);
  });
});
