// HTTP routes of the audit trail: query and export (tenant admins for their tenant, root for all),
// per-secret access history, anomaly signals, chain verification and retention pruning (root).
import { z } from 'zod';
import type { App, Request } from '../../http/pipeline-types.js';
import { scopeOf } from '../../http/pipeline-types.js';
import { assertSecretName } from '../../lib/secret-name.js';
import { fail } from '../../lib/errors.js';
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

const EXPORT_LIMIT = 256 * 1024 * 1024;
const exportBody = z.object({ export: z.string().max(EXPORT_LIMIT) }).strict();

/** An uploaded export is held in memory (up to EXPORT_LIMIT, several times over once parsed), so the
 *  server verifies one at a time: a second upload is refused before its body is read, and the slot
 *  is freed when the first request ends, answered or aborted. A route's onRequest hooks run after the
 *  server's (authentication, and the role check of `authorizeBeforeBody` routes), so only a token that
 *  may verify takes the slot. */
const oneUploadAtATime = () => {
  let busy = false;
  return (_req: Request, reply: import('fastify').FastifyReply, done: (e?: Error) => void) => {
    if (busy) return done(fail('AUDIT_VERIFY_BUSY'));
    busy = true;
    // The response's close: sent, or the connection gone (the request's own close comes as soon as
    // its body has been read, while the export is still being verified).
    reply.raw.once('close', () => {
      busy = false;
    });
    done();
  };
};

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
  const uploadSlot = oneUploadAtATime(); // shared by the tenant and the root route
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

  app.post(
    '/v1/audit/verify',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'audit.verify_tenant', auditOnDamagedChain: true },
      schema: {
        tags,
        summary:
          "Verify this tenant's own hash chain (ADR 0011): its entries, its signed head, the signed digest and the anchor's record of it; names each problem's position. Only this tenant's chain is read.",
      },
    },
    async (req) => svc.verify({ chain: scopeOf(req).tenant }),
  );

  app.post(
    '/v1/audit/verify-export',
    {
      bodyLimit: EXPORT_LIMIT,
      onRequest: uploadSlot,
      config: { access: { tenant: true, action: 'admin' }, audit: 'audit.verify_export', authorizeBeforeBody: true },
      schema: {
        tags,
        summary:
          "Verify an export of this tenant's audit trail (JSON lines from GET /v1/audit/export) on its own: every entry's MAC, the chain's links and its signed head carried in the export",
        body: exportBody,
      },
    },
    async (req) => svc.verifyExport(req.body.export, scopeOf(req).tenant),
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
          'Verify every hash chain (one per tenant, ADR 0011), their signed heads, the signed digest of every head and the anchor outside the database; lists every problem found with its chain and position (root). `chain` verifies one chain. Runs on a damaged chain too.',
        querystring: z.object({ chain: z.string().max(64).optional() }).strict(),
      },
    },
    async (req) => svc.verify(req.query.chain !== undefined ? { chain: req.query.chain } : {}),
  );

  app.post(
    '/v1/sys/audit/verify-export',
    {
      bodyLimit: EXPORT_LIMIT,
      onRequest: uploadSlot,
      config: { access: { tenant: false, system: true }, audit: 'audit.verify_export_all' },
      schema: { tags, summary: 'Verify an audit export (JSON lines) of any chains on its own (root)', body: exportBody },
    },
    async (req) => svc.verifyExport(req.body.export),
  );

  app.get(
    '/v1/sys/audit/checkpoint',
    {
      config: { access: { tenant: false, system: true }, audit: 'audit.checkpoint' },
      schema: {
        tags,
        summary:
          'A fresh signed digest of every chain head (the sorted chain, position and hash of each), stored and returned, to publish outside Keyhaven (root)',
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
