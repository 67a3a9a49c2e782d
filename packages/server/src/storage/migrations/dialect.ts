// The SQL dialects Keyhaven stores data in.
export type Dialect = 'sqlite' | 'postgres';
