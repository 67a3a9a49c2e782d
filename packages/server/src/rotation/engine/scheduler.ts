// The in-process rotation scheduler: croner jobs (monthly run of every due secret, frequent check of
// critical ones; both configurable) plus a recovery sweep for crashed runs. Each tick claims work with
// database leases, so every replica can run a scheduler safely.
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { BatchRunner } from './batch-runner.js';
import type { RotationEngine } from './rotation-engine.js';

export interface SchedulerOptions { monthly: string; critical: string; timezone: string; recoveryEveryMs: number }

export const startRotationScheduler = (deps: { engine: RotationEngine; batch: BatchRunner; logger: Logger }, opts: SchedulerOptions) => {
  let running: Promise<unknown> = Promise.resolve();
  const serial = (name: string, fn: () => Promise<unknown>) => {
    running = running.then(fn).then(
      (r) => deps.logger.info({ job: name, result: summarize(r) }, 'rotation job finished'),
      (e) => deps.logger.warn({ job: name, reason: (e as Error).message?.slice(0, 200) }, 'rotation job failed'),
    );
    return running;
  };
  const summarize = (r: unknown) => (r && typeof r === 'object' && 'claimed' in r ? { ...(r as Record<string, unknown>), results: undefined } : Array.isArray(r) ? { recovered: r.length } : undefined);
  const tick = (criticality?: string) => async () => {
    await deps.engine.recover();
    return deps.batch.runDue({ criticality, keepResults: false });
  };
  const jobs = [
    new Cron(opts.monthly, { timezone: opts.timezone, unref: true, protect: true }, () => void serial('rotation-monthly', tick())),
    new Cron(opts.critical, { timezone: opts.timezone, unref: true, protect: true }, () => void serial('rotation-critical', tick('critical'))),
  ];
  const recovery = setInterval(() => void serial('rotation-recovery', () => deps.engine.recover()), opts.recoveryEveryMs);
  recovery.unref();
  void serial('rotation-startup-recovery', () => deps.engine.recover());
  return {
    nextRuns: () => ({ monthly: jobs[0]!.nextRun()?.toISOString() ?? null, critical: jobs[1]!.nextRun()?.toISOString() ?? null }),
    async stop() {
      for (const j of jobs) j.stop();
      clearInterval(recovery);
      await running.catch(() => undefined);
    },
  };
};
