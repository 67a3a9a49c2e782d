// Slack incoming webhooks: a local receiver in Slack's place gets a readable message (text and blocks
// naming the event, the secret, criticality and event id); the webhook URL, Slack's credential, is
// sealed and never listed; a test send goes out at once.
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/test-server.js';
import { startReceiver, waitFor } from './support.js';

describe('Slack channel', () => {
  it('posts a readable message and keeps the webhook URL sealed', async () => {
    const rx = await startReceiver();
    const s = await startTestServer('sqlite', {
      config: { rotation: { enabled: false }, notifications: { pollIntervalMs: 100 } } as never,
    });
    try {
      const url = `${rx.url}/services/T000/B000/XXXXSECRETPART`;
      const r = await s.call('POST', '/v1/notifications/subscriptions', {
        body: { id: 'chat', channel: 'slack', config: { webhook_url: url }, event_types: ['secret.rotated', 'secret.rotation_failed'] },
      });
      expect(r.status, r.text).toBe(201);
      const listed = await s.call('GET', '/v1/notifications/subscriptions/chat');
      expect(listed.body).toMatchObject({ channel: 'slack', config: {}, secret: { webhook_url: 'stored' } });
      expect(JSON.stringify(listed.body)).not.toContain('XXXXSECRETPART');
      const stored = await s.app.storage.withTenant('*', (ex) => ex.selectFrom('notification_subscriptions').selectAll().execute());
      expect(JSON.stringify(stored)).not.toContain('XXXXSECRETPART');

      expect((await s.call('POST', '/v1/notifications/subscriptions/chat/test')).body).toMatchObject({ delivered: true });
      await waitFor(() => rx.order.length === 1, 'the test message');
      await s.call('POST', '/secrets/register', {
        body: { secret_name: 'prod/stripe', rotator: 'generated', secret_type: 'api_key', criticality: 'critical' },
      });
      await s.call('POST', '/secrets/rotate', { body: { secret_name: 'prod/stripe', rotation_method: 'manual' } });
      await waitFor(() => rx.order.length === 2, 'the rotation message');
      const msg = rx.order[1]!.body;
      expect(msg.text).toBe(':rotating_light: Secret rotated: prod/stripe (tenant default, critical)');
      expect(msg.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `*${msg.text}*` } });
      expect(JSON.stringify(msg.blocks[1].fields)).toContain('*method*\\nmanual');
      expect(msg.blocks.at(-1).elements[0].text).toMatch(/^secret\.rotated · .* · event evt_/);

      const bad = await s.call('POST', '/v1/notifications/subscriptions', {
        body: { id: 'chat2', channel: 'slack', config: { webhook_url: 'hooks.slack.com' } },
      });
      expect(bad.body.error.code).toBe('NOTIFICATION_CONFIG_INVALID');
      const gone = await startReceiver();
      await gone.down();
      const down = await s.call('POST', '/v1/notifications/subscriptions', {
        body: { id: 'down', channel: 'webhook', config: { url: gone.url } },
      });
      expect(down.status).toBe(201);
      const failed = await s.call('POST', '/v1/notifications/subscriptions/down/test');
      expect(failed.status).toBe(502);
      expect(failed.body.error).toMatchObject({
        code: 'NOTIFICATION_TEST_FAILED',
        message: 'The test notification to "down" was not delivered: connection failed (ECONNREFUSED).',
      });
    } finally {
      await s.close();
      await rx.down();
    }
  });
});
