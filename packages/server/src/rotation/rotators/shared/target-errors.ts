// Turns driver errors (pg, mysql2, ioredis, fetch, sockets) into KeyhavenErrors that carry only the
// driver's error code and a fixed description: driver messages can echo SQL with passwords, so they
// never reach the message, details or cause chain.
import { KeyhavenError, type ErrorCode } from '../../../lib/errors.js';

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'DEADLINE',
  'ABORTED',
  'CONNECTION_CLOSED',
]);

const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens on that host and port)',
  ECONNRESET: 'the connection was reset by the target',
  ETIMEDOUT: 'the target did not answer in time',
  DEADLINE: 'the target did not answer within the time limit',
  ABORTED: 'the operation was cancelled',
  CONNECTION_CLOSED: 'the connection closed before the target answered',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EPIPE: 'the connection broke while writing',
  '28P01': 'authentication failed (wrong username or password)',
  '28000': 'the login was rejected',
  '42704': 'the role does not exist',
  '42501': 'permission denied',
  '3D000': 'the database does not exist',
  '57P01': 'the server terminated the session',
  ER_ACCESS_DENIED_ERROR: 'authentication failed (wrong username or password)',
  ER_DBACCESS_DENIED_ERROR: 'the user may not use that database',
  ER_SPECIFIC_ACCESS_DENIED_ERROR: 'permission denied',
  ER_CANNOT_USER: 'the user does not exist for that host pattern, or cannot be changed',
  ER_PASSWORD_NO_MATCH: 'the user does not exist for that host pattern',
  ER_BAD_DB_ERROR: 'the database does not exist',
  ER_NOT_VALID_PASSWORD: 'the server password policy rejected the new password',
  WRONGPASS: 'authentication failed (wrong username or password, or the user is disabled)',
  NOPERM: 'permission denied by the ACL',
  NOAUTH: 'authentication is required',
  USER_MISSING: 'the user does not exist',
};

const SAFE_CODE = /^[A-Za-z0-9_]{2,48}$/;

/** A short, non-secret code for a driver error: SQLSTATE, mysql2/node code, or the Redis reply prefix. */
export const driverCode = (err: unknown): string | undefined => {
  if (err instanceof KeyhavenError) return err.code;
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof e.code === 'string' && SAFE_CODE.test(e.code)) return e.code;
  if (e.name === 'TimeoutError') return 'DEADLINE';
  if (e.name === 'AbortError') return 'ABORTED';
  if (typeof e.message === 'string') {
    const prefix = /^([A-Z]{3,20})\s/.exec(e.message)?.[1]; // Redis replies: "WRONGPASS ...", "NOPERM ..."
    if (prefix && prefix in DESCRIPTIONS) return prefix;
    if (/connection is closed/i.test(e.message)) return 'CONNECTION_CLOSED';
  }
  return undefined;
};

export const isNetworkError = (err: unknown): boolean => NETWORK.has(driverCode(err) ?? '');

/**
 * Build the sanitized error for `action` (e.g. 'Setting the password of user "app_a" on PostgreSQL').
 * Network failures become ROTATION_TARGET_UNREACHABLE whatever `code` was asked for.
 */
export const targetError = (code: ErrorCode, action: string, err: unknown): KeyhavenError => {
  if (err instanceof KeyhavenError) return err;
  const dc = driverCode(err);
  const finalCode: ErrorCode = dc && NETWORK.has(dc) ? 'ROTATION_TARGET_UNREACHABLE' : code;
  const description = (dc && DESCRIPTIONS[dc]) ?? 'the target returned an error';
  const message = `${action} failed: ${description}${dc ? ` (code ${dc})` : ''}.`;
  const cause = new Error(`driver error${dc ? ` ${dc}` : ''} (driver message withheld: it may contain secret values)`);
  return new KeyhavenError(finalCode, message, { driverCode: dc ?? null }, { cause });
};

/** Run `fn`, rethrowing any failure as a sanitized KeyhavenError. */
export const guard = async <T>(code: ErrorCode, action: string, fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (err) {
    throw targetError(code, action, err);
  }
};
