// The SQL dialects Keyhaven stores data in, and the database handle migrations run on.
import type { Migration } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/** The database handle migrations run on: Kysely's own migration type (`Kysely<any>`), since the
 *  schema differs before and after each migration and no one table type describes it. */
export type SchemaDb = Parameters<Migration['up']>[0];
