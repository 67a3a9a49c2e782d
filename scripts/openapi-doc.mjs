// Builds the server's OpenAPI document from the built server without a network listener: a
// throwaway SQLite data directory, the app assembled, the document taken from @fastify/swagger.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../packages/server/dist/config/load-config.js';
import { buildApp } from '../packages/server/dist/app.js';

export const openapiDocument = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-openapi-'));
  try {
    const config = loadConfig({
      env: {},
      flags: { dataDir: dir, databaseUrl: join(dir, 'keyhaven.db'), masterKey: randomBytes(32).toString('base64'), logLevel: 'error' },
    });
    const app = await buildApp(config, { logger: pino({ level: 'silent' }) });
    try {
      await app.http.ready();
      const doc = app.http.swagger();
      // The version follows the package; the document's shape does not depend on it.
      return { ...doc, info: { ...doc.info, version: '0' } };
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const doc = await openapiDocument();
  const text = JSON.stringify(doc, null, 2) + '\n';
  if (process.argv[2]) writeFileSync(process.argv[2], text);
  else process.stdout.write(text);
}
