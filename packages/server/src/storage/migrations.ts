// Runs the schema migrations (listed in migrations/index.ts) for either dialect, and refuses a
// database that a newer Keyhaven migrated (a migration this build does not know).
import { Migrator, sql, type MigrationProvider } from 'kysely';
import { migrationList } from './migrations/index.js';
import type { Dialect, SchemaDb } from './migrations/dialect.js';
import { fail } from '../lib/errors.js';

export type { Dialect } from './migrations/dialect.js';
export { enableRowLevelSecurity } from './migrations/rls.js';

const TABLE = 'keyhaven_migrations';

/** Names of the migrations recorded in the database ([] on an empty database). */
export const appliedMigrations = async (db: SchemaDb): Promise<string[]> => {
  const tables = await db.introspection.getTables();
  if (!tables.some((t) => t.name === TABLE)) return [];
  const r = await sql<{ name: string }>`select name from ${sql.table(TABLE)} order by name`.execute(db);
  return r.rows.map((x) => x.name);
};

/** Migrations this build knows that the database has not applied yet (readiness). */
export const pendingMigrations = async (db: SchemaDb, dialect: Dialect): Promise<string[]> => {
  const applied = new Set(await appliedMigrations(db));
  return Object.keys(migrationList(dialect)).filter((n) => !applied.has(n));
};

export const migrateToLatest = async (db: SchemaDb, dialect: Dialect, opts: { version?: string } = {}): Promise<void> => {
  const known = migrationList(dialect);
  const unknown = (await appliedMigrations(db)).filter((n) => !(n in known));
  if (unknown.length) {
    const latest = Object.keys(known).sort().at(-1);
    throw fail(
      'DATABASE_TOO_NEW',
      `The database was migrated by a newer Keyhaven: it has migration ${unknown.join(', ')}, which this build${opts.version ? ` (${opts.version})` : ''} does not know (its latest is ${latest}). Run a Keyhaven at least as new as the one that migrated it, or restore a backup taken before that upgrade.`,
      { unknown, latest },
    );
  }
  const provider: MigrationProvider = { getMigrations: async () => known };
  const migrator = new Migrator({ db, provider, migrationTableName: TABLE, migrationLockTableName: 'keyhaven_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    // The driver's error as it is (its code tells a damaged file, a lost connection, a full disk), named.
    if (error instanceof Error && 'code' in error) {
      error.message = `database migration ${failed} failed: ${error.message}`;
      throw error;
    }
    throw new Error(`database migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
};
