// Per-tenant audit chains through the HTTP layer, on both backends (ADR 0011): a tenant admin
// verifies the tenant's own chain and its own export, sees nothing of another tenant's chain (not
// even its damage), cannot verify the whole trail; damage in one tenant's chain is named by root's
// verify with that chain and position and refuses only that tenant's appends.
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { backends } from '../support/backends.js';
import { startTestServer } from '../support/test-server.js';

describe.each(backends())('per-tenant audit chains on %s', (backend) => {
  it("a tenant admin sees and verifies only the tenant's own chain and export", async () => {
    const s = await startTestServer(backend);
    try {
      expect((await s.call('POST', '/v1/tenants', { body: { id: 'acme', name: 'Acme' }, tenant: null })).status).toBeLessThan(300);
      for (let i = 0; i < 3; i++) {
        expect((await s.call('PUT', `/v1/secrets/x/${i}`, { body: { value: 'v' } })).status).toBe(200);
        expect((await s.call('PUT', `/v1/secrets/y/${i}`, { body: { value: 'v' }, tenant: 'acme' })).status).toBe(200);
      }
      const t = await s.call('POST', '/v1/tokens', {
        body: { name: 'acme-admin', role: 'admin', kind: 'personal', ttl_seconds: 3600 },
        tenant: 'acme',
      });
      expect(t.status).toBe(201);
      const admin = t.body.token as string;
      const as = (method: string, p: string, body?: unknown, tenant = 'acme') => s.call(method, p, { token: admin, body, tenant });

      const own = await as('POST', '/v1/audit/verify');
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ ok: true, chains: [{ chain: 'acme' }], digest: null, anchor: { file: null } });
      expect(own.body.chains[0].checked).toBeGreaterThanOrEqual(6);
      expect(JSON.stringify(own.body)).not.toMatch(/default|~legacy/);
      expect((await as('POST', '/v1/sys/audit/verify', undefined, null as unknown as string)).status).toBe(403);
      expect((await as('POST', '/v1/audit/verify', undefined, 'default')).status).toBeGreaterThanOrEqual(403);

      // Its export verifies on its own; an export of another tenant does not pass as its own.
      const exp = await as('GET', '/v1/audit/export');
      expect(exp.status).toBe(200);
      const ok = await as('POST', '/v1/audit/verify-export', { export: exp.text });
      expect(ok.body).toMatchObject({ ok: true, chains: [{ chain: 'acme' }] });
      const other = await s.call('GET', '/v1/audit/export'); // root, tenant default
      const foreign = await as('POST', '/v1/audit/verify-export', { export: other.text });
      expect(foreign.body.ok).toBe(false);
      expect(foreign.body.problems[0]).toMatchObject({ kind: 'entry_moved' });
      expect(JSON.stringify(foreign.body)).not.toContain('x/0'); // nothing of the other tenant's entries is echoed

      // Damage in tenant default's chain: named by root with chain and position; acme's verify and
      // writes are unaffected; default's writes are refused.
      await s.app.storage.transaction('*', (trx) =>
        sql`update audit_events set outcome = 'denied' where chain = 'default' and chain_seq = 2`.execute(trx),
      );
      const root = await s.call('POST', '/v1/sys/audit/verify', { tenant: null });
      expect(root.body).toMatchObject({ ok: false, problems: [{ kind: 'entry_modified', chain: 'default', seq: 2 }] });
      expect((await as('POST', '/v1/audit/verify')).body).toMatchObject({ ok: true, problems: [] });
      const last = Number(
        (
          await s.app.storage.transaction('*', (trx) =>
            trx.selectFrom('audit_head').select('seq').where('chain', '=', 'default').executeTakeFirstOrThrow(),
          )
        ).seq,
      );
      await s.app.storage.transaction('*', async (trx) => {
        await sql`update audit_events set outcome = 'success' where chain = 'default' and chain_seq = 2`.execute(trx);
        await sql`delete from audit_events where chain = 'default' and chain_seq = ${last}`.execute(trx);
      });
      // Appends do not read the whole tail; verify (or a restart, or a failed append) finds the damage.
      const found = await s.call('POST', '/v1/sys/audit/verify', { tenant: null });
      expect(found.body).toMatchObject({ ok: false, appends: 'refused', problems: [{ kind: 'truncated', chain: 'default', seq: last }] });
      const refused = await s.call('PUT', '/v1/secrets/x/after', { body: { value: 'v' } });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({
        code: 'AUDIT_CHAIN_DAMAGED',
        details: { problems: [{ chain: 'default', kind: 'truncated' }] },
      });
      expect((await s.call('PUT', '/v1/secrets/y/after', { body: { value: 'v' }, tenant: 'acme' })).status).toBe(200);
      const mine = await as('POST', '/v1/audit/verify');
      expect(mine.body).toMatchObject({ ok: true, appends: 'ok' });

      // The truncation is sealed: every chain appends again.
      const seal = await s.call('POST', '/v1/sys/audit/seal', { tenant: null, body: { reason: 'test: a truncation' } });
      expect(seal.status).toBe(200);
      expect(seal.body.chains).toEqual([{ chain: 'default', sealed_at: last }]);
      expect((await s.call('POST', '/v1/sys/audit/verify', { tenant: null })).body).toMatchObject({ ok: true, appends: 'ok' });
      expect((await s.call('PUT', '/v1/secrets/x/after-seal', { body: { value: 'v' } })).status).toBe(200);

      // Deleted digests (the anchor file saw a newer one) refuse every chain until restored or sealed.
      const cp = await s.call('GET', '/v1/sys/audit/checkpoint', { tenant: null });
      expect(cp.body).toMatchObject({ stored: true, heads: expect.arrayContaining([['acme', expect.any(Number), expect.any(String)]]) });
      await s.app.storage.transaction('*', (trx) => sql`delete from audit_digests`.execute(trx));
      const gone = await s.call('POST', '/v1/sys/audit/verify', { tenant: null });
      expect(gone.body.problems).toEqual([expect.objectContaining({ kind: 'checkpoint_missing', chain: null, seq: cp.body.seq })]);
      expect((await s.call('PUT', '/v1/secrets/y/refused', { body: { value: 'v' }, tenant: 'acme' })).status).toBe(503);
      const again = await s.call('POST', '/v1/sys/audit/seal', { tenant: null, body: { reason: 'test: digests deleted' } });
      expect(again.status).toBe(200);
      expect(again.body.chains).toEqual([]);
      const after = await s.call('POST', '/v1/sys/audit/verify', { tenant: null });
      expect(after.body).toMatchObject({ ok: true, appends: 'ok', problems: [] });
      expect(after.body.digest.seq).toBeGreaterThan(cp.body.seq);
      expect((await s.call('PUT', '/v1/secrets/y/after-seal', { body: { value: 'v' }, tenant: 'acme' })).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('verify while several tenants write at once reports no damage, and every chain is contiguous', async () => {
    const s = await startTestServer(backend);
    try {
      const tenants = ['t1', 't2', 't3'];
      for (const id of tenants)
        expect((await s.call('POST', '/v1/tenants', { body: { id, name: id }, tenant: null })).status).toBeLessThan(300);
      const writes = tenants.flatMap((t) =>
        Array.from({ length: 25 }, (_, i) => s.call('PUT', `/v1/secrets/c/${i}`, { body: { value: 'v' }, tenant: t })),
      );
      const verifies = Array.from({ length: 5 }, () => s.call('POST', '/v1/sys/audit/verify', { tenant: null }));
      const checkpoints = Array.from({ length: 3 }, () => s.call('GET', '/v1/sys/audit/checkpoint', { tenant: null }));
      const [w, v, c] = await Promise.all([Promise.all(writes), Promise.all(verifies), Promise.all(checkpoints)]);
      expect(w.map((r) => r.status).filter((x) => x !== 200)).toEqual([]);
      for (const r of v) expect(r.body).toMatchObject({ ok: true, problems: [], appends: 'ok' });
      for (const r of c) expect(r.status).toBe(200);
      const final = await s.app.services.audit.verify();
      expect(final.ok).toBe(true);
      for (const t of tenants) expect(final.chains.find((x) => x.chain === t)).toMatchObject({ first_seq: 1, last_seq: 50, checked: 50 });
    } finally {
      await s.close();
    }
  });
});
