// Console sessions are database rows: a session started through one replica works through another
// (no sticky sessions needed behind a load balancer), a sign-out through either ends it on both, a
// restart keeps people signed in, and the table never holds the cookie, the token or the CSRF token
// in the clear.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminQuery, createTestDatabase, postgresAvailable } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../../src/features/console/console-sessions.js';

const consoleDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyhaven-console-dist-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
  return dir;
};
const config = { console: { dir: consoleDir() } };

const signIn = async (s: TestServer, token: string) => {
  const r = await s.call('POST', '/v1/console/session', { token, tenant: null });
  expect(r.status, r.text).toBe(201);
  const raw = /^kh_session=([A-Za-z0-9_-]{43});/.exec(String(r.headers['set-cookie']))![1]!;
  return { raw, cookie: `${SESSION_COOKIE}=${raw}`, csrf: r.body.csrf_token as string };
};
const as = (s: TestServer, session: { cookie: string; csrf?: string }, method: string, url: string, body?: unknown) =>
  s.call(method, url, { token: null, body, headers: { cookie: session.cookie, ...(session.csrf ? { [CSRF_HEADER]: session.csrf } : {}) } });

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers.reverse()) await s.close().catch(() => {});
});

describe.skipIf(!postgresAvailable)('console sessions on two replicas of one PostgreSQL database', () => {
  it('a session from replica a works on replica b; signing out on b ends it on a; nothing usable is stored', async () => {
    const a = await startTestServer('postgres', { config });
    const b = await startTestServer('postgres', { db: a.db, masterKey: a.masterKey, config });
    servers.push(a, b);
    const session = await signIn(a, a.rootToken);
    const seen = await as(b, session, 'GET', '/v1/console/session');
    expect(seen.status, seen.text).toBe(200);
    expect(seen.body.csrf_token).toBe(session.csrf);
    // A change through b with the session's CSRF token (made on a).
    const w = await as(b, session, 'PUT', '/v1/secrets/console/shared', { value: 'from-the-console-0001' });
    expect(w.status, w.text).toBeLessThan(300);
    expect((await as(b, { cookie: session.cookie }, 'PUT', '/v1/secrets/console/shared', { value: 'x' })).body.error.code).toBe(
      'CSRF_CHECK_FAILED',
    );

    const rows = (await adminQuery('SELECT * FROM console_sessions', a.db.url.replace(/\/\/[^@]+@/, '//postgres@'))).rows;
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    for (const clear of [session.raw, a.rootToken, session.csrf]) expect(stored).not.toContain(clear);

    expect((await as(b, session, 'DELETE', '/v1/console/session')).body).toEqual({ signed_out: true });
    const after = await as(a, session, 'GET', '/v1/secrets');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('SESSION_EXPIRED');
  });
});

describe('console sessions across a restart (SQLite)', () => {
  it('a signed-in person stays signed in when the server restarts', async () => {
    const db = await createTestDatabase('sqlite'); // kept across the restart (a server made with it leaves it)
    const a = await startTestServer('sqlite', { db, config });
    const session = await signIn(a, a.rootToken);
    expect((await as(a, session, 'GET', '/v1/console/session')).status).toBe(200);
    await a.close();
    const b = await startTestServer('sqlite', { db: a.db, masterKey: a.masterKey, config });
    const r = await as(b, session, 'GET', '/v1/console/session');
    await b.close();
    await db.drop();
    expect(r.status, r.text).toBe(200);
    expect(r.body.csrf_token).toBe(session.csrf);
  });
});
