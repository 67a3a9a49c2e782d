// Vault-style errors for the compatible API: `{"errors": [...]}` with the status codes Vault uses
// (404 with an empty list, 403 "permission denied" for any token or access problem, 400 for bad input
// including the exact check-and-set message), so Vault clients react as they would with Vault.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { KeyhavenError } from '../../lib/errors.js';

export const CAS_MESSAGE = 'check-and-set parameter did not match the current version';

export class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
    readonly code = 'VAULT_COMPAT',
  ) {
    super(errors.join('; ') || `status ${status}`);
    this.name = 'VaultError';
  }
}

const DENIED = new Set(['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'TOKEN_REVOKED', 'FORBIDDEN', 'TENANT_NOT_FOUND', 'TENANT_REQUIRED']);

export const toVault = (err: unknown): { status: number; errors: string[]; code: string } => {
  if (err instanceof VaultError) return { status: err.status, errors: err.errors, code: err.code };
  if (err instanceof KeyhavenError) {
    if (DENIED.has(err.code)) return { status: 403, errors: ['permission denied'], code: err.code };
    if (err.code === 'CAS_MISMATCH') return { status: 400, errors: [CAS_MESSAGE], code: err.code };
    if (err.code === 'RATE_LIMITED') return { status: 429, errors: [err.message], code: err.code };
    if (err.status === 404 || err.status === 410) return { status: 404, errors: [], code: err.code };
    if (err.status >= 500) return { status: err.status, errors: [err.message], code: err.code };
    return { status: 400, errors: [err.message], code: err.code };
  }
  const fe = err as FastifyError;
  if (fe?.validation || (fe?.statusCode && fe.statusCode < 500))
    return { status: 400, errors: ['the request is not valid: ' + (fe.message ?? '').slice(0, 200)], code: 'VALIDATION_FAILED' };
  return { status: 500, errors: ['internal error'], code: 'INTERNAL' };
};

export const vaultErrorHandler = (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
  const v = toVault(err);
  if (v.status >= 500) req.log.error({ code: v.code, reqId: req.id }, 'vault-compat request failed');
  req.auditNote = { ...req.auditNote, errorCode: v.code };
  return reply.code(v.status).header('cache-control', 'no-store').send({ errors: v.errors });
};

/** A request no route matched, from a Vault client (it sends X-Vault-Token or X-Vault-Request) to a
 *  /v1 path: Vault's 404 shape, so the client reports "no handler" as it would with Vault. Keyhaven's
 *  own clients (Authorization: Bearer) keep Keyhaven's ROUTE_NOT_FOUND. */
export const createVaultNotFound =
  (enabled: boolean) =>
  (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (!enabled || !req.url.startsWith('/v1/')) return false;
    if (req.headers['x-vault-token'] === undefined && req.headers['x-vault-request'] === undefined) return false;
    const path = req.url.split('?')[0]!.slice(4).slice(0, 200);
    req.auditNote = { ...req.auditNote, errorCode: 'ROUTE_NOT_FOUND' };
    void reply
      .code(404)
      .header('cache-control', 'no-store')
      .send({ errors: [`no handler for route "${path}". route entry not found.`] });
    return true;
  };
