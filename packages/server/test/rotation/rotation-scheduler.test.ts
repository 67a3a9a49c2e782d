// The in-process scheduler as it runs in production (issue 14): a real server with the scheduler on,
// driven only by its clock. Nobody calls rotate-due: the test moves the clock past the monthly tick and
// the scheduler fires by itself (its timer wakes often; each wake compares croner's next run with the
// clock). A population with every due reason (interval, cron, window, before expiry, retry after a
// failure on a real webhook target) is rotated exactly once; the not-due ones are untouched; the
// failed one is retried at its retry time, not before. On SQLite and PostgreSQL.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const T0 = Date.parse('2026-02-02T01:00:00Z'); // a Monday, after February's monthly tick
const MONTHLY_TICK = Date.parse('2026-03-01T02:00:00Z'); // '0 2 1 * *'
const RETRY_MS = 600_000; // retryBaseSeconds

/** A webhook target that refuses the first set and accepts every later one. */
const startHook = async () => {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls.push(req.url ?? '');
      const refuse = req.url === '/set' && calls.filter((c) => c === '/set').length === 1;
      res.writeHead(refuse ? 500 : 200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
};

describe.each(backends())('in-process rotation scheduler on a controllable clock (%s)', (backend) => {
  const at = { t: T0 };
  const clock = { now: () => new Date(at.t) };
  // Wakes the scheduler every few real milliseconds; it fires only when the clock says so.
  const timer = { set: (fn: () => void) => setTimeout(fn, 5), clear: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  const logLines: string[] = [];
  let s: TestServer;
  let hook: Awaited<ReturnType<typeof startHook>>;

  const finished = (job: string) =>
    logLines.map((l) => JSON.parse(l) as { job?: string; msg?: string }).filter((l) => l.job === job && l.msg === 'rotation job finished')
      .length;
  const waitFor = async (what: string, ok: () => boolean | Promise<boolean>, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const version = async (name: string) => (await s.call('GET', `/v1/secrets/${name}`)).body.version as number;
  const runs = async (name: string) =>
    (await s.call('GET', `/secrets/history?secret_name=${encodeURIComponent(name)}`)).body.items as Array<{
      rotation_status: string;
      rotation_date: string;
    }>;
  const schedule = async (name: string) =>
    (await s.call('GET', '/secrets/schedules')).body.items.find((i: { secret_name: string }) => i.secret_name === name);
  /** Moves the clock and waits for the scheduler's own next run of `job`. */
  const advanceTo = async (t: number, job: string) => {
    const before = finished(job);
    at.t = t;
    await waitFor(`${job} to run`, () => finished(job) > before);
  };

  const due = ['int/due', 'cron/due', 'win/due', 'exp/due'];
  const notDue = ['int/later', 'cron/later', 'win/later', 'exp/later'];

  beforeAll(async () => {
    hook = await startHook();
    s = await startTestServer(backend, {
      clock,
      schedulerTimer: timer,
      logLines,
      config: { rotation: { enabled: true, retryBaseSeconds: RETRY_MS / 1000, leaseSeconds: 300 } } as never,
    });
    const reg = async (body: Record<string, unknown>) => {
      const r = await s.call('POST', '/secrets/register', { body: { secret_type: 'api_key', ...body } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    };
    const withExpiry = async (name: string, expires: number) => {
      expect(
        (
          await s.call('POST', '/v1/secrets', {
            body: { name, value: 'imported', type: 'api_key', expires_at: new Date(expires).toISOString() },
          })
        ).status,
      ).toBe(201);
      await reg({ secret_name: name, rotation_interval_days: 90, rotate_before_expiry_days: 7 });
    };
    await reg({ secret_name: 'int/due', rotation_interval_days: 20 }); // Feb 22
    await reg({ secret_name: 'int/later', rotation_interval_days: 60 }); // Apr 3
    await reg({ secret_name: 'cron/due', cron: '0 0 15 * *', timezone: 'UTC' }); // Feb 15
    await reg({ secret_name: 'cron/later', cron: '0 0 15 6 *', timezone: 'UTC' }); // Jun 15
    await reg({ secret_name: 'win/due', rotation_interval_days: 20, window: { business_days: true } }); // Sun Feb 22 → Mon Feb 23
    await reg({ secret_name: 'win/later', rotation_interval_days: 26, window: { business_days: true } }); // Sat Feb 28 → Mon Mar 2
    await withExpiry('exp/due', Date.parse('2026-03-05T00:00:00Z')); // due Feb 26
    await withExpiry('exp/later', Date.parse('2026-05-30T00:00:00Z')); // due May 23
    expect(
      (
        await s.call('POST', '/v1/secrets', {
          body: { name: 'retry/hook-admin', value: { signing_secret: 'a-signing-secret-of-32-characters' } },
        })
      ).status,
    ).toBe(201);
    await reg({
      secret_name: 'retry/hook',
      rotator: 'webhook',
      rotator_config: { set_url: `${hook.base}/set`, test_url: `${hook.base}/test` },
      admin_credential_secret: 'retry/hook-admin',
      rotation_interval_days: 20,
    });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    await hook?.close();
  });

  it('fires by itself at the monthly tick: each due secret once, none left due, the rest untouched', async () => {
    for (const n of [...due, ...notDue, 'retry/hook']) expect(await version(n)).toBe(1);
    // Nothing fires while the clock stands still before the tick, even over many wake-ups.
    at.t = MONTHLY_TICK - 60_000;
    await new Promise((r) => setTimeout(r, 200));
    expect(finished('rotation-monthly')).toBe(0);
    for (const n of due) expect(await version(n)).toBe(1);

    await advanceTo(MONTHLY_TICK + 30_000, 'rotation-monthly');
    for (const n of due) {
      expect(await version(n), n).toBe(2);
      const h = await runs(n);
      expect(
        h.map((r) => r.rotation_status),
        n,
      ).toEqual(['success']);
      expect(Date.parse((await schedule(n)).next_rotation_date), n).toBeGreaterThan(at.t);
    }
    for (const n of notDue) {
      expect(await version(n), n).toBe(1);
      expect(await runs(n), n).toHaveLength(0);
    }
    expect(Date.parse((await schedule('win/later')).next_rotation_date)).toBe(Date.parse('2026-03-02T00:00:00Z'));
    // The webhook target refused: the run failed, nothing changed, a retry is planned.
    expect(await version('retry/hook')).toBe(1);
    const failed = await schedule('retry/hook');
    expect(failed.failure_count).toBe(1);
    expect(Date.parse(failed.next_retry_at)).toBe(MONTHLY_TICK + 30_000 + RETRY_MS);
    expect((await runs('retry/hook')).map((r) => r.rotation_status)).not.toContain('success');
    expect((await s.call('GET', '/secrets/due')).body.count).toBe(0);
  });

  it('retries the failed rotation at its retry time, not before, and nothing else rotates again', async () => {
    const retryAt = MONTHLY_TICK + 30_000 + RETRY_MS;
    const setsBefore = hook.calls.filter((c) => c === '/set').length;
    expect(setsBefore).toBe(1);
    // Five minutes later: recovery sweeps run, the retry is not due yet.
    await advanceTo(retryAt - 300_000, 'rotation-recovery');
    expect(hook.calls.filter((c) => c === '/set')).toHaveLength(1);
    expect(await version('retry/hook')).toBe(1);
    // Past the retry time: the scheduler's sweep retries it, and the target accepts.
    await advanceTo(retryAt + 1_000, 'rotation-recovery');
    // (the abandoned pending value of the failed run kept its version number: current moves past it)
    await waitFor('the retry', async () => (await version('retry/hook')) > 1);
    expect(hook.calls.filter((c) => c === '/set')).toHaveLength(2);
    const h = await runs('retry/hook');
    expect(h).toHaveLength(2);
    expect(h[0]!.rotation_status).toBe('success');
    expect(await version('retry/hook')).toBe((h[0] as unknown as { new_version: number }).new_version);
    expect(Date.parse(h[0]!.rotation_date)).toBeGreaterThanOrEqual(retryAt);
    expect((await schedule('retry/hook')).failure_count).toBe(0);
    for (const n of due) expect(await runs(n), n).toHaveLength(1);
    for (const n of notDue) expect(await version(n), n).toBe(1);
    expect((await s.call('GET', '/secrets/due')).body.count).toBe(0);
  });
});
