// Emergency rotation with the alternating-users strategy on the real PostgreSQL (127.0.0.1:5432):
// after a normal rotation both users hold valid credentials (zero downtime); an emergency rotation
// must leave BOTH previous credentials invalid and only the new one working. Trust auth lets any
// password in, so pgTarget.works also checks the SCRAM verifier stored in pg_authid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { pgTarget, type PgTarget } from './support/pg-target.js';

type Cred = { username: string; password: string; host: string; port: number; database: string };

describe.skipIf(!postgresAvailable)('emergency rotation, alternating users, real PostgreSQL target', () => {
  let pgt: PgTarget;
  beforeAll(async () => {
    pgt = await pgTarget();
  });
  afterAll(async () => {
    await pgt?.close();
  });

  for (const backend of ['sqlite', 'postgres'] as const) {
    it(`${backend} store: both previous credentials stop working, the new one logs in`, async () => {
      const s: TestServer = await startTestServer(backend, { config: { rotation: { enabled: false } } as never });
      try {
        const a = await pgt.role();
        const b = await pgt.role();
        await s.call('POST', '/v1/secrets', { body: { name: 'pg/admin', value: pgt.adminCredential } });
        await s.call('POST', '/v1/secrets', { body: { name: 'pg/alt', value: a, type: 'database_credentials' } });
        const reg = await s.call('POST', '/secrets/register', {
          body: {
            secret_name: 'pg/alt',
            secret_type: 'database_credentials',
            rotator: 'postgres',
            rotator_config: { strategy: 'alternating', users: [a.username, b.username] },
            admin_credential_secret: 'pg/admin',
          },
        });
        expect(reg.status, JSON.stringify(reg.body)).toBe(201);

        // A normal rotation switches to the other user; the old one keeps working (clients move on in their time).
        const r = await s.call('POST', '/secrets/rotate', { body: { secret_name: 'pg/alt' } });
        expect(r.body).toMatchObject({ status: 'success', previous_version: 1, new_version: 2 });
        const second = (await s.call('GET', '/v1/secrets/pg/alt')).body.value as Cred;
        expect(second.username).toBe(b.username);
        expect(await pgt.works(second)).toBe(true);
        expect(await pgt.works(a)).toBe(true);

        // Emergency: a new password for the next user in turn, and every retired credential revoked.
        const e = await s.call('POST', '/secrets/emergency-rotate', { body: { secret_name: 'pg/alt', reason: 'credentials leaked' } });
        expect(e.status, JSON.stringify(e.body)).toBe(200);
        expect(e.body).toMatchObject({ status: 'success', method: 'emergency', previous_version: 2, new_version: 3 });
        const fresh = (await s.call('GET', '/v1/secrets/pg/alt')).body.value as Cred;
        expect(fresh.username).toBe(a.username);
        expect(fresh.password).not.toBe(a.password);
        expect(await pgt.works(fresh)).toBe(true);
        expect(await pgt.works(second)).toBe(false); // the credential that was current
        expect(await pgt.works(a)).toBe(false); // the one before it

        const h = (await s.call('GET', '/secrets/history?secret_name=pg/alt')).body.items;
        expect(h[0]).toMatchObject({
          rotation_method: 'emergency',
          rotation_status: 'success',
          step: 'done',
          reason: 'credentials leaked',
        });
        const replies = JSON.stringify([e.body, h]);
        for (const p of [a.password, second.password, fresh.password]) expect(replies).not.toContain(p);
        expect((await s.call('GET', '/v1/secrets/pg/alt:describe')).body.labels).toEqual({ current: 3, previous: 2 });
      } finally {
        await s.close().catch(() => undefined);
      }
    }, 60_000);
  }
});
