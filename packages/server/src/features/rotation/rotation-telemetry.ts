// What a rotation tells operators: each persisted step and the end of each run as a log line (tenant,
// the secret's name hashed unless logSecretNames is clear, run, step, outcome, duration) and as
// metrics (steps timed per rotator, runs counted by outcome, method, rotator and secret type). It is
// the engine's observer: it sees runs only after their state is persisted and never changes them.
import type { Logger } from 'pino';
import type { DomainMetrics } from '../../lib/domain-metrics.js';
import type { LogNames } from '../../lib/log-names.js';
import type { EngineDeps } from '../../rotation/engine/engine-types.js';
import type { RunRow } from '../../rotation/engine/rotation-store.js';

const STEP_NAMES: Record<string, string> = { created: 'create', set: 'set', tested: 'test', finished: 'finish', revoked: 'revoke' };

interface Tracked {
  startedAt: number;
  lastAt: number;
  step: string;
  secretType: string;
  driven: boolean;
}

export const createRotationTelemetry = (deps: {
  logger: Logger;
  names: LogNames;
  metrics?: Pick<DomainMetrics, 'rotationStarted' | 'rotationStep' | 'rotationFinished'>;
  now?: () => number;
}): NonNullable<EngineDeps['observer']> => {
  const now = deps.now ?? (() => performance.now());
  const runs = new Map<string, Tracked>();
  const base = (run: RunRow) => ({
    tenant: run.tenant_id,
    secret: deps.names.of(run.tenant_id, run.secret_name),
    run_id: run.id,
    rotator: run.rotator_kind,
    method: run.method,
  });
  const tracked = (run: RunRow): Tracked => {
    let t = runs.get(run.id);
    if (!t) {
      // A run resumed after a crash: timed from now, its secret type is not known here.
      const at = now();
      t = { startedAt: at, lastAt: at, step: run.step, secretType: 'unknown', driven: true };
      deps.metrics?.rotationStarted();
      runs.set(run.id, t);
    }
    return t;
  };
  return {
    runStarted(run, secretType) {
      const at = now();
      runs.set(run.id, { startedAt: at, lastAt: at, step: run.step, secretType, driven: true });
      deps.metrics?.rotationStarted();
    },
    stepPersisted(run) {
      const t = tracked(run);
      const at = now();
      const seconds = (at - t.lastAt) / 1000;
      if (run.status === 'in_progress') {
        if (run.step === t.step) return; // a lease renewal, not a step
        // Value-only rotators store create, set and test in one transaction.
        const step = t.step === 'started' && run.step === 'tested' ? 'create' : (STEP_NAMES[run.step] ?? run.step);
        deps.metrics?.rotationStep(step, run.rotator_kind, seconds);
        deps.logger.info({ ...base(run), step, outcome: 'ok', duration_ms: Math.round(seconds * 1000) }, 'rotation step');
        t.step = run.step;
        t.lastAt = at;
        return;
      }
      runs.delete(run.id);
      deps.metrics?.rotationStep('conclude', run.rotator_kind, seconds);
      const total = (at - t.startedAt) / 1000;
      deps.metrics?.rotationFinished({
        outcome: run.status,
        method: run.method,
        rotator: run.rotator_kind,
        secretType: t.secretType,
        seconds: total,
        driven: t.driven,
      });
      const line = {
        ...base(run),
        step: 'conclude',
        outcome: run.status,
        duration_ms: Math.round(total * 1000),
        ...(run.error_code ? { error_code: run.error_code } : {}),
        version: run.new_version,
      };
      if (run.status === 'success') deps.logger.info(line, 'rotation finished');
      else deps.logger.warn(line, 'rotation did not succeed');
    },
    suspended(run, code) {
      const t = runs.get(run.id);
      runs.delete(run.id);
      if (t)
        deps.metrics?.rotationFinished({
          outcome: 'suspended',
          method: run.method,
          rotator: run.rotator_kind,
          secretType: t.secretType,
          seconds: null,
          driven: t.driven,
        });
      deps.logger.warn(
        {
          ...base(run),
          step: STEP_NAMES[run.step] ?? run.step,
          outcome: 'suspended',
          error_code: code,
          duration_ms: t ? Math.round(now() - t.startedAt) : undefined,
        },
        'rotation interrupted; the next engine run resumes it',
      );
    },
  };
};
