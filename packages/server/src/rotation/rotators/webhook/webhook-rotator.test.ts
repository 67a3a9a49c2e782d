// Tests the webhook rotator against a local node:http endpoint on 127.0.0.1 that checks the
// HMAC-SHA256 signature itself (independently of the rotator's signing code).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyhavenError } from '../../../lib/errors.js';
import { createRotator } from '../../rotator-registry.js';
import { expectNoSecrets } from '../../../../test/support/rotators/leak-check.js';
import { closedPort } from '../../../../test/support/rotators/reachability.js';
import { signWebhook, verifyWebhookSignature } from './signature.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
let base = '';
let server: http.Server;
let stored: unknown = 'initial';
const calls: Array<{ path: string; action: string }> = [];

const validSignature = (header: string | undefined, body: string) => {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m || Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false;
  const mac = createHmac('sha256', SECRET).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(mac, Buffer.from(m[2], 'hex'));
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '';
      if (path === '/hang') return; // never answers
      if (req.method !== 'POST' || !validSignature(req.headers['x-keyhaven-signature'] as string | undefined, body)) {
        res.writeHead(401).end('bad signature');
        return;
      }
      const msg = JSON.parse(body) as { action: string; pending?: unknown; current?: unknown; old?: unknown };
      calls.push({ path, action: msg.action });
      if (path === '/echo-fail') {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'could not apply', received: msg.pending }));
        return;
      }
      if (msg.action === 'set') stored = msg.pending;
      if (msg.action === 'rollback') stored = msg.current;
      if (msg.action === 'test' && JSON.stringify(msg.pending) !== JSON.stringify(stored)) {
        res.writeHead(409).end();
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const rotator = (config: Record<string, unknown>, secret = SECRET, timeoutMs = 3000) =>
  createRotator('webhook', {
    config: { set_url: `${base}/set`, test_url: `${base}/test`, ...config },
    adminCredential: { signing_secret: secret },
    timeoutMs,
  });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as KeyhavenError,
  );

describe('webhook rotator', () => {
  it('set delivers the signed value, test proves it, rollback restores the current value', async () => {
    const r = rotator({ rollback_url: `${base}/rollback` });
    const pending = r.prepare('initial', 'new-value-1');
    expect(pending).toBe('new-value-1');
    await r.set(pending, 'initial');
    expect(stored).toBe('new-value-1');
    await r.test(pending);
    const wrong = await failure(r.test('something-else'));
    expect(wrong.code).toBe('ROTATION_TEST_FAILED');
    expect(wrong.message).toContain('HTTP 409');
    await r.rollback(pending, 'initial');
    expect(stored).toBe('initial');
    expect(calls.slice(-4).map((c) => c.action)).toEqual(['set', 'test', 'test', 'rollback']);
  });

  it('a request signed with another secret is refused by the endpoint (ROTATION_SET_FAILED, status only)', async () => {
    const err = await failure(rotator({}, 'not-the-right-secret-123').set('v', null));
    expect(err.code).toBe('ROTATION_SET_FAILED');
    expect(err.message).toContain('HTTP 401');
  });

  it('a non-2xx reply that echoes the secret yields the status code and never the body', async () => {
    const secretValue = `echo-me-${randomBytes(8).toString('hex')}`;
    const err = await failure(rotator({ set_url: `${base}/echo-fail` }).set(secretValue, null));
    expect(err.code).toBe('ROTATION_SET_FAILED');
    expect(err.message).toContain('HTTP 500');
    expectNoSecrets(err, [secretValue, SECRET]);
  });

  it('an endpoint that does not answer in time, or a closed port, is ROTATION_TARGET_UNREACHABLE', async () => {
    const started = Date.now();
    const slow = await failure(rotator({ set_url: `${base}/hang` }, SECRET, 300).set('v', null));
    expect(slow.code).toBe('ROTATION_TARGET_UNREACHABLE');
    expect(Date.now() - started).toBeLessThan(2500);
    const port = await closedPort();
    const closed = await failure(rotator({ set_url: `http://127.0.0.1:${port}/set` }).set('v-secret-xyz', null));
    expect(closed.code).toBe('ROTATION_TARGET_UNREACHABLE');
    expect(closed.message).toContain('refused');
    expectNoSecrets(closed, ['v-secret-xyz']);
  });

  it('revoke calls revoke_url, and without one says loudly that it could not revoke', async () => {
    await rotator({ revoke_url: `${base}/revoke` }).revoke('old-value');
    expect(calls.at(-1)).toEqual({ path: '/revoke', action: 'revoke' });
    const err = await failure(rotator({}).revoke('old-value'));
    expect(err.code).toBe('ROTATION_REVOKE_FAILED');
    expect(err.message).toContain('revoke_url');
  });

  it('invalid config and a missing signing secret are listed clearly', () => {
    const attempt = (config: unknown, admin?: Record<string, unknown>) => {
      try {
        createRotator('webhook', { config, adminCredential: admin });
      } catch (e) {
        return e as KeyhavenError;
      }
      throw new Error('expected an error');
    };
    const bad = attempt({ set_url: 'ftp://x.example/set' }, { signing_secret: SECRET });
    expect(bad).toBeInstanceOf(KeyhavenError);
    expect(bad.code).toBe('ROTATOR_CONFIG_INVALID');
    expect(bad.message).toContain('set_url');
    expect(bad.message).toContain('test_url');
    const noSecret = attempt({ set_url: `${base}/set`, test_url: `${base}/test` });
    expect(noSecret.code).toBe('ROTATOR_CONFIG_INVALID');
    const shortSecret = attempt({ set_url: `${base}/set`, test_url: `${base}/test` }, { signing_secret: 'short' });
    expect(shortSecret.message).toContain('signing_secret');
    expect(shortSecret.message).not.toContain('short"');
  });

  it('verifyWebhookSignature accepts a fresh signature and rejects a changed body, another secret or an old timestamp', () => {
    const body = '{"a":1}';
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, body), body)).toBe(true);
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, body), '{"a":2}')).toBe(false);
    expect(verifyWebhookSignature(SECRET, signWebhook('other-secret', body), body)).toBe(false);
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, body, Math.floor(Date.now() / 1000) - 3600), body)).toBe(false);
  });
});
