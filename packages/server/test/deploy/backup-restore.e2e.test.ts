// `keyhaven operator backup / restore / verify-backup` with the BUILT binary: a backup taken while
// the server is under a loop of acknowledged writes, restored into a new data directory, serves every
// write acknowledged before the backup began, and its audit chain verifies (offline with the master
// key, and through the restored server). A wrong key, a tampered backup and a restore onto a running
// server are refused.
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/backends.js';
import { api, assertBuilt, CLI, cleanup, killAll, masterKey, runCli, startServerProcess, tempDir } from './support.js';

vi.setConfig({ testTimeout: 120_000 });
const dirs: string[] = [];
const dbs: TestDatabase[] = [];
beforeAll(() => assertBuilt());
afterAll(async () => {
  killAll();
  for (const d of dbs) await d.drop();
  for (const d of dirs) cleanup(d);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The CLI as a child process that does not block the event loop (the write load goes on meanwhile). */
const cliAsync = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    c.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    c.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

describe('operator backup and restore (SQLite, online)', () => {
  it('a backup taken under write load restores to a server that serves every write acknowledged before it, with a verifying audit chain', async () => {
    const dataA = tempDir();
    const dataB = tempDir();
    const out = tempDir();
    dirs.push(dataA, dataB, out);
    const key = masterKey();
    const a = await startServerProcess(['--data-dir', dataA], { KEYHAVEN_MASTER_KEY: key });
    const token = a.rootToken!;
    const call = api(a.url, token);

    // The load: 4 writers, each a loop of PUTs; a write counts once its 200 has arrived.
    const acked: Array<{ name: string; value: string; at: number }> = [];
    let stop = false;
    let n = 0;
    let failures = 0;
    const writer = async () => {
      while (!stop) {
        const i = n++;
        const name = `load/k${i}`;
        const value = `value-${i}-${i * 7919}`;
        const r = await call('PUT', `/v1/secrets/${name}`, { value });
        if (r.status === 200 || r.status === 201) acked.push({ name, value, at: Date.now() });
        else failures++;
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    await sleep(1500);
    const backupBegan = Date.now();
    const before = acked.filter((w) => w.at < backupBegan);
    const backup = await cliAsync(['operator', 'backup', out + '/', '--data-dir', dataA, '--json'], { KEYHAVEN_MASTER_KEY: key });
    const backupEnded = Date.now();
    await sleep(700); // writes go on after the backup, and are not expected in it
    stop = true;
    await Promise.all(writers);
    expect(failures).toBe(0);
    expect(backup.code, backup.stderr).toBe(0);
    const info = JSON.parse(backup.stdout) as { file: string; master_key: string; versions: number; migrations: string[]; anchor: boolean };
    expect(info.master_key).toBe('not included');
    expect(info.anchor).toBe(true);
    expect(info.migrations).toContain('010_job_state');
    expect(before.length).toBeGreaterThan(20);
    expect(acked.filter((w) => w.at > backupEnded).length).toBeGreaterThan(0); // the load really ran across the backup
    expect(info.versions).toBeGreaterThanOrEqual(before.length);
    expect(readdirSync(out)).toEqual([path.basename(info.file)]); // one file, nothing partial, no key
    expect(statSync(info.file).mode & 0o077).toBe(0);
    // The master key is in no byte of the backup.
    const raw = (await import('node:fs')).readFileSync(info.file);
    expect(raw.includes(Buffer.from(key, 'base64'))).toBe(false);
    expect(raw.includes(Buffer.from(key))).toBe(false);

    // Offline check with the master key.
    const check = await runCli(['operator', 'verify-backup', info.file, '--json'], { KEYHAVEN_MASTER_KEY: key });
    expect(check.code, check.stderr).toBe(0);
    const report = JSON.parse(check.stdout);
    expect(report).toMatchObject({ ok: true, secrets: { failed: 0 }, audit: { ok: true, anchor: 'ok', problems: [] } });
    expect(report.secrets.opened).toBe(info.versions);

    // Restore into a new data directory and start a server on it.
    const restore = await runCli(['operator', 'restore', info.file, '--data-dir', dataB, '--json'], { KEYHAVEN_MASTER_KEY: key });
    expect(restore.code, restore.stderr).toBe(0);
    expect(JSON.parse(restore.stdout).verify).toMatchObject({ ok: true, audit: { ok: true } });
    expect(readdirSync(dataB)).not.toContain('master.key');
    expect(await a.stop()).toBe(0);
    const b = await startServerProcess(['--data-dir', dataB], { KEYHAVEN_MASTER_KEY: key });
    try {
      expect(b.rootToken).toBeUndefined(); // the restored store, not a new one
      const callB = api(b.url, token);
      const missing: string[] = [];
      for (const w of before) {
        const r = await callB('GET', `/v1/secrets/${w.name}`);
        if (r.status !== 200 || r.json.value !== w.value) missing.push(`${w.name}: ${r.status}`);
      }
      expect(missing).toEqual([]);
      const verify = await callB('POST', '/v1/sys/audit/verify');
      expect(verify.status).toBe(200);
      expect(verify.json).toMatchObject({ ok: true, appends: 'ok', problems: [] });
      // The restored server appends to its chain (a write is audited, not refused as truncation).
      expect((await callB('PUT', '/v1/secrets/after/restore', { value: 'x' })).status).toBeLessThan(300);
      expect((await callB('POST', '/v1/sys/audit/verify')).json.ok).toBe(true);
    } finally {
      expect(await b.stop()).toBe(0);
    }
  });

  it('refuses a wrong master key, a tampered backup, a restore onto a running server or an existing store', async () => {
    const data = tempDir();
    const out = tempDir();
    const other = tempDir();
    dirs.push(data, out, other);
    const key = masterKey();
    const s = await startServerProcess(['--data-dir', data], { KEYHAVEN_MASTER_KEY: key });
    for (let i = 0; i < 5; i++)
      expect((await api(s.url, s.rootToken!)('PUT', `/v1/secrets/t/k${i}`, { value: `v${i}` })).status).toBeLessThan(300);
    const file = path.join(out, 'b.db');
    expect((await runCli(['operator', 'backup', file, '--data-dir', data], { KEYHAVEN_MASTER_KEY: key })).code).toBe(0);
    expect((await runCli(['operator', 'backup', file, '--data-dir', data], {})).stderr).toMatch(/\[BACKUP_FAILED\].*already exists/);

    // On a terminal (a pty from script(1)), progress is shown on stderr and cleared before the result.
    if (spawnSync('sh', ['-c', 'command -v script']).status === 0) {
      const tty = await new Promise<string>((resolve) => {
        const c = spawn('script', ['-qec', `${process.execPath} ${CLI} operator verify-backup ${file}`, '/dev/null'], {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, KEYHAVEN_MASTER_KEY: key },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        c.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
        });
        c.on('exit', () => resolve(out));
      });
      expect(tty).toContain('decrypting stored versions 100%');
      expect(tty).toMatch(/\r\x1b\[2K[^\n]*verifying the audit chain/);
      expect(tty).toMatch(/secrets: +5\/5 stored versions decrypt/);
      expect(tty).toMatch(/\nOK\r?\n/);
    } else console.warn('script(1) is missing: the terminal progress check is skipped');

    const wrong = await runCli(['operator', 'verify-backup', file], { KEYHAVEN_MASTER_KEY: masterKey() });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('[MASTER_KEY_INVALID]');

    const tampered = path.join(out, 'tampered.db');
    copyFileSync(file, tampered);
    const db = new Database(tampered);
    db.prepare("update audit_events set actor_name = 'someone-else' where seq = (select min(seq) from audit_events)").run();
    db.close();
    const bad = await runCli(['operator', 'verify-backup', tampered, '--json'], { KEYHAVEN_MASTER_KEY: key });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, audit: { ok: false } });
    expect(bad.stdout).not.toContain('v0');

    const notBackup = await runCli(['operator', 'verify-backup', path.join(data, 'keyhaven.db')], { KEYHAVEN_MASTER_KEY: key });
    expect(notBackup.stderr).toContain('[BACKUP_INVALID]');

    const onto = await runCli(['operator', 'restore', file, '--data-dir', data, '--force'], { KEYHAVEN_MASTER_KEY: key });
    expect(onto.code).toBe(1);
    expect(onto.stderr).toMatch(/\[RESTORE_TARGET_EXISTS\] A Keyhaven server is running/);
    expect(await s.stop()).toBe(0);
    const exists = await runCli(['operator', 'restore', file, '--data-dir', data], { KEYHAVEN_MASTER_KEY: key });
    expect(exists.stderr).toMatch(/\[RESTORE_TARGET_EXISTS\].*--force/);
    const forced = await runCli(['operator', 'restore', file, '--data-dir', data, '--force', '--json'], { KEYHAVEN_MASTER_KEY: key });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).set_aside.some((f: string) => /keyhaven\.db\.before-restore-/.test(f))).toBe(true);

    const pg = await runCli(['operator', 'backup', other, '--database-url', 'postgres://kh@127.0.0.1/x'], {});
    expect(pg.stderr).toMatch(/\[BACKUP_FAILED\].*pg_dump/);
  });
});

