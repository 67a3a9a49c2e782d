// Failed logins are counted in the database, so two servers (replicas) sharing one PostgreSQL
// store share the per-source limit: failures on one block the source on the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe.skipIf(!postgresAvailable)('login limit across replicas on postgres', () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const masterKey = Buffer.alloc(32, 7).toString('base64');
    a = await startTestServer('postgres', { db, masterKey, config: { authFailureLimit: 4, authFailureWindowSeconds: 60 } });
    b = await startTestServer('postgres', { db, masterKey, config: { authFailureLimit: 4, authFailureWindowSeconds: 60 } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  it('four failures through replica A block the source on replica B', async () => {
    const bad = { role_id: '00000000-0000-0000-0000-00000000000a', secret_id: 'khs_nope' };
    const login = (s: TestServer, remoteAddress: string) =>
      s.app.http.inject({ method: 'POST', url: '/v1/auth/approle/login', remoteAddress, payload: bad });
    for (let i = 0; i < 4; i++) expect((await login(a, '192.0.2.10')).statusCode).toBe(401);
    const onB = await login(b, '192.0.2.10');
    expect(onB.statusCode).toBe(429);
    expect(onB.json().error.code).toBe('RATE_LIMITED');
    // Another source is not affected.
    expect((await login(b, '192.0.2.11')).statusCode).toBe(401);
  });
});
