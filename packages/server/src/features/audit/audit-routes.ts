// HTTP routes of the audit trail: query and export (tenant admins for their tenant, root for all),
// per-secret access history, anomaly signals, chain verification and retention pruning (root).
import { z } from 'zod';
import type { App, Request } from '../../http/pipeline-types.js';
import { scopeOf } from '../../http/pipeline-types.js';
import { assertSecretName } from '../../lib/secret-name.js';
import type { AuditService, AuditQuery } from './audit-service.js';
import type { AnomalyDetector } from './anomalies.js';

const tags = ['audit'];
const filters = z
  .object({
    since: z.string().datetime({ offset: true }).optional(),
    until: z.string().datetime({ offset: true }).optional(),
    actor: z.string().max(128).optional(),
    action: z.string().max(64).optional(),
    outcome: z.enum(['success', 'denied', 'error', 'attempt']).optional(),
    resource: z.string().max(256).optional(),
    source_ip: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    before: z.coerce.number().int().min(1).optional(),
  })
  .strict();
const exportQuery = filters
  .omit({ limit: true, before: true, source_ip: true })
  .extend({ format: z.enum(['jsonl', 'csv']).default('jsonl') })
  .strict();

const streamExport = async (
  svc: AuditService,
  req: Request,
  q: Omit<AuditQuery, 'limit'> & { format: 'jsonl' | 'csv' },
  reply: import('fastify').FastifyReply,
) => {
  const { format, ...rest } = q;
  reply.header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
  reply.header('content-disposition', `attachment; filename="keyhaven-audit.${format}"`);
  const { Readable } = await import('node:stream');
  return reply.send(Readable.from(svc.export(rest, format)));
};

export const auditRoutes = (svc: AuditService, anomalies: AnomalyDetector) => (app: App) => {
  app.get(
    '/v1/audit/events',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'audit.query' },
      schema: {
        tags,
        summary: 'Audit events of this tenant, newest first (filters: time range, actor, action, outcome, resource, source)',
        querystring: filters,
      },
    },
    async (req) => svc.query({ ...req.query, tenant: scopeOf(req).tenant }),
  );

  app.get(
    '/v1/audit/export',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'audit.export' },
      schema: { tags, summary: 'Export audit events of this tenant as JSON lines or CSV, oldest first', querystring: exportQuery },
    },
    async (req, reply) => streamExport(svc, req, { ...req.query, tenant: scopeOf(req).tenant }, reply),
  );

  app.get(
    '/v1/audit/access/*',
    {
      config: {
        access: { tenant: true, action: 'admin', resource: (req) => ({ name: (req.params as { '*': string })['*'] }) },
        audit: 'audit.secret_access',
      },
      schema: {
        tags,
        summary: 'Who accessed one secret, when, and with what result (seed 000 access tracking)',
        querystring: filters.omit({ resource: true }),
      },
    },
    async (req) => {
      const name = assertSecretName((req.params as { '*': string })['*']);
      return svc.query({ ...req.query, tenant: scopeOf(req).tenant, resource: name });
    },
  );

  app.get(
    '/v1/audit/anomalies',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'audit.anomalies' },
      schema: { tags, summary: 'Anomaly signals over the access log of this tenant' },
    },
    async (req) => ({ items: await anomalies.detect(scopeOf(req).tenant) }),
  );

  app.get(
    '/v1/sys/audit/events',
    {
      config: { access: { tenant: false, system: true }, audit: 'audit.query_all' },
      schema: { tags, summary: 'Audit events of every tenant and of the system (failed authentications) (root)', querystring: filters },
    },
    async (req) => svc.query(req.query),
  );

  app.get(
    '/v1/sys/audit/export',
    {
      config: { access: { tenant: false, system: true }, audit: 'audit.export_all' },
      schema: { tags, summary: 'Export every audit event as JSON lines or CSV (root)', querystring: exportQuery },
    },
    async (req, reply) => streamExport(svc, req, req.query, reply),
  );

  app.post(
    '/v1/sys/audit/verify',
    {
      config: { access: { tenant: false, system: true }, audit: 'audit.verify', auditOnDamagedChain: true },
      schema: {
        tags,
        summary:
          'Verify the hash chain, its signed head and the anchor outside the database; lists every problem found (root). Runs on a damaged chain too.',
      },
    },
    async () => svc.verify(),
  );

  app.get(
    '/v1/sys/audit/checkpoint',
    {
      config: { access: { tenant: false, system: true }, audit: 'audit.checkpoint' },
      schema: {
        tags,
        summary: 'The current signed checkpoint of the chain (sequence, hash, time, signature), to publish outside Keyhaven (root)',
      },
    },
    async () => svc.checkpoint(),
  );

  app.post(
    '/v1/sys/audit/seal',
    {
      config: { access: { tenant: false, system: true }, audit: 'audit.seal_request', auditOnDamagedChain: true },
      schema: {
        tags,
        summary: 'Acknowledge a break in a damaged chain: records the break as an entry and verification starts again after it (root)',
        body: z.object({ reason: z.string().trim().min(3).max(500) }).strict(),
      },
    },
    async (req) => {
      const token = req.auth!.token;
      return svc.seal(req.body.reason, { id: token.id, name: token.name, kind: token.kind }, req.id);
    },
  );

  app.post(
    '/v1/sys/audit/prune',
    {
      config: { access: { tenant: false, system: true }, audit: 'audit.prune' },
      schema: {
        tags,
        summary: 'Delete entries older than N days, leaving a signed checkpoint (root)',
        body: z.object({ older_than_days: z.number().int().min(1).max(36500) }).strict(),
      },
    },
    async (req) => svc.prune(req.body.older_than_days),
  );

  app.get(
    '/v1/sys/audit/anomalies',
    {
      config: { access: { tenant: false, system: true }, audit: 'audit.anomalies_all' },
      schema: { tags, summary: 'Anomaly signals across all tenants (root)' },
    },
    async () => ({ items: await anomalies.detect() }),
  );
};
