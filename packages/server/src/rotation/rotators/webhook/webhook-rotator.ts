// Webhook rotator: the user's own HTTP endpoints apply and test the new value. Each call is a signed
// JSON POST; a non-2xx reply fails with its status code only (the body may echo secrets).
import { z } from 'zod';
import { KeyhavenError, type ErrorCode } from '../../../lib/errors.js';
import type { CredentialValue, RotatorDefinition } from '../../rotator-types.js';
import { parseAdmin } from '../shared/credential-config.js';
import { targetError } from '../shared/target-errors.js';
import { SIGNATURE_HEADER, signWebhook } from './signature.js';

const url = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

export const webhookConfigSchema = z
  .object({
    set_url: url,
    test_url: url,
    rollback_url: url.optional(),
    revoke_url: url.optional(),
    /** Per-request time limit; defaults to the rotator context's timeout. */
    timeout_ms: z.number().int().min(100).max(120_000).optional(),
  })
  .strict();
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

const adminSchema = z.object({ signing_secret: z.string().min(16, 'signing_secret must be at least 16 characters') }).passthrough();

type Action = 'set' | 'test' | 'rollback' | 'revoke';
const CODES: Record<Action, ErrorCode> = {
  set: 'ROTATION_SET_FAILED',
  test: 'ROTATION_TEST_FAILED',
  rollback: 'ROTATION_ROLLBACK_FAILED',
  revoke: 'ROTATION_REVOKE_FAILED',
};

/** fetch hides socket codes in `cause`; surface them for the sanitizer. */
const fetchFailure = (err: unknown) => {
  const e = err as { name?: string; cause?: { code?: unknown } };
  if (e?.name === 'TimeoutError') return { code: 'DEADLINE' };
  if (e?.name === 'AbortError') return { code: 'ABORTED' };
  return { code: typeof e?.cause?.code === 'string' ? e.cause.code : 'FETCH_FAILED' };
};

export const webhookRotator: RotatorDefinition<WebhookConfig> = {
  kind: 'webhook',
  displayName: 'Webhook',
  description:
    'Calls your HTTP endpoints to apply (set_url) and verify (test_url) a new value, with optional rollback_url and revoke_url. Requests are JSON POSTs signed with HMAC-SHA256 in X-Keyhaven-Signature: t=<ts>,v1=<hex>.',
  configSchema: webhookConfigSchema,
  capabilities: { strategies: ['single'], rollback: true, revoke: true, needsAdminCredential: true },
  target: (config) => `webhook://${new URL(config.set_url).host}`,
  destinations: (c) => [
    [c.set_url, 'set_url'],
    [c.test_url, 'test_url'],
    [c.rollback_url, 'rollback_url'],
    [c.revoke_url, 'revoke_url'],
  ],
  create(ctx) {
    const { signing_secret } = parseAdmin(adminSchema, ctx.adminCredential, 'webhook');
    const timeoutMs = ctx.config.timeout_ms ?? ctx.timeoutMs;
    const controllers = new Set<AbortController>();

    const call = async (action: Action, target: string, payload: Record<string, CredentialValue | null>) => {
      const body = JSON.stringify({ type: 'keyhaven.rotation', action, ...payload });
      const where = `The webhook ${action} call to ${new URL(target).origin}${new URL(target).pathname}`;
      const ac = new AbortController();
      controllers.add(ac);
      const signals = [ac.signal, AbortSignal.timeout(timeoutMs), ...(ctx.signal ? [ctx.signal] : [])];
      let res: Response;
      try {
        res = await fetch(target, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'keyhaven-rotator',
            [SIGNATURE_HEADER]: signWebhook(signing_secret, body),
          },
          body,
          signal: AbortSignal.any(signals),
        });
        await res.body?.cancel(); // never read: the reply may echo the secret
      } catch (err) {
        throw targetError(CODES[action], where, fetchFailure(err));
      } finally {
        controllers.delete(ac);
      }
      if (res.status < 200 || res.status > 299) {
        throw new KeyhavenError(CODES[action], `${where} failed: the endpoint answered HTTP ${res.status}; check the endpoint's logs.`, {
          status: res.status,
        });
      }
    };

    return {
      prepare: (_current, generated) => generated,
      set: (pending, current) => call('set', ctx.config.set_url, { pending, current }),
      test: (pending) => call('test', ctx.config.test_url, { pending }),
      rollback: async (pending, current) => {
        if (ctx.config.rollback_url) await call('rollback', ctx.config.rollback_url, { pending, current });
      },
      revoke: async (old) => {
        if (!ctx.config.revoke_url) {
          throw new KeyhavenError(
            'ROTATION_REVOKE_FAILED',
            'This webhook rotator has no revoke_url, so the old value could not be revoked; revoke it on the target by hand, or configure revoke_url.',
          );
        }
        await call('revoke', ctx.config.revoke_url, { old });
      },
      close: async () => {
        for (const ac of controllers) ac.abort();
      },
    };
  },
};
