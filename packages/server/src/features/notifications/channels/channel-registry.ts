// The channel kinds, looked up by name (never a switch repeated elsewhere).
import { fail } from '../../../lib/errors.js';
import type { ChannelDefinition } from './channel-types.js';
import { webhookChannel } from './webhook.js';
import { slackChannel } from './slack.js';
import { natsChannel } from './nats.js';

// Each kind's own config and secret types are checked in its file; here they are plain records.
const CHANNELS = new Map<string, ChannelDefinition>([webhookChannel, slackChannel, natsChannel].map((c) => [c.kind, c]));

export const channelKinds = () => [...CHANNELS.values()].map((c) => ({ kind: c.kind, display_name: c.displayName }));

export const getChannel = (kind: string): ChannelDefinition => {
  const c = CHANNELS.get(kind);
  if (!c)
    throw fail('NOTIFICATION_CHANNEL_UNKNOWN', `No notification channel "${kind}"; the channels are ${[...CHANNELS.keys()].join(', ')}.`, {
      kinds: [...CHANNELS.keys()],
    });
  return c;
};
