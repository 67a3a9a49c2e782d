// Seed 003 admin endpoints and keyring KEK rotation through the HTTP layer on real SQLite: 2,000
// data keys re-wrapped in the background while reads and writes run, zero failed reads, ciphertext
// untouched, progress reported; root-only access; automatic rotation toggle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

let ts: TestServer;
const SECRETS = 200;
const VERSIONS = 10;

beforeAll(async () => {
  ts = await startTestServer('sqlite', { config: { logLevel: 'silent', keyRotation: { batchSize: 50 }, audit: { sinks: [] } } });
  const scope = { tenant: 'default', actor: { tokenId: 'test', name: 'test' } };
  for (let s = 0; s < SECRETS; s++) {
    for (let v = 1; v <= VERSIONS; v++) await ts.app.services.secrets.write(scope, `bulk/s${s}`, `value-${s}-${v}`, { create: true });
  }
}, 120_000);
afterAll(async () => {
  await ts?.close();
});

const ciphertexts = async () =>
  await ts.app.storage.db.selectFrom('secret_versions').select(['secret_id', 'version', 'ciphertext', 'kek_id']).execute();

describe('admin endpoints', () => {
  it('are for root tokens only', async () => {
    const t = await ts.call('POST', '/v1/tokens', { body: { name: 'admin-role', role: 'admin' } });
    expect(t.status).toBe(201);
    const r = await ts.call('GET', '/admin/secrets/health', { token: t.body.token, tenant: null });
    expect(r.status).toBe(403);
    expect((await ts.call('GET', '/admin/secrets/health', { token: '', tenant: null })).status).toBe(401);
  });

  it('health and test-connection report the database and the barrier', async () => {
    const h = await ts.call('GET', '/admin/secrets/health', { tenant: null });
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'success', data: { status: 'healthy', database: 'ok', barrier: 'ok', active_kek: 'kek1' } });
    const c = await ts.call('POST', '/admin/secrets/test-connection', { tenant: null });
    expect(c.body.data).toMatchObject({ connected: true, database: { ok: true }, barrier: { ok: true } });
    const cc = await ts.call('POST', '/admin/secrets/clear-cache', { tenant: null });
    expect(cc.body).toMatchObject({
      status: 'success',
      data: {
        cleared: [
          { name: 'provider-references', entries: 0 },
          { name: 'secret-reads', entries: expect.any(Number) },
        ],
      },
    });
  });

  it('toggles automatic rotation with an interval', async () => {
    const on = await ts.call('POST', '/admin/secrets/key-rotation/toggle', { tenant: null, body: { enabled: true, interval_hours: 24 } });
    expect(on.body.data.auto).toMatchObject({ enabled: true, interval_hours: 24 });
    expect(typeof on.body.data.auto.next_at).toBe('string');
    const off = await ts.call('POST', '/admin/secrets/key-rotation/toggle', { tenant: null, body: { enabled: false } });
    expect(off.body.data.auto).toMatchObject({ enabled: false, next_at: null });
    expect((await ts.call('POST', '/admin/secrets/key-rotation/toggle', { tenant: null, body: { enabled: 'yes' } })).status).toBe(400);
  });
});

describe('keyring rotation', () => {
  it(`re-wraps ${SECRETS * VERSIONS} data keys in the background with reads and writes running throughout and zero failed reads`, async () => {
    const before = await ciphertexts();
    expect(before).toHaveLength(SECRETS * VERSIONS);
    expect(new Set(before.map((r) => r.kek_id))).toEqual(new Set(['kek1']));

    const p = await ts.call('POST', '/admin/secrets/key-rotation/perform', { tenant: null, body: {} });
    expect(p.status).toBe(202);
    expect(p.body.data).toMatchObject({ state: 'running', target_kek: 'kek2', active_kek: 'kek2', total: SECRETS * VERSIONS });
    expect((await ts.call('POST', '/admin/secrets/key-rotation/perform', { tenant: null, body: {} })).body.error.code).toBe(
      'KEY_ROTATION_IN_PROGRESS',
    );

    let reads = 0;
    let failed = 0;
    let sawProgress = false;
    const written: Array<[string, string]> = [];
    for (let i = 0; ; i++) {
      const s = i % SECRETS;
      const v = (i % VERSIONS) + 1;
      const r = await ts.call('GET', `/v1/secrets/bulk/s${s}?version=${v}`);
      reads++;
      if (r.status !== 200 || r.body.value !== `value-${s}-${v}`) failed++;
      if (i % 25 === 0) {
        const value = `during-${i}`;
        const w = await ts.call('PUT', `/v1/secrets/live/w${i}`, { body: { value } });
        if (w.status === 200) written.push([`live/w${i}`, value]);
      }
      const st = (await ts.call('GET', '/admin/secrets/key-rotation/status', { tenant: null })).body.data;
      if (st.state === 'running' && st.done > 0 && st.remaining > 0) sawProgress = true;
      if (st.state !== 'running') break;
    }
    const st = (await ts.call('GET', '/admin/secrets/key-rotation/status', { tenant: null })).body.data;
    expect(st).toMatchObject({ state: 'completed', failed: 0, remaining: 0, done: SECRETS * VERSIONS });
    expect(typeof st.started_at).toBe('string');
    expect(sawProgress).toBe(true);
    expect(reads).toBeGreaterThan(0);
    expect(failed).toBe(0);

    // Only wrapped_dek moved: every ciphertext is byte-identical and every data key is under kek2.
    const after = new Map((await ciphertexts()).map((r) => [`${r.secret_id}/${r.version}`, r]));
    for (const b of before) expect(after.get(`${b.secret_id}/${b.version}`)!.ciphertext).toBe(b.ciphertext);
    expect(new Set([...after.values()].map((r) => r.kek_id))).toEqual(new Set(['kek2']));
    for (const [name, value] of written) expect((await ts.call('GET', `/v1/secrets/${name}`)).body.value).toBe(value);
    for (let s = 0; s < SECRETS; s += 37)
      expect((await ts.call('GET', `/v1/secrets/bulk/s${s}?version=1`)).body.value).toBe(`value-${s}-1`);
  }, 120_000);
});
