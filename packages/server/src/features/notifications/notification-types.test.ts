// Pure parts of notifications: subscription filters, the payload scrubber, the webhook signature
// (the value docs/notifications.md computes with openssl), and Slack message text.
import { describe, expect, it } from 'vitest';
import { matches, sanitizeData } from './notification-types.js';
import { signWebhook } from './channels/webhook.js';
import { slackMessage } from './channels/slack.js';
import { subjectFor } from './channels/nats.js';

describe('notification filters and payloads', () => {
  const f = (o: Partial<Parameters<typeof matches>[0]> = {}) => ({ event_types: [], min_criticality: null, name_prefix: null, ...o });
  it('matches by type, criticality and prefix; events about no secret never match a prefix', () => {
    expect(matches(f(), 'secret.changed', 'low', 'a/b')).toBe(true);
    expect(matches(f({ event_types: ['secret.rotated'] }), 'secret.changed', 'low', 'a/b')).toBe(false);
    expect(matches(f({ min_criticality: 'high' }), 'secret.changed', 'medium', 'a/b')).toBe(false);
    expect(matches(f({ min_criticality: 'high' }), 'secret.changed', 'critical', 'a/b')).toBe(true);
    expect(matches(f({ name_prefix: 'prod/' }), 'secret.changed', 'low', 'prod/x')).toBe(true);
    expect(matches(f({ name_prefix: 'prod/' }), 'secret.changed', 'low', 'dev/x')).toBe(false);
    expect(matches(f({ name_prefix: 'prod/' }), 'audit.sink_failing', 'critical', null)).toBe(false);
  });
  it('drops keys that could hold secret material, at any depth', () => {
    expect(sanitizeData({ name: 'a', value: 'v', nested: { password: 'p', ok: 1 }, token: 't', list: [1, { value: 'x' }] })).toEqual({
      name: 'a',
      nested: { ok: 1 },
      list: [1],
    });
  });
  it('signs "<timestamp>.<body>" with HMAC-SHA256 as the documented recipe does', () => {
    expect(signWebhook('whsec_example_signing_secret', '1767225600', '{"id":"evt_example","type":"secret.changed"}')).toBe(
      'v1=182ac2d2ac191c2c2e1543d9484a0c94d56ffdc0c01f5996b51f190fcbf08b5b',
    );
  });
  it('renders readable Slack text and fills NATS subject placeholders', () => {
    const m = slackMessage({
      id: 'evt_1',
      type: 'secret.expiry_reminder',
      time: 't',
      tenant: 'acme',
      criticality: 'high',
      secret: 'vendor/key',
      data: { expired: true, expires_at: '2026-01-01' },
    });
    expect(m.text).toBe(':warning: Secret EXPIRED: vendor/key (tenant acme, high)');
    expect(subjectFor('kh.{tenant}.{type}', 'secret.rotated', 'acme')).toBe('kh.acme.secret.rotated');
  });
});
