// Shared helpers for provider implementations: size and name checks, redaction-safe error
// construction, bounded retry with jittered backoff, and the "is this a connection failure" test.
import { fail, isKeyhavenError, KeyhavenError, type ErrorCode } from '../lib/errors.js';
import type { Label, ProviderCapabilities } from './provider-types.js';

/** Rejects a value larger than the store accepts before any byte is sent. */
export const checkSize = (value: string, caps: Pick<ProviderCapabilities, 'maxValueBytes'>, kind: string): void => {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > caps.maxValueBytes) {
    throw fail(
      'PROVIDER_PAYLOAD_TOO_LARGE',
      `The value is ${bytes} bytes; ${kind} accepts at most ${caps.maxValueBytes} bytes. Store a smaller value.`,
      {
        kind,
        bytes,
        maxValueBytes: caps.maxValueBytes,
      },
    );
  }
};

export const checkName = (name: string, pattern: RegExp, rule: string, kind: string): void => {
  if (!pattern.test(name)) {
    throw fail('PROVIDER_NAME_INVALID', `The name ${JSON.stringify(name.slice(0, 300))} is not allowed by ${kind}: ${rule}`, {
      kind,
      rule,
    });
  }
};

/** Builds a catalogue error carrying only safe diagnostic fields (never the SDK message). */
export const providerError = (code: ErrorCode, kind: string, what: string, diag?: Record<string, unknown>): KeyhavenError =>
  fail(code, what ? `${kind}: ${what}` : undefined, { kind, ...diag });

export const notFound = (kind: string, name: string, ref?: { version?: string; label?: Label }): KeyhavenError => {
  const which = ref?.version ? ` version ${ref.version}` : ref?.label ? ` label ${ref.label}` : '';
  return fail('PROVIDER_SECRET_NOT_FOUND', `${kind} has no secret ${JSON.stringify(name)}${which}; check the name and reference.`, {
    kind,
    name,
    ...ref,
  });
};

export const capabilityMissing = (kind: string, what: string): KeyhavenError =>
  fail('PROVIDER_CAPABILITY_MISSING', `${kind} does not support ${what}; see its capabilities.`, { kind, operation: what });

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'ECONNABORTED',
]);

/** True when the error (or one of its causes) is a network-level failure to reach the store. */
export const isConnectionError = (e: unknown): boolean => {
  for (let cur: unknown = e, depth = 0; cur && depth < 6; depth++) {
    const c = cur as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof c.code === 'string' && CONNECTION_CODES.has(c.code)) return true;
    if (c.name === 'TimeoutError' || c.name === 'AbortError') return true;
    if (Array.isArray(c.errors) && c.errors.some((x) => isConnectionError(x))) return true;
    cur = c.cause;
  }
  return false;
};

export const unavailable = (kind: string, where: string, e?: unknown): KeyhavenError => {
  const code = (e as { code?: unknown } | undefined)?.code;
  return fail('PROVIDER_UNAVAILABLE', `${kind}: could not reach ${where}; check the address and network, then retry.`, {
    kind,
    ...(typeof code === 'string' ? { cause: code } : {}),
  });
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Retries `fn` while `isRetryable` says so, with exponential backoff and full jitter, at most
 * `attempts` tries; then throws `onExhausted()`. KeyhavenErrors pass straight through.
 */
export const withRetry = async <T>(
  fn: () => Promise<T>,
  opts: { attempts: number; baseMs: number; maxMs?: number; isRetryable: (e: unknown) => boolean; onExhausted: (e: unknown) => Error },
): Promise<T> => {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (isKeyhavenError(e) || !opts.isRetryable(e)) throw e;
      if (i >= opts.attempts) throw opts.onExhausted(e);
      const cap = Math.min(opts.maxMs ?? 20_000, opts.baseMs * 2 ** (i - 1));
      await sleep(Math.random() * cap);
    }
  }
};
