// HTTP routes of rotation, at the seed 000 paths (/secrets/register, /secrets/rotate, …) and the
// same under /v1/rotation/…; plus POST /internal/scheduled-rotation for external schedulers.
// Handlers only translate: parse, call one service method, shape the reply.
import type { App, Request } from '../../http/pipeline-types.js';
import { scopeOf } from '../../http/pipeline-types.js';
import type { RotationService } from './rotation-service.js';
import {
  dueQuery,
  emergencyBody,
  historyQuery,
  registerBody,
  rollbackBody,
  rotateBody,
  rotateDueBody,
  scheduleBody,
  scheduledBody,
} from './rotation-schemas.js';

const tags = ['rotation'];
const named = (req: Request) => {
  const n = (req.body as { secret_name?: string } | undefined)?.secret_name;
  return n ? { name: n } : null;
};
/** Both the seed path and the versioned one. */
const paths = (op: string) => [`/secrets/${op}`, `/v1/rotation/${op}`];

export const rotationRoutes = (svc: RotationService) => (app: App) => {
  for (const url of paths('register')) {
    app.post(
      url,
      {
        config: { access: { tenant: true, action: 'write', resource: named }, audit: 'rotation.register' },
        schema: { tags, summary: 'Register a secret for rotation (creates it with a generated value when missing)', body: registerBody },
      },
      async (req, reply) => {
        reply.code(201);
        return svc.register(scopeOf(req), req.body);
      },
    );
  }
  for (const url of paths('schedule')) {
    app.put(
      url,
      {
        config: { access: { tenant: true, action: 'rotate', resource: named }, audit: 'rotation.schedule' },
        schema: {
          tags,
          summary: 'Change the rotation schedule (interval or cron + time zone, window, auto-rotation, criticality)',
          body: scheduleBody,
        },
      },
      async (req) => svc.schedule(scopeOf(req), req.body),
    );
  }
  for (const url of paths('rotate')) {
    app.post(
      url,
      {
        config: { access: { tenant: true, action: 'rotate', resource: named }, audit: 'rotation.rotate' },
        schema: { tags, summary: 'Rotate one registered secret now', body: rotateBody },
      },
      async (req) => svc.rotate(scopeOf(req), req.body.secret_name, { method: req.body.rotation_method, reason: req.body.reason }),
    );
  }
  for (const url of paths('emergency-rotate')) {
    app.post(
      url,
      {
        config: { access: { tenant: true, action: 'rotate', resource: named }, audit: 'rotation.emergency_rotate' },
        schema: {
          tags,
          summary:
            'Emergency rotation of one secret (supplied or generated value, old credentials revoked) or of a selection (dry_run, confirm)',
          body: emergencyBody,
        },
      },
      async (req) => {
        const b = req.body;
        if (b.selector)
          return svc.emergencyRotateBulk(scopeOf(req), b.selector, { dryRun: b.dry_run, confirm: b.confirm, reason: b.reason });
        return svc.emergencyRotate(scopeOf(req), b.secret_name!, { newValue: b.new_value, reason: b.reason });
      },
    );
  }
  for (const url of paths('rollback')) {
    app.post(
      url,
      {
        config: { access: { tenant: true, action: 'rotate', resource: named }, audit: 'rotation.rollback' },
        schema: { tags, summary: 'Roll back to the previous version (set on the target too)', body: rollbackBody },
      },
      async (req) => svc.rollback(scopeOf(req), req.body.secret_name, { reason: req.body.reason }),
    );
  }
  for (const url of paths('rotate-due')) {
    app.post(
      url,
      {
        config: { access: { tenant: true, action: 'rotate' }, audit: 'rotation.rotate_due' },
        schema: {
          tags,
          summary: 'Rotate due secrets of the tenant, at most max per call (remaining says how many are left; dry_run lists them)',
          body: rotateDueBody.nullish(),
        },
      },
      async (req) => svc.rotateDue(scopeOf(req), { dryRun: req.body?.dry_run, criticality: req.body?.criticality, max: req.body?.max }),
    );
  }
  for (const url of paths('schedules')) {
    app.get(
      url,
      {
        config: { access: { tenant: true, action: 'read' }, audit: 'rotation.schedules' },
        schema: { tags, summary: 'List rotation schedules', querystring: dueQuery },
      },
      async (req) => svc.schedules(scopeOf(req), req.query),
    );
  }
  for (const url of paths('due')) {
    app.get(
      url,
      {
        config: { access: { tenant: true, action: 'read' }, audit: 'rotation.due' },
        schema: { tags, summary: 'Secrets due for rotation now', querystring: dueQuery },
      },
      async (req) => svc.due(scopeOf(req), req.query),
    );
  }
  for (const url of paths('history')) {
    app.get(
      url,
      {
        config: { access: { tenant: true, action: 'read' }, audit: 'rotation.history' },
        schema: { tags, summary: 'Rotation history (filters: secret_name, status, method, limit)', querystring: historyQuery },
      },
      async (req) => svc.history(scopeOf(req), req.query),
    );
  }
  app.post(
    '/internal/scheduled-rotation',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'rotation.scheduled' },
      schema: {
        tags,
        summary:
          'For external schedulers (Cloud Scheduler, CronJob): rotate due secrets of the tenant, or of every tenant with a root token and all_tenants',
        body: scheduledBody.nullish(),
      },
    },
    async (req) => {
      const all = req.body?.all_tenants === true && req.auth?.token.isRoot === true;
      return {
        schedule_name: req.body?.schedule_name ?? null,
        ...(await svc.rotateDue(all ? null : scopeOf(req), { criticality: req.body?.criticality, max: req.body?.max })),
      };
    },
  );
};
