// `keyhaven sync add|list|status|run|remove`: replicate Keyhaven secrets to provider destinations on
// every change and rotation, and see per-secret status and last errors.
import { Option, type Command } from 'commander';
import type { InitialPolicy, SyncDestination, SyncState } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { print, renderTable, shortDate, type Column } from '../output.js';
import { parsePositiveInt } from '../parse.js';

const POLICIES: InitialPolicy[] = ['overwrite', 'import-keyhaven-wins', 'import-remote-wins'];

const destColumns: Column<SyncDestination>[] = [
  { header: 'ID', value: (d) => d.id },
  { header: 'SELECTOR', value: (d) => d.secret_name ?? `${d.prefix}*` },
  { header: 'PROVIDER', value: (d) => d.provider_id },
  { header: 'TEMPLATE', value: (d) => d.template },
  { header: 'POLICY', value: (d) => d.initial_policy },
  { header: 'KEEP REMOTE', value: (d) => (d.never_delete_remote ? 'yes' : 'no') },
];
const stateColumns: Column<SyncState>[] = [
  { header: 'DESTINATION', value: (s) => s.destination_id },
  { header: 'SECRET', value: (s) => s.secret_name },
  { header: 'REMOTE', value: (s) => s.remote_name },
  { header: 'STATUS', value: (s) => s.status },
  { header: 'VERSION', value: (s) => s.synced_version },
  { header: 'NEXT TRY', value: (s) => shortDate(s.next_attempt_at) },
  { header: 'LAST ERROR', value: (s) => s.last_error },
];

export const registerSyncCommands = (program: Command, ctx: CommandContext) => {
  const sync = program.command('sync').description('replicate secrets to external stores on every change and rotation');

  sync
    .command('add')
    .description('add a sync destination for one secret (--secret) or every secret under a prefix (--prefix)')
    .requiredOption('--provider <id>', 'provider configuration to write to')
    .option('--secret <name>', 'one secret')
    .option('--prefix <prefix>', 'every secret under this prefix ("" for all)')
    .option(
      '--template <template>',
      'remote name: {{name}}, {{relative}}, {{basename}} with |replace:a:b, |upper, |lower, |trim_prefix:x',
      '{{name}}',
    )
    .addOption(
      new Option('--initial-policy <policy>', 'first sync: overwrite remote, or import remote-only secrets with either side winning')
        .choices(POLICIES)
        .default('overwrite'),
    )
    .option('--never-delete-remote', 'keep remote copies when secrets are deleted in Keyhaven')
    .option('--id <id>', 'destination id')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven sync add --provider aws --prefix prod/ --template 'keyhaven/{{relative}}'
  keyhaven sync add --provider k8s --secret app/tls --template 'app-tls' --never-delete-remote
  keyhaven sync add --provider dotenv --prefix dev/ --template '{{relative|replace:/:_|replace:-:_|upper}}'`,
    )
    .action(
      async (o: {
        provider: string;
        secret?: string;
        prefix?: string;
        template: string;
        initialPolicy: InitialPolicy;
        neverDeleteRemote?: boolean;
        id?: string;
      }) => {
        if ((o.secret === undefined) === (o.prefix === undefined)) throw new UsageError('Give exactly one of --secret or --prefix.');
        const d = await ctx.getClient().sync.add({
          id: o.id,
          provider_id: o.provider,
          secret_name: o.secret,
          prefix: o.prefix,
          template: o.template,
          initial_policy: o.initialPolicy,
          never_delete_remote: Boolean(o.neverDeleteRemote),
        });
        print(
          ctx.io,
          ctx.globals().format,
          d,
          () => `Added sync destination ${d.id}: ${d.queued} secret(s) queued${d.imported ? `, ${d.imported} imported` : ''}\n`,
        );
      },
    );

  sync
    .command('list')
    .description('list sync destinations')
    .action(async () => {
      const { items } = await ctx.getClient().sync.list();
      print(ctx.io, ctx.globals().format, items, () => renderTable(items, destColumns, ctx.io.color));
    });

  sync
    .command('status')
    .description('sync status per destination and secret, with last errors (exit 1 when any failed)')
    .option('--destination <id>', 'only this destination')
    .addOption(new Option('--status <status>', 'only this status').choices(['ok', 'pending', 'error']))
    .option('--limit <n>', 'at most this many rows', '500')
    .action(async (o: { destination?: string; status?: 'ok' | 'pending' | 'error'; limit: string }) => {
      const r = await ctx
        .getClient()
        .sync.status({ destination: o.destination, status: o.status, limit: parsePositiveInt('--limit', o.limit) });
      print(
        ctx.io,
        ctx.globals().format,
        r,
        () =>
          `ok ${r.summary.ok}, pending ${r.summary.pending}, error ${r.summary.error}\n${r.items.length ? renderTable(r.items, stateColumns, ctx.io.color) : ''}`,
      );
      if (r.summary.error > 0) throw new CliError(`${r.summary.error} secret(s) failed to sync; see LAST ERROR`);
    });

  sync
    .command('run')
    .description('sync now: pending and failed secrets are retried at once')
    .option('--destination <id>', 'only this destination')
    .action(async (o: { destination?: string }) => {
      const r = await ctx.getClient().sync.run(o.destination);
      print(ctx.io, ctx.globals().format, r, () => `processed ${r.processed}: ok ${r.ok}, error ${r.error}, removed ${r.removed}\n`);
      if (r.error > 0) throw new CliError(`${r.error} secret(s) failed to sync; see keyhaven sync status --status error`);
    });

  sync
    .command('remove')
    .description('stop syncing to a destination (remote copies are kept)')
    .argument('<id>', 'destination id')
    .action(async (id: string) => {
      const r = await ctx.getClient().sync.remove(id);
      print(ctx.io, ctx.globals().format, r, () => `Removed sync destination ${id}; remote copies were kept\n`);
    });
};
