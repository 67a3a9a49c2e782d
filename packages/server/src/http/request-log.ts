// How a request appears in the per-request log lines (debug level and below): with secret names
// hashed (the default), the route template instead of the URL, which holds the secret's name, and
// the name in the path as its keyed hash (lib/log-names.ts); with logSecretNames: clear, the URL.
import type { FastifyRequest } from 'fastify';
import type { LogNames } from '../lib/log-names.js';
import { TENANT_HEADER } from './auth-hook.js';

/** A request as its log line shows it (debug level): with names hashed, the route template instead
 *  of the URL (which holds the secret's name), and the name in the path as its keyed hash. */
export const requestLogFields = (req: FastifyRequest, names: LogNames | undefined) => {
  const base = { method: req.method, host: req.host, remoteAddress: req.ip };
  if (names?.mode === 'clear') return { ...base, url: req.url };
  const tenant = req.headers?.[TENANT_HEADER];
  const named = (req.params as Record<string, unknown> | undefined)?.['*'];
  return {
    ...base,
    route: req.routeOptions?.url ?? 'unmatched',
    ...(typeof named === 'string' && named && names ? { secret: names.of(typeof tenant === 'string' ? tenant : '', named) } : {}),
  };
};