describe.skipIf(!postgresAvailable)('PostgreSQL: pg_dump / pg_restore, then verify-backup --database-url', () => {
  it('a dump restored into a new database opens with the master key and its audit chain verifies against the anchor saved with it', async () => {
    const db = await createTestDatabase('postgres');
    dbs.push(db);
    const key = masterKey();
    const s = await startServerProcess([], { KEYHAVEN_DATABASE_URL: db.url, KEYHAVEN_MASTER_KEY: key, KEYHAVEN_DATA_DIR: db.dataDir });
    for (let i = 0; i < 10; i++)
      expect((await api(s.url, s.rootToken!)('PUT', `/v1/secrets/pg/k${i}`, { value: `v${i}` })).status).toBeLessThan(300);
    const out = tempDir();
    dirs.push(out);
    // As docs/operations.md says: the anchor first, then the dump (as a role that bypasses RLS).
    await sleep(300);
    const anchor = path.join(out, 'audit-anchor.json');
    copyFileSync(path.join(db.dataDir, 'audit-anchor.json'), anchor);
    const dump = path.join(out, 'keyhaven.dump');
    const superUrl = db.url.replace(/\/\/[^@]+@/, '//postgres@');
    expect(spawnSync('pg_dump', ['--format=custom', '--no-owner', `--file=${dump}`, superUrl]).status).toBe(0);
    expect(await s.stop()).toBe(0);

    const restored = await createTestDatabase('postgres');
    dbs.push(restored);
    const role = new URL(restored.url).username;
    const r = spawnSync(
      'pg_restore',
      ['--no-owner', `--role=${role}`, `--dbname=${restored.url.replace(/\/\/[^@]+@/, '//postgres@')}`, dump],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const check = await runCli(['operator', 'verify-backup', '--database-url', restored.url, '--anchor', anchor, '--json'], {
      KEYHAVEN_MASTER_KEY: key,
      KEYHAVEN_DATA_DIR: restored.dataDir,
    });
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({
      ok: true,
      secrets: { versions: 10, opened: 10, failed: 0 },
      audit: { ok: true, anchor: 'ok' },
    });
    const wrong = await runCli(['operator', 'verify-backup', '--database-url', restored.url], {
      KEYHAVEN_MASTER_KEY: masterKey(),
      KEYHAVEN_DATA_DIR: restored.dataDir,
    });
    expect(wrong.stderr).toContain('[MASTER_KEY_INVALID]');
  });
});
