// The in-process rotation scheduler: a monthly run of every due secret and a frequent check of
// critical ones (croner patterns, configurable), retries of failed rotations when their retry time
// comes, and a recovery sweep for crashed runs. Each tick claims work with database leases, so every
// replica can run a scheduler safely. Time comes from the injected clock and waits from the injected
// timer: the next run of each job is croner's nextRun(from the clock), and a wake-up that finds the
// clock short of it (a long wait is split, a timer may fire early) just waits again.
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.js';
import { withoutQuoted } from '../../lib/log-names.js';
import type { BatchRunner } from './batch-runner.js';
import type { RotationEngine } from './rotation-engine.js';

export interface SchedulerOptions {
  monthly: string;
  critical: string;
  timezone: string;
  recoveryEveryMs: number;
}

/** How the scheduler waits; the default is the process's timers (unref'd, so they never keep it alive). */
export interface SchedulerTimer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** setTimeout's longest wait (about 24.8 days); longer waits are split. */
const MAX_WAIT_MS = 2 ** 31 - 1;

export const systemTimer: SchedulerTimer = {
  set: (fn, ms) => {
    const t = setTimeout(fn, Math.min(Math.max(0, ms), MAX_WAIT_MS));
    t.unref();
    return t;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export const startRotationScheduler = (
  deps: { engine: RotationEngine; batch: BatchRunner; logger: Logger; clock: Clock; timer?: SchedulerTimer },
  opts: SchedulerOptions,
) => {
  const timer = deps.timer ?? systemTimer;
  const clock = deps.clock;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const busy = new Set<string>();
  /** Counts only: secret names stay out of the log (each run logs its own steps, names hashed). */
  const summarize = (r: unknown) => {
    if (Array.isArray(r)) return { recovered: r.length };
    if (!r || typeof r !== 'object' || !('claimed' in r)) return undefined;
    const { results: _results, errors, still_due: stillDue, deferred, ...counts } = r as Record<string, unknown>;
    const n = (v: unknown) => (Array.isArray(v) ? v.length : undefined);
    return { ...counts, still_due: n(stillDue), deferred: n(deferred), errors: n(errors) };
  };
  /** Jobs run one after another; a job still queued or running is not queued again (croner's `protect`). */
  const serial = (name: string, fn: () => Promise<unknown>) => {
    if (busy.has(name)) return running;
    busy.add(name);
    running = running
      .then(fn)
      .then(
        (r) => deps.logger.info({ job: name, result: summarize(r) }, 'rotation job finished'),
        (e) =>
          deps.logger.warn(
            { job: name, code: (e as { code?: string }).code, reason: withoutQuoted((e as Error).message) },
            'rotation job failed',
          ),
      )
      .finally(() => busy.delete(name));
    return running;
  };
  const tick = (criticality?: string) => async () => {
    await deps.engine.recover();
    return deps.batch.runDue({ criticality, keepResults: false });
  };
  /** Recovery of crashed runs, then the failed rotations whose retry time has come (any criticality). */
  const sweep = async () => {
    const recovered = await deps.engine.recover();
    const retried = await deps.batch.runDue({ retriesOnly: true, keepResults: false });
    return { recovered: recovered.length, ...retried, results: undefined };
  };

  interface Job {
    name: string;
    next: () => Date | null;
    run: () => Promise<unknown>;
    at: Date | null;
    handle?: unknown;
  }
  const cronNext = (pattern: string) => {
    const cron = new Cron(pattern, { timezone: opts.timezone, paused: true });
    return () => cron.nextRun(clock.now());
  };
  const every = (ms: number) => () => new Date(clock.now().getTime() + ms);
  const jobs: Job[] = [
    { name: 'rotation-monthly', next: cronNext(opts.monthly), run: tick(), at: null },
    { name: 'rotation-critical', next: cronNext(opts.critical), run: tick('critical'), at: null },
    { name: 'rotation-recovery', next: every(opts.recoveryEveryMs), run: sweep, at: null },
  ];
  const arm = (job: Job) => {
    if (stopped || !job.at) return;
    job.handle = timer.set(() => wake(job), job.at.getTime() - clock.now().getTime());
  };
  const wake = (job: Job) => {
    if (stopped || !job.at) return;
    if (clock.now().getTime() >= job.at.getTime()) {
      void serial(job.name, job.run);
      job.at = job.next();
    }
    arm(job);
  };
  for (const job of jobs) {
    job.at = job.next();
    arm(job);
  }
  void serial('rotation-startup-recovery', () => deps.engine.recover());
  return {
    nextRuns: () => ({
      monthly: jobs[0]!.at?.toISOString() ?? null,
      critical: jobs[1]!.at?.toISOString() ?? null,
      recovery: jobs[2]!.at?.toISOString() ?? null,
    }),
    async stop() {
      stopped = true;
      for (const j of jobs) if (j.handle !== undefined) timer.clear(j.handle);
      await running.catch(() => undefined);
    },
  };
};
