// Webhook request signing: HMAC-SHA256 over "<unix seconds>.<body>", sent as
// "X-Keyhaven-Signature: t=<ts>,v1=<hex>"; verification with a replay window for receivers.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Keyhaven-Signature';

export const signWebhook = (secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string => {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
};

/** True when `header` is a valid signature of `body` made within `toleranceSeconds` of now. */
export const verifyWebhookSignature = (
  secret: string,
  header: string | undefined,
  body: string,
  toleranceSeconds = 300,
  now = Date.now(),
): boolean => {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const ts = Number(m[1]);
  if (Math.abs(now / 1000 - ts) > toleranceSeconds) return false;
  const want = createHmac('sha256', secret).update(`${ts}.${body}`).digest();
  return timingSafeEqual(want, Buffer.from(m[2], 'hex'));
};
