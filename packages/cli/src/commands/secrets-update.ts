// `keyhaven secrets update|delete|restore|destroy`: change metadata and the life cycle of a secret.
// Registered by ./secrets.ts under the same `secrets` group; destroy asks before it erases data.
import type { Command } from 'commander';
import type { SecretMetadata } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { print, renderFields } from '../output.js';
import { collect, parseVersionList } from '../parse.js';
import { addMetadataOptions, metadataFrom, type MetadataOptions } from '../secret-input.js';
import { describeFields } from './secret-views.js';

const CLEARABLE = ['description', 'service', 'environment', 'owner', 'expires_at'] as const;

interface UpdateOptions extends MetadataOptions {
  clearDescription?: boolean;
  clearService?: boolean;
  clearEnvironment?: boolean;
  clearOwner?: boolean;
  clearExpiresAt?: boolean;
  clearTags?: boolean;
  unsetMeta?: string[];
}

const clearFlag = (field: (typeof CLEARABLE)[number]) =>
  `clear${field.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())}` as keyof UpdateOptions;

export const registerSecretUpdateCommands = (secrets: Command, ctx: CommandContext) => {
  const update = addMetadataOptions(
    secrets.command('update').description('change the metadata of a secret (the value stays as it is)').argument('<name>', 'secret name'),
  );
  for (const f of CLEARABLE) update.option(`--clear-${f.replace('_', '-')}`, `remove the ${f.replace('_', ' ')}`);
  update
    .option('--clear-tags', 'remove all tags')
    .option('--unset-meta <key>', 'remove a metadata entry (repeatable)', collect)
    .addHelpText(
      'after',
      `
--tag replaces the whole tag list; --meta adds or changes entries and keeps the others.

Examples:
  keyhaven secrets update db/prod --criticality critical --owner team-payments
  keyhaven secrets update db/prod --tag pci --tag payments --expires-at 90d
  keyhaven secrets update db/prod --meta ticket=SEC-42 --unset-meta old-key --clear-description`,
    )
    .action(async (name: string, o: UpdateOptions) => {
      const patch: SecretMetadata = metadataFrom(o);
      for (const f of CLEARABLE) {
        if (!o[clearFlag(f)]) continue;
        if (patch[f] !== undefined)
          throw new UsageError(`Give either --${f.replace('_', '-')} or --clear-${f.replace('_', '-')}, not both.`);
        patch[f] = null;
      }
      if (o.clearTags) {
        if (patch.tags) throw new UsageError('Give either --tag or --clear-tags, not both.');
        patch.tags = [];
      }
      const client = ctx.getClient();
      if (patch.metadata || o.unsetMeta?.length) {
        // The API replaces the metadata map as a whole: merge with what is stored.
        const current = (await client.secrets.describe(name)).metadata;
        const merged: Record<string, string> = { ...current, ...patch.metadata };
        for (const k of o.unsetMeta ?? []) delete merged[k];
        patch.metadata = merged;
      }
      if (Object.keys(patch).length === 0) throw new UsageError('Nothing to update: give at least one metadata flag (see --help).');
      const d = await client.secrets.update(name, patch);
      print(ctx.io, ctx.globals().format, d, () => `Updated ${d.name}\n${renderFields(describeFields(d))}`);
    });

  secrets
    .command('delete')
    .description('soft-delete a secret: hidden and unreadable until restored')
    .argument('<name>', 'secret name')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven secrets delete app/old-key
  keyhaven secrets restore app/old-key`,
    )
    .action(async (name: string) => {
      const r = await ctx.getClient().secrets.delete(name);
      print(ctx.io, ctx.globals().format, r, () => `Deleted ${r.name}; undo with: keyhaven secrets restore ${r.name}\n`);
    });

  secrets
    .command('restore')
    .description('bring back a deleted secret')
    .argument('<name>', 'secret name')
    .addHelpText(
      'after',
      `
Example:
  keyhaven secrets restore app/old-key`,
    )
    .action(async (name: string) => {
      const r = await ctx.getClient().secrets.restore(name);
      print(ctx.io, ctx.globals().format, r, () => `Restored ${r.name}\n`);
    });

  secrets
    .command('destroy')
    .description('erase versions for good (or a deleted secret as a whole); cannot be undone')
    .argument('<name>', 'secret name')
    .option('--versions <list>', 'comma-separated versions to destroy, e.g. 1,2 (default: the whole deleted secret)')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven secrets destroy db/prod --versions 1,2
  keyhaven secrets delete app/old-key && keyhaven secrets destroy app/old-key --yes`,
    )
    .action(async (name: string, o: { versions?: string; yes?: boolean }) => {
      const versions = o.versions === undefined ? undefined : parseVersionList('--versions', o.versions);
      if (versions?.length === 0) throw new UsageError('--versions needs at least one version number.');
      const what = versions ? `versions ${versions.join(', ')} of ${name}` : `the secret ${name} and all its versions`;
      if (!o.yes) {
        if (!ctx.io.stdinIsTTY) throw new UsageError(`Refusing to destroy ${what} without confirmation: not on a terminal; pass --yes.`);
        const answer = await ctx.io.ask(`Destroy ${what} permanently? This cannot be undone. [y/N] `);
        if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('Nothing destroyed.', EXIT.USAGE);
      }
      const r = await ctx.getClient().secrets.destroy(name, versions);
      print(
        ctx.io,
        ctx.globals().format,
        r,
        () => `Destroyed ${r.destroyed === 'all' ? `${r.name} (all versions)` : `${r.name} versions ${r.destroyed.join(', ')}`}\n`,
      );
    });
};
