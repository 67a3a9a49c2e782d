// Operator backups of a SQLite store while its server runs (`VACUUM INTO`: one read transaction, a
// consistent snapshot that never blocks the server's writer in WAL mode), restores into a data
// directory, and the check that opens a backup (or a restored PostgreSQL database) with the master
// key, decrypts every stored version and verifies the audit chain. A backup is ONE SQLite file: the
// snapshot plus a `keyhaven_backup_info` table holding its manifest and the audit anchor (ADR 0008)
// read just before the snapshot. It never holds the master key.
import BetterSqlite3 from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KeyhavenConfig } from '../config/config-schema.js';
import { fail, KeyhavenError } from '../lib/errors.js';
import { systemClock } from '../lib/clock.js';
import { isPostgresUrl, lockSqliteFile, openStorage, resolveSqlitePath } from '../storage/database.js';
import { createKeyringStore } from '../storage/keyring-store.js';
import { openKeyring } from '../barrier/keyring.js';
import { createBarrier } from '../barrier/barrier.js';
import { localKeyDefinition } from '../barrier/kek-sources/local-key.js';
import { createKekSource } from '../barrier/kek-sources/registry.js';
import { deriveAuditKey } from '../audit/chain.js';
import { createAnchor } from '../audit/anchor.js';
import { createAuditService } from '../features/audit/audit-service.js';
import { aadFor } from '../features/secrets/secret-values.js';

export const BACKUP_FORMAT = 'keyhaven-backup-v1';
const INFO_TABLE = 'keyhaven_backup_info';

export interface BackupInfo {
  format: typeof BACKUP_FORMAT;
  created_at: string;
  keyhaven_version: string;
  source_database: string;
  migrations: string[];
  audit_head_seq: number | null;
  secrets: number;
  versions: number;
  anchor: boolean;
  master_key: 'not included';
}

export interface ProgressEvent {
  phase: 'snapshot' | 'finish' | 'restore' | 'open' | 'decrypt' | 'audit';
  message: string;
  done?: number;
  total?: number;
}
export type Progress = (e: ProgressEvent) => void;

/** Where a configuration keeps its SQLite store and audit anchor (as the server resolves them). */
export const sqlitePaths = (config: KeyhavenConfig, what: 'backup' | 'restore') => {
  const url = config.databaseUrl ?? path.join(config.dataDir, 'keyhaven.db');
  if (isPostgresUrl(url)) {
    throw fail(
      'BACKUP_FAILED',
      `The store is on PostgreSQL; ${what === 'backup' ? 'back it up with pg_dump' : 'restore it with pg_restore'} (docs/operations.md, "Backup and restore"), then check it with \`keyhaven operator verify-backup --database-url <restored database>\`.`,
    );
  }
  if (url === ':memory:') throw fail('BACKUP_FAILED', 'An in-memory store has nothing on disk to back up or restore.');
  return {
    db: resolveSqlitePath(url),
    anchor: config.audit.anchorFile ? path.resolve(config.audit.anchorFile) : path.join(config.dataDir, 'audit-anchor.json'),
    dataDir: config.dataDir,
  };
};

const fsyncPath = (p: string) => {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } catch {
    /* directories cannot be fsynced on every platform */
  } finally {
    closeSync(fd);
  }
};

const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');
const tableExists = (db: BetterSqlite3.Database, name: string) =>
  Boolean(db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name));

/** Facts about a store read from a snapshot (no secret material). */
const describe = (db: BetterSqlite3.Database) => ({
  migrations: tableExists(db, 'keyhaven_migrations')
    ? (db.prepare('select name from keyhaven_migrations order by name').all() as Array<{ name: string }>).map((r) => r.name)
    : [],
  audit_head_seq: tableExists(db, 'audit_head')
    ? ((db.prepare('select max(seq) as seq from audit_head').get() as { seq: number | null }).seq ?? null)
    : null,
  secrets: tableExists(db, 'secrets') ? (db.prepare('select count(*) as n from secrets').get() as { n: number }).n : 0,
  versions: tableExists(db, 'secret_versions')
    ? (db.prepare("select count(*) as n from secret_versions where state = 'active'").get() as { n: number }).n
    : 0,
});

/**
 * Takes a consistent backup of the SQLite store named by `config` while its server runs.
 * `out` is a directory (the file is named keyhaven-backup-<time>.db inside) or a file path.
 */
