// compose.yaml (not started here: no compose tool and no PostgreSQL image can be pulled): Keyhaven on
// PostgreSQL with the master key and the database URL as secrets files, never as values; a read-only
// container without capabilities, its data on one volume, started once the database is healthy.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import YAML from 'yaml';

const compose = YAML.parse(readFileSync(path.resolve(__dirname, '../../compose.yaml'), 'utf8'));

it('runs Keyhaven on PostgreSQL with secrets from files, read-only, without capabilities', () => {
  const kh = compose.services.keyhaven;
  expect(kh.environment.KEYHAVEN_MASTER_KEY_FILE).toBe('/run/secrets/master_key');
  expect(kh.environment.KEYHAVEN_DATABASE_URL_FILE).toBe('/run/secrets/database_url');
  expect(Object.keys(kh.environment)).not.toContain('KEYHAVEN_MASTER_KEY');
  expect(Object.keys(kh.environment)).not.toContain('KEYHAVEN_DATABASE_URL');
  expect(JSON.stringify(compose)).not.toMatch(/postgres:\/\/[^:]+:[^@…%]+@/); // no password in the file
  expect(kh.secrets.sort()).toEqual(['database_url', 'master_key']);
  for (const s of ['master_key', 'database_url', 'db_password']) expect(compose.secrets[s].file).toMatch(/^\.\/secrets\//);
  expect(kh.read_only).toBe(true);
  expect(kh.cap_drop).toEqual(['ALL']);
  expect(kh.volumes).toEqual(['keyhaven-data:/var/lib/keyhaven']);
  expect(kh.depends_on.db.condition).toBe('service_healthy');
  expect(compose.services.db.environment.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/db_password');
});
