// The audit anchor and the tail checks through the HTTP layer on both backends: a rollback under a
// running server is refused at the next append, an edited anchor file is named, a restore of the
// tables lets appends resume, and retention pruning keeps a verifiable chain across restarts.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { backends } from '../support/backends.js';
import { startTestServer } from '../support/test-server.js';

describe.each(backends())('audit anchor on %s', (backend) => {
  it('a rollback under a running server is refused at the next append, and a restore lets appends resume', async () => {
    const s = await startTestServer(backend);
    try {
      for (let i = 0; i < 3; i++) expect((await s.call('PUT', `/v1/secrets/a/${i}`, { body: { value: 'v' } })).status).toBe(200);
      const db = s.app.storage;
      const head = () =>
        db.transaction('*', (trx) => trx.selectFrom('audit_head').selectAll().where('chain', '=', 'default').executeTakeFirstOrThrow());
      const earlier = await head();
      for (let i = 3; i < 6; i++) expect((await s.call('PUT', `/v1/secrets/a/${i}`, { body: { value: 'v' } })).status).toBe(200);
      const later = await db.transaction('*', (trx) =>
        trx
          .selectFrom('audit_events')
          .selectAll()
          .where('chain', '=', 'default')
          .where('chain_seq', '>', earlier.seq)
          .orderBy('seq')
          .execute(),
      );
      const laterHead = await head();
      // Tenant default's chain is rolled back to its earlier signed head (entries deleted, head row put back).
      await db.transaction('*', async (trx) => {
        await sql`delete from audit_events where chain = 'default' and chain_seq > ${earlier.seq}`.execute(trx);
        await sql`update audit_head set seq = ${earlier.seq}, hash = ${earlier.hash}, signature = ${earlier.signature} where chain = 'default'`.execute(
          trx,
        );
      });
      const refused = await s.call('PUT', '/v1/secrets/a/forged', { body: { value: 'v' } });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({
        code: 'AUDIT_CHAIN_DAMAGED',
        details: { problems: [expect.objectContaining({ kind: 'truncated_before_anchor', chain: 'default' })] },
      });
      // Another tenant's chain is not held up by the damage of this one.
      expect((await s.call('POST', '/v1/tenants', { body: { id: 'other', name: 'Other' }, tenant: null })).status).toBeLessThan(300);
      expect((await s.call('PUT', '/v1/secrets/a/other', { body: { value: 'v' }, tenant: 'other' })).status).toBe(200);
      expect((await s.call('GET', '/v1/secrets/a/forged')).body.error.code).toBe('AUDIT_CHAIN_DAMAGED');
      const v = await s.call('POST', '/v1/sys/audit/verify', { tenant: null });
      expect(v.body).toMatchObject({ ok: false, code: 'AUDIT_CHAIN_DAMAGED', appends: 'refused' });

      // Restore the rows and the head from "a backup": verify sees a consistent tail, appends resume.
      await db.transaction('*', async (trx) => {
        await trx.insertInto('audit_events').values(later).execute();
        await sql`update audit_head set seq = ${laterHead.seq}, hash = ${laterHead.hash}, signature = ${laterHead.signature} where chain = 'default'`.execute(
          trx,
        );
      });
      const restored = await s.call('POST', '/v1/sys/audit/verify', { tenant: null });
      expect(restored.body).toMatchObject({ ok: true, appends: 'ok', problems: [] });
      expect((await s.call('PUT', '/v1/secrets/a/after-restore', { body: { value: 'v' } })).status).toBe(200);
      expect((await s.app.services.audit.verify()).ok).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('verify during concurrent writes reports no damage (the anchor is never ahead of the tables)', async () => {
    const s = await startTestServer(backend);
    try {
      const writes = Array.from({ length: 60 }, (_, i) => s.call('PUT', `/v1/secrets/c/${i}`, { body: { value: 'v' } }));
      const verifies = Array.from({ length: 6 }, () => s.call('POST', '/v1/sys/audit/verify', { tenant: null }));
      const [w, v] = await Promise.all([Promise.all(writes), Promise.all(verifies)]);
      expect(w.map((r) => r.status).filter((c) => c !== 200)).toEqual([]);
      for (const r of v) expect(r.body).toMatchObject({ ok: true, problems: [], appends: 'ok' });
    } finally {
      await s.close();
    }
  });

  it('an edited anchor file is named (anchor_invalid) after a restart, and pruning keeps the chain verifiable', async () => {
    const s = await startTestServer(backend, { db: undefined });
    const anchorFile = path.join(s.db.dataDir, 'audit-anchor.json');
    for (let i = 0; i < 3; i++) expect((await s.call('PUT', `/v1/secrets/b/${i}`, { body: { value: 'v' } })).status).toBe(200);
    await s.app.close(); // flushes the anchor
    const anchor = JSON.parse(readFileSync(anchorFile, 'utf8'));
    // One signed digest of every chain's head this server knows (tenant default's here).
    expect(anchor).toMatchObject({ format: 'keyhaven-audit-digest-v1', seq: expect.any(Number), heads: expect.any(Array) });
    expect(anchor.heads.map((h: [string, number, string]) => h[0])).toContain('default');

    const { buildApp } = await import('../../src/app.js');
    const { loadConfig } = await import('../../src/config/load-config.js');
    const config = loadConfig({
      env: {},
      flags: { databaseUrl: s.db.url, dataDir: s.db.dataDir, masterKey: s.masterKey, logLevel: 'silent' },
    });
    const edited = {
      ...anchor,
      heads: anchor.heads.map((h: [string, number, string]) => (h[0] === 'default' ? [h[0], h[1] - 1, h[2]] : h)),
    };
    writeFileSync(anchorFile, JSON.stringify(edited));
    let app = await buildApp(config);
    const headers = { authorization: `Bearer ${s.rootToken}` };
    let v = (await app.http.inject({ method: 'POST', url: '/v1/sys/audit/verify', headers })).json();
    expect(v).toMatchObject({ ok: false, anchor: { status: 'invalid' }, problems: [expect.objectContaining({ kind: 'anchor_invalid' })] });
    await app.close();

    // The genuine anchor back; prune everything, restart: still verifies (from the checkpoint).
    writeFileSync(anchorFile, JSON.stringify(anchor));
    app = await buildApp(config);
    v = (await app.http.inject({ method: 'POST', url: '/v1/sys/audit/verify', headers })).json();
    expect(v).toMatchObject({ ok: true, anchor: { status: 'ok' } });
    await app.storage.transaction('*', async (trx) => {
      await sql`update audit_events set time = '2000-01-01T00:00:00.000Z'`.execute(trx);
      // Old digests (their signatures cover the time, so these no longer verify: they must not be used).
      await sql`update audit_digests set time = '2000-01-01T00:00:00.000Z' where seq < (select max(seq) from audit_digests)`.execute(trx);
    });
    const digestsBefore = Number(
      (
        await app.storage.db
          .selectFrom('audit_digests')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(digestsBefore).toBeGreaterThan(1);
    const pruned = (
      await app.http.inject({
        method: 'POST',
        url: '/v1/sys/audit/prune',
        headers: { ...headers, 'content-type': 'application/json' },
        payload: JSON.stringify({ older_than_days: 1 }),
      })
    ).json();
    expect(pruned.pruned).toBeGreaterThan(5);
    // Old digests are pruned too, all but the newest.
    expect(
      Number(
        (
          await app.storage.db
            .selectFrom('audit_digests')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(1);
    await app.close();
    app = await buildApp(config);
    v = (await app.http.inject({ method: 'POST', url: '/v1/sys/audit/verify', headers })).json();
    const prunedDefault = pruned.chains.find((c: { chain: string }) => c.chain === 'default').checkpoint;
    expect(v).toMatchObject({ ok: true, appends: 'ok' });
    expect(v.chains.find((c: { chain: string }) => c.chain === 'default')).toMatchObject({ from_checkpoint: prunedDefault, checked: 0 });
    await app.close();
    await s.db.drop();
  });
});