export const backupSqlite = async (o: {
  config: KeyhavenConfig;
  out: string;
  version: string;
  progress?: Progress;
  now?: () => Date;
}): Promise<{ file: string; bytes: number; info: BackupInfo }> => {
  const now = o.now ?? (() => new Date());
  const paths = sqlitePaths(o.config, 'backup');
  if (!existsSync(paths.db))
    throw fail('BACKUP_FAILED', `There is no database at ${paths.db}; check --data-dir / KEYHAVEN_DATA_DIR or KEYHAVEN_DATABASE_URL.`);
  const isDir = o.out.endsWith('/') || (existsSync(o.out) && statSync(o.out).isDirectory());
  const target = path.resolve(isDir ? path.join(o.out, `keyhaven-backup-${stamp(now())}.db`) : o.out);
  if (existsSync(target)) throw fail('BACKUP_FAILED', `${target} already exists; a backup never overwrites a file. Choose another name.`);
  if (path.resolve(path.dirname(target)) === path.resolve(paths.dataDir))
    throw fail(
      'BACKUP_FAILED',
      `Write the backup outside the data directory ${paths.dataDir} (a backup beside its store is lost with it).`,
    );
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  // The anchor BEFORE the snapshot: it then records a head the snapshot holds (or an earlier one),
  // never a later one, which a restored server would take for truncation.
  const anchorText = existsSync(paths.anchor) ? readFileSync(paths.anchor, 'utf8') : null;
  const tmp = `${target}.partial-${randomBytes(4).toString('hex')}`;
  const size = statSync(paths.db).size;
  o.progress?.({ phase: 'snapshot', message: `snapshot of ${paths.db} (${(size / 1048576).toFixed(1)} MiB)`, done: 0, total: size });
  const src = new BetterSqlite3(paths.db, { fileMustExist: true });
  try {
    src.pragma('busy_timeout = 10000');
    src.prepare('VACUUM INTO ?').run(tmp);
  } catch (e) {
    rmSync(tmp, { force: true });
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw fail(
        'BACKUP_FAILED',
        `The server holds ${paths.db} exclusively (its file system cannot share SQLite's WAL index), so no other process can read it; stop the server for the backup, or move the data directory to a local file system.`,
      );
    }
    throw fail('BACKUP_FAILED', `The snapshot of ${paths.db} failed: ${(e as Error).message}`);
  } finally {
    src.close();
  }
  try {
    const snap = new BetterSqlite3(tmp);
    let info: BackupInfo;
    try {
      info = {
        format: BACKUP_FORMAT,
        created_at: now().toISOString(),
        keyhaven_version: o.version,
        source_database: paths.db,
        ...describe(snap),
        anchor: anchorText !== null,
        master_key: 'not included',
      };
      snap.exec(`create table ${INFO_TABLE} (info text not null, anchor text)`);
      snap.prepare(`insert into ${INFO_TABLE} (info, anchor) values (?, ?)`).run(JSON.stringify(info), anchorText);
    } finally {
      snap.close();
    }
    chmodSync(tmp, 0o600); // the store's ciphertext and audit trail: the operator's alone
    fsyncPath(tmp);
    renameSync(tmp, target);
    fsyncPath(path.dirname(target));
    const bytes = statSync(target).size;
    o.progress?.({ phase: 'finish', message: `wrote ${target}`, done: size, total: size });
    return { file: target, bytes, info };
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e instanceof KeyhavenError ? e : fail('BACKUP_FAILED', `The backup could not be written to ${target}: ${(e as Error).message}`);
  }
};

/** Reads a backup's manifest and anchor; BACKUP_INVALID when the file is not one. */
export const readBackup = (file: string): { info: BackupInfo; anchor: string | null } => {
  if (!existsSync(file)) throw fail('BACKUP_INVALID', `There is no backup at ${file}.`);
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    if (!tableExists(db, INFO_TABLE))
      throw fail(
        'BACKUP_INVALID',
        `${file} is a SQLite database but not a Keyhaven backup (no ${INFO_TABLE}); take backups with \`keyhaven operator backup\`.`,
      );
    const row = db.prepare(`select info, anchor from ${INFO_TABLE}`).get() as { info: string; anchor: string | null } | undefined;
    const info = row ? (JSON.parse(row.info) as BackupInfo) : null;
    if (!info || info.format !== BACKUP_FORMAT)
      throw fail('BACKUP_INVALID', `${file} has an unknown backup format; this Keyhaven reads ${BACKUP_FORMAT}.`);
    return { info, anchor: row!.anchor };
  } catch (e) {
    if (e instanceof KeyhavenError) throw e;
    throw fail('BACKUP_INVALID', `${file} cannot be read as a Keyhaven backup (${(e as { code?: string }).code ?? (e as Error).message}).`);
  } finally {
    db?.close();
  }
};

