// In-process periodic jobs (anomaly sweeps, audit retention): never overlapping, errors logged,
// timers unref'd so they never keep a process alive, all stopped on close.
import type { Logger } from 'pino';
import { withoutQuoted } from '../lib/log-names.js';

export const createIntervalJobs = (logger: Logger) => {
  const timers: NodeJS.Timeout[] = [];
  return {
    every(name: string, ms: number, fn: () => Promise<unknown>) {
      let running = false;
      const run = async () => {
        if (running) return;
        running = true;
        try {
          await fn();
        } catch (e) {
          logger.warn(
            { job: name, code: (e as { code?: string }).code, reason: withoutQuoted((e as Error).message) },
            'background job failed',
          );
        } finally {
          running = false;
        }
      };
      const t = setInterval(() => void run(), ms);
      t.unref();
      timers.push(t);
    },
    stop() {
      for (const t of timers) clearInterval(t);
    },
  };
};
