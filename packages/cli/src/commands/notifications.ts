// `keyhaven notifications subscribe|list|show|update|remove|test|deliveries|dead-letters|retry|manual-rotations`:
// outbound events to webhooks, Slack and NATS, with filters, the outbox's dead letters, and the secrets
// whose expiry needs a manual rotation.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { ManualRotation, NotificationDelivery, NotificationSubscription } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { print, renderTable, shortDate, type Column } from '../output.js';
import { collect, parsePositiveInt } from '../parse.js';

const CRITICALITIES = ['low', 'medium', 'high', 'critical'];

const subColumns: Column<NotificationSubscription>[] = [
  { header: 'ID', value: (s) => s.id },
  { header: 'CHANNEL', value: (s) => s.channel },
  {
    header: 'DESTINATION',
    value: (s) => String(s.config.url ?? s.config.subject ?? (s.channel === 'slack' ? '(sealed webhook URL)' : '')),
  },
  { header: 'EVENTS', value: (s) => (s.event_types.length ? s.event_types.join(',') : 'all') },
  { header: 'MIN CRIT', value: (s) => s.min_criticality ?? '' },
  { header: 'PREFIX', value: (s) => s.name_prefix ?? '' },
  { header: 'ENABLED', value: (s) => (s.enabled ? 'yes' : 'no') },
];
const deliveryColumns: Column<NotificationDelivery>[] = [
  { header: 'ID', value: (d) => d.id },
  { header: 'SUBSCRIPTION', value: (d) => d.subscription },
  { header: 'TYPE', value: (d) => d.type },
  { header: 'SECRET', value: (d) => d.secret ?? '' },
  { header: 'STATUS', value: (d) => d.status },
  { header: 'ATTEMPTS', value: (d) => d.attempts },
  { header: 'CREATED', value: (d) => shortDate(d.created_at) },
  { header: 'LAST ERROR', value: (d) => d.last_error ?? '' },
];
const manualColumns: Column<ManualRotation>[] = [
  { header: 'SECRET', value: (m) => m.name },
  { header: 'STATUS', value: (m) => m.status },
  { header: 'EXPIRES', value: (m) => shortDate(m.expires_at) },
  { header: 'DAYS LEFT', value: (m) => m.days_left },
  { header: 'CRITICALITY', value: (m) => m.criticality },
  { header: 'OWNER', value: (m) => m.owner ?? '' },
];

/** Reads a secret setting from a file, or from standard input with "-", so it is not in the process list. */
const readSecretFile = (flag: string, file: string): string => {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8').trim();
  } catch {
    throw new UsageError(`${flag}: cannot read ${file === '-' ? 'standard input' : file}`);
  }
};

interface FilterOpts {
  event?: string[];
  minCriticality?: string;
  prefix?: string;
}
const filterOptions = (c: Command) =>
  c
    .option('--event <type>', 'only this event type (repeat for several; default: all)', collect)
    .addOption(new Option('--min-criticality <level>', 'only events about secrets at least this critical').choices(CRITICALITIES))
    .option('--prefix <prefix>', 'only events about secrets whose name starts with this');
const filtersOf = (o: FilterOpts) => ({
  event_types: o.event,
  min_criticality: o.minCriticality as 'low' | undefined,
  name_prefix: o.prefix,
});

