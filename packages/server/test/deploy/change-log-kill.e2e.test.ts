// A replica SIGKILLed after a write's COMMIT and before its wake-up NOTIFY (ADR 0012): the built
// server as a child process, its wake-ups delayed a minute (changeFeed.notifyDelayMs) so the kill
// lands between the two for certain. The other replica, its read cache on and holding the old value,
// serves the new one after its next poll of the change log (pollMs 200 here), long before the minute
// or the cache's TTL.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { api, assertBuilt, killAll, masterKey, startServerProcess } from './support.js';

describe.skipIf(!postgresAvailable)('a writer killed between its commit and its wake-up', () => {
  let db: TestDatabase | undefined;
  let b: TestServer | undefined;
  afterAll(async () => {
    killAll();
    await b?.close();
    await db?.drop();
  });

  it('the other replica catches up by its poll and serves the committed value', async () => {
    assertBuilt();
    db = await createTestDatabase('postgres');
    const key = masterKey();
    b = await startTestServer('postgres', {
      db,
      masterKey: key,
      config: { changeFeed: { mode: 'log', pollMs: 200, maxStalenessMs: 1000, notifyDelayMs: 5, retentionSeconds: 600 } },
    });
    const config = path.join(db.dataDir, 'writer.yaml');
    writeFileSync(config, 'changeFeed:\n  notifyDelayMs: 60000\n');
    const a = await startServerProcess([], {
      KEYHAVEN_MASTER_KEY: key,
      KEYHAVEN_DATABASE_URL: db.url,
      KEYHAVEN_DATA_DIR: db.dataDir,
      KEYHAVEN_CONFIG: config,
    });
    const callA = api(a.url, b.rootToken);
    const read = () => b!.call('GET', '/v1/secrets/apps/killed');
    expect((await callA('PUT', '/v1/secrets/apps/killed', { value: 'one' })).status).toBe(200);
    expect((await read()).body.value).toBe('one');
    expect((await read()).body.value).toBe('one');
    expect(b.app.services.secrets.readCache.entries()).toBeGreaterThan(0); // 'one' is cached on b
    expect((await callA('PUT', '/v1/secrets/apps/killed', { value: 'two' })).status).toBe(200);
    a.child.kill('SIGKILL'); // committed, acknowledged, its wake-up still 60 s away
    await a.stop();
    const end = Date.now() + 10_000;
    let value = (await read()).body.value;
    while (value !== 'two' && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      value = (await read()).body.value;
    }
    expect(value).toBe('two');
  });
});
