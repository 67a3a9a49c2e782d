// Audit in the request pipeline: every authenticated route produces an event with its outcome
// (success, denied, error), the actor, source and the version served. Mutations also record an
// `attempt` before the handler runs, so when no audit sink accepts events the change is never
// applied (fail closed); a response whose event cannot be stored is replaced by AUDIT_UNAVAILABLE
// (DATABASE_UNAVAILABLE when the database, the only sink, is down).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditBroker } from '../audit/broker.js';
import type { AuditEvent, AuditOutcome } from '../audit/audit-types.js';
import type { Clock } from '../lib/clock.js';
import { ERRORS, KeyhavenError } from '../lib/errors.js';
import { routeConfig } from './pipeline-types.js';

declare module 'fastify' {
  interface FastifyRequest {
    auditNote?: { version?: number; errorCode?: string };
  }
}

const DENIED = new Set([
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'TOKEN_REVOKED',
  'FORBIDDEN',
  'TENANT_NOT_FOUND',
  'RATE_LIMITED',
  'TENANT_REQUIRED',
  'SESSION_EXPIRED',
  'CSRF_CHECK_FAILED',
]);

/** Text from the request as stored in the audit log: bounded, and without NUL (PostgreSQL text
 *  cannot hold it) or other control characters, so hostile input cannot make auditing fail. */
const clean = (v: string | null | undefined, max = 256): string | null =>
  v == null
    ? null
    : String(v)
        .slice(0, max)
        .replace(/[\u0000-\u001f\u007f\ud800-\udfff]/g, '\ufffd');

const eventName = (req: FastifyRequest): string => {
  const a = routeConfig(req).audit;
  if (typeof a === 'function') {
    try {
      return a(req);
    } catch {
      return `${req.method} ${routeConfig(req).url}`;
    }
  }
  return a ?? `${req.method} ${routeConfig(req).url}`;
};

const resourceOf = (req: FastifyRequest): string | null => {
  const rule = routeConfig(req).access;
  if (rule && !('public' in rule) && rule.resource) {
    try {
      return rule.resource(req)?.name ?? null;
    } catch {
      return null;
    }
  }
  // A route's schema may coerce its id to a number: the audit entry holds text (a number made the
  // append fail, and the request with it, as AUDIT_UNAVAILABLE).
  const id = (req.params as Record<string, unknown> | undefined)?.id;
  return id == null ? null : typeof id === 'string' ? id : String(id);
};

/** The recovery routes (verify, seal) declare `auditOnDamagedChain`: while the chain is damaged they
 *  still run (unrecorded unless a stream sink takes the event), so the damage can be seen and sealed. */
const runsOnDamagedChain = (req: FastifyRequest, e: unknown): boolean =>
  Boolean(routeConfig(req).auditOnDamagedChain) && e instanceof KeyhavenError && e.code === 'AUDIT_CHAIN_DAMAGED';

const PASSED_THROUGH = new Set<string>(['AUDIT_CHAIN_DAMAGED', 'DISK_FULL', 'DATABASE_UNAVAILABLE', 'DATABASE_CORRUPT']);

export const createAuditHooks = (deps: { broker: AuditBroker; clock: Clock }) => {
  const event = (req: FastifyRequest, outcome: AuditOutcome, status: number | null): AuditEvent => {
    const token = req.auth?.token;
    const tenantHeader = req.headers['x-tenant-id'];
    return {
      time: deps.clock.now().toISOString(),
      tenant: req.auth?.scope?.tenant ?? '',
      actor_id: token?.id ?? null,
      actor_name: token?.name ?? null,
      actor_kind: token ? token.kind : 'anonymous',
      action: clean(eventName(req), 64)!,
      resource: clean(resourceOf(req)),
      outcome,
      status,
      error_code: req.auditNote?.errorCode ?? null,
      source_ip: req.ip ?? null,
      user_agent: typeof req.headers['user-agent'] === 'string' ? clean(req.headers['user-agent']) : null,
      request_id: clean(req.id, 64),
      version: req.auditNote?.version ?? null,
      value_hmac: null,
      details: !req.auth?.scope && typeof tenantHeader === 'string' && tenantHeader ? { requested_tenant: clean(tenantHeader, 64) } : null,
    };
  };
  const audited = (req: FastifyRequest) => {
    const rule = routeConfig(req).access;
    return Boolean(rule) && !('public' in rule!);
  };

  return {
    /** preHandler, after authorization: a mutation is recorded as an attempt before it runs. */
    async attempt(req: FastifyRequest) {
      if (!deps.broker.enabled || !audited(req) || req.method === 'GET' || req.method === 'HEAD') return;
      try {
        await deps.broker.record(event(req, 'attempt', null));
      } catch (e) {
        if (!runsOnDamagedChain(req, e)) throw e;
      }
    },
    /** preSerialization: remembers which version a response served or wrote. */
    capture(req: FastifyRequest, _reply: FastifyReply, payload: unknown) {
      const v = (payload as { version?: unknown } | null)?.version;
      if (typeof v === 'number') req.auditNote = { ...req.auditNote, version: v };
      return payload;
    },
    /** onSend: the outcome event; if it cannot be stored, the response becomes AUDIT_UNAVAILABLE. */
    async outcome(req: FastifyRequest, reply: FastifyReply, payload: unknown) {
      if (!deps.broker.enabled || !audited(req)) return payload;
      const status = reply.statusCode;
      const outcome: AuditOutcome = status < 400 ? 'success' : DENIED.has(req.auditNote?.errorCode ?? '') ? 'denied' : 'error';
      try {
        await deps.broker.record(event(req, outcome, status));
        return payload;
      } catch (e) {
        if (runsOnDamagedChain(req, e)) return payload;
        const err = e instanceof KeyhavenError ? e : new KeyhavenError('AUDIT_UNAVAILABLE');
        // The broker names why nothing could record the event (a damaged chain, a full disk, the
        // database down); anything else is an unavailable audit sink.
        const code = PASSED_THROUGH.has(err.code) ? (err.code as 'AUDIT_CHAIN_DAMAGED') : 'AUDIT_UNAVAILABLE';
        reply.code(ERRORS[code].status).header('content-type', 'application/json; charset=utf-8');
        return JSON.stringify({
          error: {
            code,
            message: err.code === code ? err.message : ERRORS[code].message,
            ...(code === 'AUDIT_CHAIN_DAMAGED' ? { details: err.details } : {}),
            request_id: req.id,
          },
        });
      }
    },
  };
};