export const registerNotificationsCommands = (program: Command, ctx: CommandContext) => {
  const n = program
    .command('notifications')
    .description('send domain events (changes, rotations, failures, expiry reminders) to webhooks, Slack and NATS');

  filterOptions(
    n
      .command('subscribe')
      .description('add a subscription: one channel (--webhook, --slack-url-file or --nats) and optional filters')
      .argument('<id>', 'subscription id (lower-case letters, digits, "_", "-")')
      .option('--webhook <url>', 'POST signed JSON to this URL')
      .option('--signing-secret-file <file>', 'webhook signing secret from a file ("-" = stdin); generated and shown once when absent')
      .option('--slack-url-file <file>', 'Slack incoming-webhook URL from a file ("-" = stdin); it holds Slack\'s credential')
      .option('--nats <server>', 'NATS server URL such as nats://127.0.0.1:4222 (repeatable)', collect)
      .option('--subject <subject>', 'NATS subject; {type} and {tenant} are replaced', 'keyhaven.{tenant}.{type}')
      .option('--jetstream', "publish through JetStream and wait for the stream's ack (deduplicated by event id)")
      .option('--disabled', 'create it switched off'),
  )
    .addHelpText(
      'after',
      `
Examples:
  keyhaven notifications subscribe ops --webhook https://ops.example.com/keyhaven --event secret.rotation_failed --min-criticality high
  keyhaven notifications subscribe chat --slack-url-file ./slack-url.txt --prefix prod/
  keyhaven notifications subscribe bus --nats nats://127.0.0.1:4222 --subject 'keyhaven.{type}' --jetstream`,
    )
    .action(
      async (
        id: string,
        o: FilterOpts & {
          webhook?: string;
          signingSecretFile?: string;
          slackUrlFile?: string;
          nats?: string[];
          subject: string;
          jetstream?: boolean;
          disabled?: boolean;
        },
      ) => {
        const channels = [o.webhook, o.slackUrlFile, o.nats].filter((x) => x !== undefined);
        if (channels.length !== 1)
          throw new UsageError('Give exactly one channel: --webhook <url>, --slack-url-file <file> or --nats <server>.');
        const channel = o.webhook ? 'webhook' : o.slackUrlFile ? 'slack' : 'nats';
        const config: Record<string, unknown> =
          channel === 'webhook'
            ? {
                url: o.webhook,
                ...(o.signingSecretFile ? { signing_secret: readSecretFile('--signing-secret-file', o.signingSecretFile) } : {}),
              }
            : channel === 'slack'
              ? { webhook_url: readSecretFile('--slack-url-file', o.slackUrlFile!) }
              : { servers: o.nats, subject: o.subject, jetstream: Boolean(o.jetstream) };
        const s = await ctx.getClient().notifications.subscribe({ id, channel, config, ...filtersOf(o), enabled: !o.disabled });
        print(
          ctx.io,
          ctx.globals().format,
          s,
          () =>
            `Subscribed ${s.id} (${s.channel})\n${s.generated?.signing_secret ? `Signing secret (shown once; verify X-Keyhaven-Signature with it): ${s.generated.signing_secret}\n` : ''}`,
        );
      },
    );

  n.command('list')
    .description('list subscriptions (secret settings are never shown)')
    .action(async () => {
      const { items } = await ctx.getClient().notifications.list();
      print(ctx.io, ctx.globals().format, items, () => renderTable(items, subColumns, ctx.io.color));
    });

  n.command('show')
    .description('one subscription')
    .argument('<id>')
    .action(async (id: string) => {
      const s = await ctx.getClient().notifications.get(id);
      print(ctx.io, ctx.globals().format, s, () => renderTable([s], subColumns, ctx.io.color));
    });

  filterOptions(
    n
      .command('update')
      .description('change filters or switch a subscription on or off (filters given replace the old ones)')
      .argument('<id>')
      .option('--all-events', 'clear the event-type filter')
      .option('--no-prefix-filter', 'clear the name-prefix filter')
      .option('--enable', 'switch on')
      .option('--disable', 'switch off'),
  ).action(async (id: string, o: FilterOpts & { allEvents?: boolean; prefixFilter?: boolean; enable?: boolean; disable?: boolean }) => {
    if (o.enable && o.disable) throw new UsageError('Give --enable or --disable, not both.');
    const patch: Record<string, unknown> = {};
    if (o.event) patch.event_types = o.event;
    if (o.allEvents) patch.event_types = [];
    if (o.minCriticality) patch.min_criticality = o.minCriticality;
    if (o.prefix) patch.name_prefix = o.prefix;
    if (o.prefixFilter === false) patch.name_prefix = null;
    if (o.enable) patch.enabled = true;
    if (o.disable) patch.enabled = false;
    if (!Object.keys(patch).length)
      throw new UsageError(
        'Nothing to change: give --event, --all-events, --min-criticality, --prefix, --no-prefix-filter, --enable or --disable.',
      );
    const s = await ctx.getClient().notifications.update(id, patch);
    print(ctx.io, ctx.globals().format, s, () => renderTable([s], subColumns, ctx.io.color));
  });

  n.command('remove')
    .description('remove a subscription and what it still had to deliver')
    .argument('<id>')
    .action(async (id: string) => {
      const r = await ctx.getClient().notifications.remove(id);
      print(ctx.io, ctx.globals().format, r, () => `Removed subscription ${id}\n`);
    });

  n.command('test')
    .description('send a test event to a subscription now')
    .argument('<id>')
    .action(async (id: string) => {
      const r = await ctx.getClient().notifications.test(id);
      print(ctx.io, ctx.globals().format, r, () => `Delivered test event ${r.event_id} to ${id}\n`);
    });

  n.command('deliveries')
    .description('deliveries in the outbox by status')
    .addOption(new Option('--status <status>', 'which deliveries').choices(['pending', 'delivered', 'dead']).default('pending'))
    .option('--subscription <id>', 'only this subscription')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (o: { status: 'pending' | 'delivered' | 'dead'; subscription?: string; limit: string }) => {
      const { items } = await ctx
        .getClient()
        .notifications.deliveries({ status: o.status, subscription: o.subscription, limit: parsePositiveInt('--limit', o.limit) });
      print(ctx.io, ctx.globals().format, items, () => renderTable(items, deliveryColumns, ctx.io.color));
    });

  n.command('dead-letters')
    .description('deliveries that failed notifications.maxAttempts times')
    .option('--subscription <id>', 'only this subscription')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (o: { subscription?: string; limit: string }) => {
      const { items } = await ctx
        .getClient()
        .notifications.deadLetters({ subscription: o.subscription, limit: parsePositiveInt('--limit', o.limit) });
      print(ctx.io, ctx.globals().format, items, () => renderTable(items, deliveryColumns, ctx.io.color));
    });

  n.command('retry')
    .description('send dead letters again: one by id, or --all (of --subscription)')
    .argument('[id]', 'dead-letter id from `keyhaven notifications dead-letters`')
    .option('--all', 'every dead letter')
    .option('--subscription <id>', "with --all: only this subscription's")
    .action(async (id: string | undefined, o: { all?: boolean; subscription?: string }) => {
      if ((id === undefined) === !o.all) throw new UsageError('Give a dead-letter id or --all.');
      const r =
        id !== undefined
          ? await ctx.getClient().notifications.retry(parsePositiveInt('id', id))
          : await ctx.getClient().notifications.retryAll(o.subscription);
      print(ctx.io, ctx.globals().format, r, () => `Queued ${r.retried} delivery(ies) again\n`);
    });

  n.command('manual-rotations')
    .description('secrets with an expiry date and no automatic rotation that are expired or expire soon')
    .option('--within-days <n>', 'expiring within this many days', '30')
    .action(async (o: { withinDays: string }) => {
      const { items } = await ctx.getClient().notifications.manualRotations(parsePositiveInt('--within-days', o.withinDays, 0));
      print(ctx.io, ctx.globals().format, items, () =>
        items.length ? renderTable(items, manualColumns, ctx.io.color) : 'No secret needs a manual rotation in that period.\n',
      );
    });
};