/** Writes the store held by a backup to `dest` (atomically): the manifest table dropped, the file
 *  compacted, its integrity checked. */
const materialize = (file: string, dest: string) => {
  const tmp = `${dest}.restore-${randomBytes(4).toString('hex')}`;
  try {
    copyFileSync(file, tmp);
    const db = new BetterSqlite3(tmp);
    try {
      db.exec(`drop table ${INFO_TABLE}`);
      db.exec('vacuum');
      const check = db.pragma('integrity_check', { simple: true });
      if (check !== 'ok')
        throw fail(
          'BACKUP_INVALID',
          `The backup ${file} is damaged (SQLite integrity check: ${String(check).slice(0, 200)}); use another copy.`,
        );
    } finally {
      db.close();
    }
    chmodSync(tmp, 0o600);
    fsyncPath(tmp);
    renameSync(tmp, dest);
    fsyncPath(path.dirname(dest));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
};

export interface VerifyReport {
  ok: boolean;
  secrets: { versions: number; opened: number; failed: number };
  keyring: { keks: number; active: string };
  audit: {
    ok: boolean;
    checked: number;
    head_seq: number | null;
    anchor: string;
    problems: Array<{ kind: string; chain: string | null; seq: number | null; reason: string }>;
  };
}

/** Opens a store with the configured master key, decrypts every active version (values are
 *  dropped at once, never printed) and verifies the audit chain against `anchorFile`. */
export const verifyStore = async (o: {
  databaseUrl: string;
  anchorFile: string | null;
  config: KeyhavenConfig;
  progress?: Progress;
}): Promise<VerifyReport> => {
  o.progress?.({ phase: 'open', message: 'opening the store with the master key' });
  const storage = await openStorage(o.databaseUrl, { queryTimeoutMs: o.config.databaseQueryTimeoutMs });
  let close = async () => {};
  try {
    const store = createKeyringStore(storage);
    if ((await store.loadKeyring()).length === 0)
      throw fail('BACKUP_INVALID', 'The store has no keyring: it is empty or not a Keyhaven store.');
    const c = o.config;
    const source = c.masterKeySource
      ? await createKekSource(c.masterKeySource)
      : await localKeyDefinition.create({
          key: c.masterKey,
          file: c.masterKey ? undefined : (c.masterKeyFile ?? path.join(c.dataDir, 'master.key')),
          storeExists: true,
        });
    close = async () => {
      await source.close?.();
    };
    const keyring = await openKeyring({ store, source, now: () => systemClock.now() });
    const barrier = createBarrier(keyring);
    const rows = await storage.withTenant('*', (ex) =>
      ex
        .selectFrom('secret_versions')
        .select(['tenant_id', 'secret_id', 'version', 'wrapped_dek', 'ciphertext'])
        .where('state', '=', 'active')
        .where('ciphertext', 'is not', null)
        .where('wrapped_dek', 'is not', null)
        .execute(),
    );
    let opened = 0;
    let failed = 0;
    for (const r of rows) {
      try {
        barrier.open({ wrappedDek: r.wrapped_dek!, ciphertext: r.ciphertext! }, aadFor(r.tenant_id, r.secret_id, r.version)).fill(0);
        opened++;
      } catch {
        failed++;
      }
      if ((opened + failed) % 500 === 0 || opened + failed === rows.length)
        o.progress?.({ phase: 'decrypt', message: 'decrypting stored versions', done: opened + failed, total: rows.length });
    }
    o.progress?.({ phase: 'audit', message: 'verifying the audit chain' });
    const key = deriveAuditKey(keyring.fingerprintKey);
    const anchor = createAnchor({ file: o.anchorFile, key });
    const report = await createAuditService({ storage, key, clock: systemClock, anchor }).verify();
    return {
      ok: failed === 0 && report.ok,
      secrets: { versions: rows.length, opened, failed },
      keyring: { keks: keyring.kekIds().length, active: keyring.activeKekId },
      audit: {
        ok: report.ok,
        checked: report.checked,
        // The furthest chain head (one chain per tenant, ADR 0011), as `audit_head_seq` of a backup.
        head_seq: report.chains.length ? Math.max(...report.chains.map((c) => c.last_seq ?? 0)) : null,
        anchor: report.anchor.status,
        problems: report.problems.slice(0, 20).map((p) => ({ kind: p.kind, chain: p.chain, seq: p.seq, reason: p.reason })),
      },
    };
  } finally {
    await close().catch(() => {});
    await storage.close();
  }
};

/** Verifies a backup file on a private temporary copy (the backup itself is never changed). */
export const verifyBackup = async (o: {
  file: string;
  config: KeyhavenConfig;
  progress?: Progress;
}): Promise<VerifyReport & { backup: BackupInfo }> => {
  const { info, anchor } = readBackup(o.file);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyhaven-verify-'));
  try {
    const db = path.join(dir, 'keyhaven.db');
    o.progress?.({ phase: 'restore', message: `copying ${o.file} to a temporary store` });
    materialize(o.file, db);
    const anchorFile = path.join(dir, 'audit-anchor.json');
    if (anchor !== null) writeFileSync(anchorFile, anchor, { mode: 0o600 });
    const report = await verifyStore({
      databaseUrl: db,
      anchorFile: anchor !== null ? anchorFile : null,
      config: o.config,
      progress: o.progress,
    });
    return { backup: info, ...report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Restores a backup into the store named by `config`; refuses while a server runs on it, and sets
 *  an existing store aside (renamed, never deleted) only with `force`. Verifies unless told not to. */
export const restoreSqlite = async (o: {
  file: string;
  config: KeyhavenConfig;
  force?: boolean;
  verify?: boolean;
  progress?: Progress;
  now?: () => Date;
}) => {
  const now = o.now ?? (() => new Date());
  const { info, anchor } = readBackup(o.file);
  const paths = sqlitePaths(o.config, 'restore');
  mkdirSync(path.dirname(paths.db), { recursive: true, mode: 0o700 });
  let lock: BetterSqlite3.Database;
  try {
    lock = lockSqliteFile(paths.db); // held while restoring: no server can start on a half-restored store
  } catch (e) {
    if ((e as KeyhavenError).code === 'DATABASE_UNAVAILABLE')
      throw fail('RESTORE_TARGET_EXISTS', `A Keyhaven server is running on ${paths.db}; stop it before restoring.`);
    throw e;
  }
  const setAside: string[] = [];
  try {
    if (existsSync(paths.db)) {
      if (!o.force)
        throw fail(
          'RESTORE_TARGET_EXISTS',
          `${paths.db} already holds a store; pass --force to set it aside (renamed to *.before-restore-<time>) and restore over it, or restore into an empty data directory.`,
        );
      const suffix = `.before-restore-${stamp(now())}`;
      for (const f of [paths.db, `${paths.db}-wal`, `${paths.db}-shm`, paths.anchor]) {
        if (existsSync(f)) {
          renameSync(f, f + suffix);
          setAside.push(f + suffix);
        }
      }
    } else if (existsSync(paths.anchor)) {
      const moved = `${paths.anchor}.before-restore-${stamp(now())}`;
      renameSync(paths.anchor, moved);
      setAside.push(moved);
    }
    o.progress?.({ phase: 'restore', message: `restoring ${o.file} to ${paths.db}` });
    materialize(o.file, paths.db);
    if (anchor !== null) {
      const tmp = `${paths.anchor}.${randomBytes(4).toString('hex')}.tmp`;
      mkdirSync(path.dirname(paths.anchor), { recursive: true, mode: 0o700 });
      writeFileSync(tmp, anchor, { mode: 0o600 });
      fsyncPath(tmp);
      renameSync(tmp, paths.anchor);
    }
  } finally {
    lock.close();
  }
  const verify =
    o.verify === false
      ? null
      : await verifyStore({
          databaseUrl: paths.db,
          anchorFile: anchor !== null ? paths.anchor : null,
          config: o.config,
          progress: o.progress,
        });
  return { restored_to: paths.db, anchor: anchor !== null ? paths.anchor : null, set_aside: setAside, backup: info, verify };
};
