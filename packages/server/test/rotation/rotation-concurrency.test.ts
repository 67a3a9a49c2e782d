// Three engine instances (three apps, three connection pools) on one PostgreSQL database rotate
// 1,000 due `generated` secrets at the same time: every secret is rotated exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const N = 1000;
const clockAt = { t: Date.parse('2026-01-01T00:00:00Z') };
const clock = { now: () => new Date(clockAt.t) };

describe.skipIf(!postgresAvailable)('three engines on one PostgreSQL', () => {
  let db: TestDatabase;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const first = await startTestServer('postgres', {
      db,
      clock,
      config: { rotation: { enabled: false, concurrency: 8, batchSize: 50 } } as never,
    });
    servers.push(first);
    for (let i = 0; i < 2; i++)
      servers.push(
        await startTestServer('postgres', {
          db,
          clock,
          masterKey: first.masterKey,
          config: { rotation: { enabled: false, concurrency: 8, batchSize: 50 } } as never,
        }),
      );
    const scope = { tenant: 'default', actor: { tokenId: 'test', name: 'test' } };
    const svc = first.app.rotation.service;
    for (let i = 0; i < N; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, N - i) }, (_, k) =>
          svc.register(scope, { secret_name: `bulk/s-${i + k}`, secret_type: 'api_key', rotator: 'generated', rotation_interval_days: 1 }),
        ),
      );
    }
  }, 180_000);
  afterAll(async () => {
    for (const s of servers) await s.app.close().catch(() => undefined);
    await db?.drop();
  });

  it('rotates each due secret exactly once', async () => {
    clockAt.t += 2 * 86400_000;
    const owners = new Set(servers.map((s) => s.app.rotation.owner));
    expect(owners.size).toBe(3);
    const summaries = await Promise.all(servers.map((s) => s.app.rotation.batch.runDue({ keepResults: true })));
    expect(summaries.reduce((n, x) => n + x.succeeded, 0)).toBe(N);
    // The only tolerated failure: the audit chain refusing a concurrent append from another replica
    // (fail closed: nothing was done, the lease was released and another engine rotated it).
    const errors = summaries.flatMap((x) => x.errors);
    expect(errors.filter((e) => e.code !== 'AUDIT_UNAVAILABLE')).toEqual([]);
    expect(summaries.reduce((n, x) => n + x.failed, 0)).toBe(errors.length);
    expect(summaries.filter((x) => x.succeeded > 0).length).toBeGreaterThanOrEqual(2); // the work was shared
    const rows = await servers[0]!.app.storage.withTenant('default', (ex) =>
      sql<{ secret_name: string; n: number }>`select secret_name, count(*)::int as n from rotation_runs group by secret_name`.execute(ex),
    );
    expect(rows.rows).toHaveLength(N);
    expect(rows.rows.filter((r) => r.n !== 1)).toEqual([]);
    const versions = await servers[0]!.app.storage.withTenant('default', (ex) =>
      sql<{
        n: number;
      }>`select count(*)::int as n from secrets where name like 'bulk/%' and current_version = 2 and previous_version = 1 and pending_version is null`.execute(
        ex,
      ),
    );
    expect(versions.rows[0]!.n).toBe(N);
    expect((await servers[1]!.call('GET', '/secrets/due', { token: servers[0]!.rootToken })).body.count).toBe(0);
  }, 180_000);
});
