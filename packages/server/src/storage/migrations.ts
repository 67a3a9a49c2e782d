// Runs the schema migrations (listed in migrations/index.ts) for either dialect.
import { Migrator, type Kysely, type MigrationProvider } from 'kysely';
import { migrationList } from './migrations/index.js';
import type { Dialect } from './migrations/dialect.js';

export type { Dialect } from './migrations/dialect.js';
export { enableRowLevelSecurity } from './migrations/rls.js';

export const migrateToLatest = async (db: Kysely<any>, dialect: Dialect): Promise<void> => {
  const provider: MigrationProvider = { getMigrations: async () => migrationList(dialect) };
  const migrator = new Migrator({ db, provider, migrationTableName: 'keyhaven_migrations', migrationLockTableName: 'keyhaven_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${(error as Error).message}`);
  }
};
