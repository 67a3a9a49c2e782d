// The change feed's listening connection on real PostgreSQL: relayed events and heartbeats that
// overlap run one after another on it (pg deprecates, and pg@9 removes, a query issued while another
// runs on the same client; before, a burst of relayed events did exactly that), and every event of a
// burst reaches the other replica, in order.
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openPgChangeFeed, type ChangeFeed, type RelayedEvent } from '../../src/storage/change-feed.js';
import { openStorage } from '../../src/storage/database.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/backends.js';

describe.skipIf(!postgresAvailable)('change feed listener (PostgreSQL)', () => {
  let db: TestDatabase | undefined;
  const feeds: ChangeFeed[] = [];
  afterAll(async () => {
    for (const f of feeds) await f.close();
    await db?.drop();
  });

  it('a burst of relayed events with heartbeats running: no overlapping queries, all delivered in order', async () => {
    db = await createTestDatabase('postgres');
    await (await openStorage(db.url)).close(); // the schema (listeners register in change_feed_listeners)
    const logger = pino({ level: 'silent' });
    const a = await openPgChangeFeed({ url: db.url, logger, heartbeatMs: 200 });
    const b = await openPgChangeFeed({ url: db.url, logger, heartbeatMs: 200 });
    feeds.push(a, b);
    const heard: RelayedEvent[] = [];
    b.onEvent((e) => heard.push(e));
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const N = 200;
      for (let i = 0; i < N; i++)
        a.relay({ type: 'secret.changed', time: new Date().toISOString(), tenant: 'default', data: { secret: `app/s${i}`, i } });
      const end = Date.now() + 15_000;
      while (heard.length < N && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toHaveLength(N);
      expect(heard.map((e) => (e.data as { i: number }).i)).toEqual([...Array(N).keys()]);
      expect(a.live && b.live).toBe(true); // the heartbeats kept being answered
      await new Promise((r) => setTimeout(r, 50)); // a warning is emitted on the next tick
      expect(warnings.filter((m) => /already executing a query/.test(m))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
