// End to end with the real `postgres` rotator over HTTP: the admin credential is a Keyhaven secret,
// rotation changes the role's password and `current` logs in; a target that fails at set or at test
// leaves current valid, marks pending failed, records rolled_back and schedules a retry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { pgTarget, type PgTarget } from './support/pg-target.js';

describe.skipIf(!postgresAvailable)('postgres rotator end to end (store on sqlite, target on 127.0.0.1:5432)', () => {
  let s: TestServer;
  let pgt: PgTarget;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { config: { rotation: { enabled: false, retryBaseSeconds: 60 } } as never });
    pgt = await pgTarget();
    await s.call('POST', '/v1/secrets', { body: { name: 'pg/admin', value: pgt.adminCredential, type: 'database_credentials' } });
  });
  afterAll(async () => {
    await s?.close();
    await pgt?.close();
  });

  const register = (name: string) =>
    s.call('POST', '/secrets/register', {
      body: {
        secret_name: name,
        secret_type: 'database_credentials',
        rotator: 'postgres',
        rotator_config: { strategy: 'single' },
        admin_credential_secret: 'pg/admin',
        criticality: 'critical',
      },
    });

  it('registers, rotates, and the new current logs in while the old password no longer does', async () => {
    const cred = await pgt.role();
    await s.call('POST', '/v1/secrets', { body: { name: 'pg/app', value: cred, type: 'database_credentials' } });
    const reg = await register('pg/app');
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ secret_created: false, rotator: 'postgres', rotation_interval_days: 90 });
    expect(JSON.stringify(reg.body)).not.toContain(cred.password);
    const r = await s.call('POST', '/secrets/rotate', { body: { secret_name: 'pg/app' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'success', new_version: 2 });
    const current = (await s.call('GET', '/v1/secrets/pg/app')).body.value;
    expect(current.username).toBe(cred.username);
    expect(current.password).not.toBe(cred.password);
    expect(await pgt.works(current)).toBe(true);
    expect(await pgt.works(cred)).toBe(false);
  });

  it('emergency rotation on the real target, then rollback sets the previous password back', async () => {
    const before = (await s.call('GET', '/v1/secrets/pg/app')).body.value;
    const e = await s.call('POST', '/secrets/emergency-rotate', { body: { secret_name: 'pg/app', reason: 'leak' } });
    expect(e.body.status).toBe('success');
    const now = (await s.call('GET', '/v1/secrets/pg/app')).body.value;
    expect(await pgt.works(now)).toBe(true);
    expect(await pgt.works(before)).toBe(false);
    const rb = await s.call('POST', '/secrets/rollback', { body: { secret_name: 'pg/app' } });
    expect(rb.body.status).toBe('success');
    expect(await pgt.works(before)).toBe(true);
  });

  it('a target that fails at set (role missing): rolled back, current kept, pending failed, retry scheduled', async () => {
    const cred = {
      username: 'kh_e2e_no_such_role',
      password: 'whatever-1',
      host: pgt.adminCredential.host,
      port: pgt.adminCredential.port,
      database: 'postgres',
    };
    await s.call('POST', '/v1/secrets', { body: { name: 'pg/ghost', value: cred, type: 'database_credentials' } });
    await register('pg/ghost');
    const r = await s.call('POST', '/secrets/rotate', { body: { secret_name: 'pg/ghost' } });
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe('ROTATION_SET_FAILED');
    expect(r.body.error.details).toMatchObject({ status: 'rolled_back', previous_version: 1, new_version: 2 });
    const d = await s.call('GET', '/v1/secrets/pg/ghost:describe');
    expect(d.body.labels).toEqual({ current: 1 });
    expect(d.body.versions.find((v: { version: number }) => v.version === 2).state).toBe('failed');
    const sch = (await s.call('GET', '/secrets/schedules')).body.items.find((i: { secret_name: string }) => i.secret_name === 'pg/ghost');
    expect(sch).toMatchObject({ last_status: 'rolled_back', failure_count: 1 });
    expect(sch.next_retry_at).not.toBeNull();
    const h = (await s.call('GET', '/secrets/history?secret_name=pg/ghost')).body.items[0];
    expect(h).toMatchObject({ rotation_status: 'rolled_back', step: 'created', error_code: 'ROTATION_SET_FAILED' });
  });

  it('a target that fails at test (role may not log in): password set back, current still works', async () => {
    const cred = await pgt.role({ login: false });
    await s.call('POST', '/v1/secrets', { body: { name: 'pg/nologin', value: cred, type: 'database_credentials' } });
    await register('pg/nologin');
    const r = await s.call('POST', '/secrets/rotate', { body: { secret_name: 'pg/nologin' } });
    expect(r.body.error.code).toBe('ROTATION_TEST_FAILED');
    expect(r.body.error.details).toMatchObject({ status: 'rolled_back', step: 'set' });
    expect((await s.call('GET', '/v1/secrets/pg/nologin:describe')).body.labels).toEqual({ current: 1 });
    // The role cannot log in at all, but its stored verifier is the current password again.
    const { scramMatches } = await import('../../src/rotation/rotators/postgres/scram.js');
    const pgc = new (await import('pg')).default.Client({ connectionString: (await import('../support/backends.js')).PG_ADMIN_URL });
    pgc.on('error', () => undefined); // a dropped connection rejects the next query (the test fails there), not the process
    await pgc.connect();
    const row = await pgc.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [cred.username]);
    await pgc.end();
    expect(scramMatches(cred.password, row.rows[0].rolpassword)).toBe(true);
  });

  it('an unreachable target: a clear error, nothing changed, current kept', async () => {
    await s.call('POST', '/v1/secrets', { body: { name: 'pg/admin-closed', value: { ...pgt.adminCredential, port: 1 } } });
    const cred = await pgt.role();
    await s.call('POST', '/v1/secrets', { body: { name: 'pg/far', value: { ...cred, port: 1 }, type: 'database_credentials' } });
    await s.call('POST', '/secrets/register', {
      body: { secret_name: 'pg/far', secret_type: 'database_credentials', rotator: 'postgres', admin_credential_secret: 'pg/admin-closed' },
    });
    const r = await s.call('POST', '/secrets/rotate', { body: { secret_name: 'pg/far' } });
    expect(r.body.error.code).toBe('ROTATION_TARGET_UNREACHABLE');
    expect(r.body.error.message).toContain('Nothing was changed');
    expect((await s.call('GET', '/v1/secrets/pg/far:describe')).body.labels).toEqual({ current: 1 });
    expect(await pgt.works(cred)).toBe(true);
  });
});
