// The WAL checkpoint worker (ADR 0007), on real SQLite files: checkpoints leave the committing
// thread, the log stays bounded under a steady stream of commits, nothing is lost, SQLite's own
// checkpoints come back when the worker stops, and one server per file still holds.
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from './sqlite-checkpointer.js';
import { openStorage } from './database.js';
import { startTestServer } from '../../test/support/test-server.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kh-ckpt-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const walDb = (file: string) => {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table ev (id integer primary key, actor text, body text)');
  db.exec('create index ev_actor on ev (actor, id)');
  return db;
};
const autoCheckpoint = (db: BetterSqlite3.Database) => db.pragma('wal_autocheckpoint', { simple: true });
const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !check(); i++) await sleep(10);
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

describe('SQLite checkpoint worker', () => {
  it('takes checkpoints off the committing connection and keeps the log bounded', async () => {
    const file = path.join(dir, 'a.db');
    const db = walDb(file);
    const cp = startCheckpointer(db, file, { intervalMs: 5, restartFrames: 300 });
    await until(() => cp.stats().running, 'the worker to start');
    expect(autoCheckpoint(db)).toBe(0);

    // 1,500 commits of 8 rows each (~8 pages each): ~12,000 frames. Without any checkpoint the log
    // would reach ~48 MB; SQLite's own threshold is off, so only the worker and the restarts bound it.
    const insert = db.prepare('insert into ev (actor, body) values (?, ?)');
    const commit = db.transaction((i: number) => {
      for (let j = 0; j < 8; j++) insert.run(`actor-${(i * 8 + j) % 50}`, 'x'.repeat(400));
    });
    let largestWal = 0;
    for (let i = 0; i < 1500; i++) {
      commit(i);
      if (i % 10 === 0) {
        largestWal = Math.max(largestWal, statSync(`${file}-wal`).size);
        await sleep(1); // let the worker's messages in, as a server's event loop does between batches
      } else await turn();
    }
    const s = cp.stats();
    expect(s.restarts).toBeGreaterThan(0);
    expect(s.workerFrames).toBeGreaterThan(1000);
    // The request thread copied only what was committed during the worker's passes; the worker did most.
    expect(s.restartFrames).toBeLessThan(s.workerFrames);
    expect(largestWal).toBeLessThan(12 * 1024 * 1024);

    await cp.close();
    expect(autoCheckpoint(db)).toBe(1000); // SQLite's own checkpoints are back
    expect(cp.stats().running).toBe(false);
    db.close();

    const again = new BetterSqlite3(file, { readonly: true });
    expect(again.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(again.prepare('select count(*) as n from ev').get()).toEqual({ n: 12_000 });
    again.close();
  });

  it('reports a worker that cannot start and leaves SQLite checkpointing on its own', async () => {
    const file = path.join(dir, 'b.db');
    const db = walDb(file);
    const failures: Error[] = [];
    // The worker opens its own connection with fileMustExist: a path that is not there fails it.
    const cp = startCheckpointer(db, path.join(dir, 'missing.db'), { onFailure: (e) => failures.push(e) });
    await until(() => failures.length > 0, 'the failure report');
    expect(failures[0]!.message).toMatch(/checkpoint worker failed: .*(SQLITE_CANTOPEN|unable to open)/);
    expect(cp.stats().running).toBe(false);
    expect(autoCheckpoint(db)).toBe(1000);
    await cp.close();
    expect(failures).toHaveLength(1);
    db.close();
  });
});

describe('a SQLite store with the checkpoint worker', () => {
  it('refuses a second server on the same file, lets other tools read it, and loses nothing across restarts', async () => {
    const file = path.join(dir, 'keyhaven.db');
    const first = await openStorage(file);
    await until(() => first.sqliteCheckpoints?.().running === true, 'the worker to start');
    await expect(openStorage(file)).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      message: expect.stringContaining('in use by another Keyhaven server'),
    });

    await first.transaction('*', async (trx) => {
      await trx
        .insertInto('tenants')
        .values({ id: 'acme', name: 'Acme', created_at: new Date().toISOString() } as never)
        .execute();
    });
    // A read-only tool (the sqlite3 shell, a backup) can look at the file while the server runs.
    const reader = new BetterSqlite3(file, { readonly: true });
    expect(reader.prepare(`select name from tenants where id = 'acme'`).get()).toEqual({ name: 'Acme' });
    reader.close();

    await first.close();
    const second = await openStorage(file);
    expect(
      await second.withTenant('*', (ex) => ex.selectFrom('tenants').select('name').where('id', '=', 'acme').executeTakeFirst()),
    ).toEqual({ name: 'Acme' });
    await second.close();
  });
});

