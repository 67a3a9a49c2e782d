// Slack incoming webhooks: a readable message (text for notifications, blocks with the facts). The
// webhook URL holds Slack's credential, so it is sealed like a secret and never listed.
import { z } from 'zod';
import { checkEgress } from '../../../lib/egress.js';
import type { NotificationPayload } from '../notification-types.js';
import { postJson } from './webhook.js';
import type { ChannelDefinition } from './channel-types.js';

const schema = z
  .object({
    webhook_url: z
      .string()
      .max(2048)
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL (https://hooks.slack.com/services/...)'),
  })
  .strict();

const TITLES: Record<string, string> = {
  'secret.changed': 'Secret changed',
  'secret.rotated': 'Secret rotated',
  'secret.rotation_failed': 'Rotation FAILED',
  'secret.rolled_back': 'Secret rolled back',
  'secret.rotation_overdue': 'Rotation overdue',
  'secret.emergency_rotated': 'Emergency rotation',
  'secret.expiry_reminder': 'Secret expiring',
  'anomaly.detected': 'Anomaly detected',
  'provider.unreachable': 'Provider unreachable',
  'audit.sink_failing': 'Audit sink failing',
};
const ICON: Record<string, string> = {
  critical: ':rotating_light:',
  high: ':warning:',
  medium: ':information_source:',
  low: ':white_circle:',
};

/** The Slack message for an event: one line of text, and blocks listing its facts. */
export const slackMessage = (p: NotificationPayload) => {
  const title = p.type === 'secret.expiry_reminder' && p.data.expired ? 'Secret EXPIRED' : (TITLES[p.type] ?? p.type);
  const text = `${ICON[p.criticality] ?? ''} ${title}${p.secret ? `: ${p.secret}` : ''} (tenant ${p.tenant}, ${p.criticality})`.trim();
  const facts = Object.entries(p.data)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .slice(0, 10)
    .map(([k, v]) => ({ type: 'mrkdwn', text: `*${k}*\n${String(v).slice(0, 200)}` }));
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } },
      ...(facts.length ? [{ type: 'section', fields: facts }] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${p.type} · ${p.time} · event ${p.id}` }] },
    ],
  };
};

export const slackChannel: ChannelDefinition<Record<string, never>, { webhook_url: string }> = {
  kind: 'slack',
  displayName: 'Slack incoming webhook',
  schema: schema as unknown as ChannelDefinition<Record<string, never>, { webhook_url: string }>['schema'],
  split: (input) => ({ config: {}, secret: { webhook_url: input.webhook_url } }),
  destinations: (_c, s) => (s ? [[s.webhook_url, 'The Slack webhook URL']] : []),
  describeSecret: (s) => ({ webhook_url: s ? 'stored' : 'none' }),
  create(_config, secret, ctx) {
    return {
      async send({ payload }) {
        await checkEgress(ctx.egress, secret!.webhook_url, 'The Slack webhook URL');
        await postJson(secret!.webhook_url, JSON.stringify(slackMessage(payload)), { 'x-keyhaven-event-id': payload.id }, ctx.timeoutMs);
      },
    };
  },
};
