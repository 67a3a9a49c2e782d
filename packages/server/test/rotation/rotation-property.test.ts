// Property (issue 14): for any population of registered secrets (interval, cron, maintenance window,
// rotate-before-expiry, in any mix) and any later clock time, one run of due rotations rotates each
// secret at most once, and leaves no secret it rotated still due. Through HTTP, with a controlled clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../support/test-server.js';

const clockAt = { t: Date.parse('2026-01-05T08:00:00Z') };
const clock = { now: () => new Date(clockAt.t) };
const DAY = 86_400_000;

const secretSpec = fc.record({
  schedule: fc.oneof(
    fc.record({ rotation_interval_days: fc.integer({ min: 1, max: 60 }) }),
    fc.record({
      cron: fc.constantFrom('0 3 * * 1', '30 2 1 * *', '0 */6 * * *'),
      timezone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York'),
    }),
  ),
  window: fc.option(fc.record({ business_days: fc.constant(true), hours: fc.constant({ start: 1, end: 5 }) }), { nil: undefined }),
  expiry: fc.option(fc.record({ inDays: fc.integer({ min: -3, max: 40 }), beforeDays: fc.integer({ min: 1, max: 14 }) }), {
    nil: undefined,
  }),
});

describe('one run of due rotations (sqlite, controlled clock): at most once each, none rotated still due', () => {
  let s: TestServer;
  let n = 0;
  let totalRotated = 0;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { clock, config: { rotation: { enabled: false } } as never });
  });
  afterAll(async () => {
    await s?.close();
  });

  const versions = async () => {
    const items = (await s.call('GET', '/v1/secrets?limit=1000')).body.items as Array<{ name: string; latest_version: number }>;
    return new Map(items.map((i) => [i.name, i.latest_version]));
  };

  it('holds for random populations and clock steps', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(secretSpec, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 90 * 24 }),
        async (specs, stepHours) => {
          for (const spec of specs) {
            const name = `prop/s${n++}`;
            const expires_at = spec.expiry ? new Date(clockAt.t + spec.expiry.inDays * DAY).toISOString() : undefined;
            expect(
              (
                await s.call('POST', '/v1/secrets', {
                  body: { name, value: 'initial', type: 'api_key', ...(expires_at ? { expires_at } : {}) },
                })
              ).status,
            ).toBe(201);
            const reg = await s.call('POST', '/secrets/register', {
              body: {
                secret_name: name,
                rotator: 'generated',
                secret_type: 'api_key',
                ...spec.schedule,
                ...(spec.window ? { window: spec.window } : {}),
                ...(spec.expiry ? { rotate_before_expiry_days: spec.expiry.beforeDays } : {}),
              },
            });
            expect(reg.status, JSON.stringify(reg.body)).toBeLessThan(300);
          }
          const before = await versions();
          clockAt.t += stepHours * 3_600_000;
          const run = await s.call('POST', '/v1/rotation/rotate-due', { body: { max: 10_000 } });
          expect(run.status, JSON.stringify(run.body)).toBe(200);
          const after = await versions();
          const rotated: string[] = [];
          for (const [name, v] of after) {
            const delta = v - (before.get(name) ?? v);
            expect({ name, delta: delta <= 1 }).toEqual({ name, delta: true }); // never twice in one run
            if (delta === 1) rotated.push(name);
          }
          totalRotated += rotated.length;
          const due = new Set(
            ((await s.call('GET', '/secrets/due')).body.items as Array<{ secret_name: string }>).map((i) => i.secret_name),
          );
          for (const name of rotated) expect({ name, stillDue: due.has(name) }).toEqual({ name, stillDue: false });
        },
      ),
      { numRuns: 25 },
    );
    expect(totalRotated).toBeGreaterThan(5); // the runs did rotate: the property is not vacuous
  }, 120_000);
});
