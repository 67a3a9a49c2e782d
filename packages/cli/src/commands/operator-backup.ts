// `keyhaven operator backup | restore | verify-backup`: online backups of a SQLite store while its
// server runs, restores into a data directory, and the check that opens a backup with the master key
// and verifies the audit chain. They work on the files (through @keyhaven/server's public entry),
// not over HTTP, so they need no token, only the same configuration as `keyhaven server`.
import { Option, type Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { toJson } from '../output.js';
import { raiseExitCode } from '../exit-code.js';

interface StoreOptions {
  config?: string;
  dataDir?: string;
  databaseUrl?: string;
  masterKeyFile?: string;
  json?: boolean;
}

const codeOf = (e: unknown) => (typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined);

const storeOptions = (c: Command) =>
  c
    .addOption(new Option('--config <file>', "the server's YAML or JSON config file").env('KEYHAVEN_CONFIG'))
    .option('--data-dir <dir>', "the server's data directory (default ./data, or KEYHAVEN_DATA_DIR)")
    .option('--database-url <url>', 'the database (default <data-dir>/keyhaven.db, or KEYHAVEN_DATABASE_URL(_FILE))')
    .option('--master-key-file <file>', 'the master key file (or KEYHAVEN_MASTER_KEY / KEYHAVEN_MASTER_KEY_FILE)')
    .option('--json', 'print the result as JSON (also --format json)');

type Server = typeof import('@keyhaven/server');

const load = async (o: StoreOptions): Promise<{ server: Server; config: ReturnType<Server['loadConfig']> }> => {
  const server = await import('@keyhaven/server');
  try {
    return {
      server,
      config: server.loadConfig({
        file: o.config,
        env: process.env,
        flags: { dataDir: o.dataDir, databaseUrl: o.databaseUrl, masterKeyFile: o.masterKeyFile },
      }),
    };
  } catch (e) {
    if (codeOf(e) === 'CONFIG_INVALID') throw new CliError((e as Error).message, EXIT.USAGE);
    throw e;
  }
};

/** Progress on stderr when it is a terminal (and the output is not for a machine). */
const progressFor = (ctx: CommandContext, quiet: boolean) => {
  if (quiet || !process.stderr.isTTY) return undefined;
  let last = '';
  return (e: { message: string; done?: number; total?: number }) => {
    const pct = e.total ? ` ${Math.floor(((e.done ?? 0) / e.total) * 100)}%` : '';
    const line = `${e.message}${pct}`;
    if (line === last) return;
    last = line;
    ctx.io.err(`\r\x1b[2K${line}${e.total && e.done === e.total ? '\n' : ''}`);
  };
};

/** Clears a progress line left on the terminal before the result or an error is printed. */
const clearProgress = () => {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
};

const fail = (server: Server, e: unknown): never => {
  clearProgress();
  if (e instanceof server.KeyhavenError) throw new CliError(`[${e.code}] ${e.message}`, EXIT.ERROR);
  throw e;
};

type Report = Awaited<ReturnType<Server['verifyStore']>>;
const verifyText = (r: Report) =>
  [
    `secrets:   ${r.secrets.opened}/${r.secrets.versions} stored versions decrypt with the master key${r.secrets.failed ? ` (${r.secrets.failed} FAILED)` : ''}`,
    `keyring:   ${r.keyring.keks} KEKs, active ${r.keyring.active}`,
    `audit:     ${r.audit.ok ? 'chain verifies' : 'chain DAMAGED'} (${r.audit.checked} entries, head ${r.audit.head_seq ?? 'none'}, anchor ${r.audit.anchor})`,
    ...r.audit.problems.map((p) => `  - ${p.kind}: ${p.reason}`),
    r.ok ? 'OK' : 'FAILED',
  ].join('\n') + '\n';

export const registerBackupCommands = (operator: Command, ctx: CommandContext) => {
  const json = (o: StoreOptions) => Boolean(o.json) || ctx.globals().format === 'json';

  storeOptions(
    operator
      .command('backup')
      .description('take a consistent backup of a SQLite store, also while its server runs (never includes the master key)')
      .argument('<dir|file>', 'a directory (the backup is named keyhaven-backup-<time>.db in it) or the backup file to write'),
  )
    .addHelpText(
      'after',
      `
The backup is one SQLite file: a snapshot taken in one read transaction (VACUUM INTO), which does not
block the running server, plus the audit anchor read just before it. The master key is NOT in it:
keep the key (or its KMS source) apart, and keep both; a backup without its key opens nothing.
PostgreSQL: use pg_dump (docs/operations.md); then check a restored copy with verify-backup --database-url.

Examples:
  keyhaven operator backup /var/backups/keyhaven/ --data-dir /var/lib/keyhaven
  keyhaven operator verify-backup /var/backups/keyhaven/keyhaven-backup-2026-01-01T03-00-00-000Z.db`,
    )
    .action(async (out: string, o: StoreOptions) => {
      const { server, config } = await load(o);
      const t0 = Date.now();
      const r = await server
        .backupSqlite({ config, out, version: server.VERSION, progress: progressFor(ctx, json(o)) })
        .catch((e) => fail(server, e));
      clearProgress();
      if (json(o)) {
        ctx.io.out(toJson({ file: r.file, bytes: r.bytes, ...r.info }));
        return;
      }
      ctx.io.out(
        `Backup written to ${r.file} (${r.bytes} bytes, ${r.info.secrets} secrets, ${r.info.versions} versions, audit head ${r.info.audit_head_seq ?? 'none'}) in ${((Date.now() - t0) / 1000).toFixed(1)} s.\nThe master key is not in the backup; verify it with: keyhaven operator verify-backup ${r.file}\n`,
      );
    });

  storeOptions(
    operator
      .command('restore')
      .description('restore a backup into the data directory of a stopped server, then verify it with the master key')
      .argument('<file>', 'a backup written by `keyhaven operator backup`')
      .option('--force', 'set an existing store aside (renamed *.before-restore-<time>, never deleted) and restore over it')
      .option('--no-verify', 'skip opening the restored store with the master key')
      .option('--check', 'only verify the backup (as verify-backup); change nothing'),
  )
    .addHelpText(
      'after',
      `
A restore rolls the store back to the backup: changes made after it are not in it. The audit anchor is
restored with it, so the restored server accepts its audit chain. Start the server with the SAME master
key (KEYHAVEN_MASTER_KEY_FILE or the data directory's master.key).

Example:
  keyhaven operator restore backup.db --data-dir /var/lib/keyhaven-new --master-key-file /etc/keyhaven/master.key`,
    )
    .action(async (file: string, o: StoreOptions & { force?: boolean; verify?: boolean; check?: boolean }) => {
      const { server, config } = await load(o);
      const progress = progressFor(ctx, json(o));
      if (o.check) {
        const r = await server.verifyBackup({ file, config, progress }).catch((e) => fail(server, e));
        clearProgress();
        if (json(o)) ctx.io.out(toJson(r));
        else ctx.io.out(`backup:    ${file} (taken ${r.backup.created_at} by Keyhaven ${r.backup.keyhaven_version})\n` + verifyText(r));
        if (!r.ok) raiseExitCode(EXIT.ERROR);
        return;
      }
      const r = await server.restoreSqlite({ file, config, force: o.force, verify: o.verify, progress }).catch((e) => fail(server, e));
      clearProgress();
      if (json(o)) ctx.io.out(toJson(r));
      else {
        ctx.io.out(
          `Restored ${file} (taken ${r.backup.created_at}) to ${r.restored_to}${r.set_aside.length ? `; set aside: ${r.set_aside.join(', ')}` : ''}.\n`,
        );
        if (r.verify) ctx.io.out(verifyText(r.verify));
        else ctx.io.out('Not verified (--no-verify).\n');
      }
      if (r.verify && !r.verify.ok) raiseExitCode(EXIT.ERROR);
    });

  storeOptions(
    operator
      .command('verify-backup')
      .description(
        'open a backup (or a restored PostgreSQL database) with the master key: decrypt every stored version and verify the audit chain',
      )
      .argument(
        '[file]',
        'a backup written by `keyhaven operator backup`; omit it to check the database of --database-url (a restored pg_dump)',
      )
      .option('--anchor <file>', 'with --database-url: the audit-anchor.json saved with the dump, to detect truncation'),
  )
    .addHelpText(
      'after',
      `
Exit 0 when every stored version decrypts and the audit chain verifies, 1 otherwise. Values are
decrypted in memory only and never printed. A backup file is checked on a temporary copy; a database
given with --database-url is migrated to this Keyhaven's schema first, as a server start would.

Examples:
  keyhaven operator verify-backup backup.db --master-key-file /etc/keyhaven/master.key
  keyhaven operator verify-backup --database-url postgres://keyhaven@127.0.0.1/keyhaven_restored --anchor audit-anchor.json`,
    )
    .action(async (file: string | undefined, o: StoreOptions & { anchor?: string }) => {
      const { server, config } = await load(o);
      const progress = progressFor(ctx, json(o));
      if (!file && !o.databaseUrl && !process.env.KEYHAVEN_DATABASE_URL && !process.env.KEYHAVEN_DATABASE_URL_FILE)
        throw new CliError('Name a backup file, or a restored database with --database-url.', EXIT.USAGE);
      const b = file ? await server.verifyBackup({ file, config, progress }).catch((e) => fail(server, e)) : null;
      const r: Report =
        b ??
        (await server
          .verifyStore({ databaseUrl: config.databaseUrl!, anchorFile: o.anchor ?? null, config, progress })
          .catch((e) => fail(server, e)));
      clearProgress();
      if (json(o)) ctx.io.out(toJson(r));
      else
        ctx.io.out(
          (b
            ? `backup:    ${file} (taken ${b.backup.created_at} by Keyhaven ${b.backup.keyhaven_version})\n`
            : `database:  ${config.databaseUrl!.replace(/\/\/[^@/]*@/, '//***@')}\n`) + verifyText(r),
        );
      if (!r.ok) raiseExitCode(EXIT.ERROR);
    });
};