describe('a file system that cannot share the WAL index', () => {
  it('falls back to holding the database exclusively, with checkpoints in the commits, and says so', async () => {
    const file = path.join(dir, 'noshm.db');
    // A directory where SQLite wants its `-shm` file: the index cannot be mapped, as on file systems
    // without shared mmap; SQLite would open the database read-only.
    mkdirSync(`${file}-shm`);
    const warnings: string[] = [];
    const store = await openStorage(file, { onCheckpointFailure: (e) => warnings.push(e.message) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot share SQLite's WAL index \(SQLITE_READONLY/);
    expect(store.sqliteCheckpoints).toBeUndefined();
    await store.transaction('*', async (trx) => {
      await trx
        .insertInto('tenants')
        .values({ id: 'acme', name: 'Acme', created_at: new Date().toISOString() } as never)
        .execute();
    });
    await store.close();
    const again = await openStorage(file, { onCheckpointFailure: () => {} });
    expect(
      await again.withTenant('*', (ex) => ex.selectFrom('tenants').select('name').where('id', '=', 'acme').executeTakeFirst()),
    ).toEqual({ name: 'Acme' });
    await again.close();
  });
});

describe('a SQLite file held by something else', () => {
  it('is refused with DATABASE_UNAVAILABLE, as an older Keyhaven holding it exclusively would be', async () => {
    const file = path.join(dir, 'held.db');
    const other = new BetterSqlite3(file);
    other.pragma('locking_mode = EXCLUSIVE');
    other.pragma('journal_mode = WAL');
    other.exec('create table t (x)'); // a write: the exclusive lock is now held
    try {
      await expect(openStorage(file)).rejects.toMatchObject({
        code: 'DATABASE_UNAVAILABLE',
        message: expect.stringContaining('in use by another Keyhaven server'),
      });
    } finally {
      other.close();
    }
    // Once it is let go, the store opens (and its own lock file was released by the refused attempt).
    const store = await openStorage(file);
    await store.close();
  });
});

describe('the checkpoint worker in a server', () => {
  it('shows in /metrics: up while it runs, the frames it copied, and no work left to the request thread', async () => {
    const s = await startTestServer('sqlite');
    try {
      const scrape = async () => (await s.call('GET', '/metrics', { token: '', tenant: null })).text;
      const metric = (text: string, line: string) => {
        const found = text.split('\n').find((l) => l.startsWith(`${line} `));
        return found === undefined ? undefined : Number(found.slice(line.length + 1));
      };
      await until(() => s.app.storage.sqliteCheckpoints?.().running === true, 'the worker to start');
      expect(metric(await scrape(), 'keyhaven_sqlite_checkpoint_worker_up')).toBe(1);
      for (let i = 0; i < 40; i++) expect((await s.call('PUT', '/v1/secrets/apps/ckpt', { body: { value: `v${i}` } })).status).toBe(200);
      // The worker copies the new frames on its next pass and reports how many.
      await until(() => (s.app.storage.sqliteCheckpoints?.().workerFrames ?? 0) > 0, 'the worker to copy frames');
      const text = await scrape();
      expect(metric(text, 'keyhaven_sqlite_checkpoint_frames_total{by="worker"}')).toBeGreaterThan(0);
      // Far below 2,000 frames: the request thread had nothing to finish.
      expect(metric(text, 'keyhaven_sqlite_checkpoint_frames_total{by="request_thread"}')).toBe(0);
      expect(metric(text, 'keyhaven_sqlite_checkpoint_restarts_total')).toBe(0);
    } finally {
      await s.close();
    }
  });
});
