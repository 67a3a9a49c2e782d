// Maps every error to the catalogue: { error: { code, message, details?, request_id } }. Raw driver
// and framework messages never reach clients; unexpected errors are logged with the request id.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, KeyhavenError, type ErrorCode } from '../lib/errors.js';
import { mapDriverError } from '../storage/database.js';

const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

interface Issue {
  path: string;
  message: string;
}

const validationDetails = (err: FastifyError): Issue[] =>
  (err.validation ?? []).map((v) => {
    const anyV = v as unknown as {
      instancePath?: string;
      path?: Array<string | number>;
      message?: string;
      params?: { issue?: { path?: Array<string | number>; message?: string } };
    };
    const zpath = anyV.params?.issue?.path ?? anyV.path;
    const where = zpath ? zpath.join('.') : (anyV.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const context = err.validationContext ? `${err.validationContext}${where ? '.' : ''}` : '';
    return { path: `${context}${where}` || '(root)', message: anyV.params?.issue?.message ?? anyV.message ?? 'invalid' };
  });

export const sendError = (reply: FastifyReply, req: FastifyRequest, code: ErrorCode, message: string, details?: unknown) => {
  req.auditNote = { ...req.auditNote, errorCode: code };
  const body: Record<string, unknown> = { code, message, request_id: req.id };
  if (details !== undefined) body.details = details;
  return reply.code(ERRORS[code].status).header('cache-control', 'no-store').send({ error: body });
};

export const errorHandler = (raw: FastifyError | KeyhavenError | Error, req: FastifyRequest, reply: FastifyReply) => {
  const err = mapDriverError(raw) as FastifyError | KeyhavenError | Error;
  if (err instanceof KeyhavenError) {
    if (err.status >= 500)
      req.log.error({ code: err.code, cause: (err.cause as Error | undefined)?.name, reqId: req.id }, 'request failed');
    return sendError(reply, req, err.code, err.message, err.details);
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const details = validationDetails(fe);
    return sendError(
      reply,
      req,
      'VALIDATION_FAILED',
      `The request is not valid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    );
  }
  const mapped = fe.code ? FRAMEWORK_CODES[fe.code] : undefined;
  if (mapped) return sendError(reply, req, mapped, ERRORS[mapped].message);
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return sendError(reply, req, 'VALIDATION_FAILED', ERRORS.VALIDATION_FAILED.message);
  }
  req.log.error(
    { err: { name: err.name, code: fe.code, stack: err.stack?.split('\n').slice(1, 6).join('\n') }, reqId: req.id },
    'unexpected error',
  );
  return sendError(reply, req, 'INTERNAL', `${ERRORS.INTERNAL.message} (request id ${req.id})`);
};
