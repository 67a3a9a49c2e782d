// `keyhaven providers add|list|get|test|validate|remove|import`: external secret stores configured
// per tenant. Credentials come from --credential-file or --credential-stdin, never from argv.
import { Option, type Command } from 'commander';
import type { ImportReport, ProviderView } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { print, renderFields, renderTable, shortDate, type Column } from '../output.js';
import { collect } from '../parse.js';
import { pairsToObject, readMapping } from './provider-input.js';

const columns: Column<ProviderView>[] = [
  { header: 'ID', value: (p) => p.id },
  { header: 'KIND', value: (p) => p.kind },
  { header: 'CREDENTIAL', value: (p) => (p.credential.stored ? 'stored' : '-') },
  { header: 'UPDATED', value: (p) => shortDate(p.updated_at) },
];

const importSummary = (r: ImportReport) =>
  `${r.dry_run ? 'Dry run: would create' : 'Created'} ${r.counts.created}, ${r.dry_run ? 'update' : 'updated'} ${r.counts.updated}, unchanged ${r.counts.unchanged}, skipped ${r.counts.skipped}.\n` +
  [...r.created.map((n) => `  + ${n}`), ...r.updated.map((n) => `  ~ ${n}`), ...r.skipped.map((s) => `  ! ${s.remote_name}: ${s.reason}`)]
    .map((l) => l + '\n')
    .join('');

export const registerProvidersCommands = (program: Command, ctx: CommandContext) => {
  const providers = program
    .command('providers')
    .description('configure external secret stores (AWS, GCP, Azure, Vault, Kubernetes, dotenv, env)');

  providers
    .command('add')
    .description('configure a provider; credential fields are stored as a Keyhaven secret')
    .argument('<kind>', 'aws, gcp, azure, vault, k8s, dotenv or env (or a registry kind such as aws-sm)')
    .option('--name <id>', 'configuration id (default: the kind); needed for several configurations of one kind')
    .option('--config <key=value>', 'a non-secret setting, e.g. region=us-east-1 (repeatable)', collect)
    .option('--config-file <file>', 'settings as a JSON or YAML mapping')
    .option('--credential-file <file>', 'credential fields as a JSON or YAML mapping ("-" for stdin)')
    .option('--credential-stdin', 'read the credential mapping from stdin')
    .option('--test', 'test the connection first and save nothing when it fails')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven providers add aws --config region=us-east-1 --credential-file aws.json   # {"access_key_id":…,"secret_access_key":…}
  keyhaven providers add vault --name vault-prod --config address=https://vault:8200 --config mount=secret --credential-stdin < token.json
  keyhaven providers add dotenv --config path=./.env`,
    )
    .action(
      async (
        kind: string,
        o: { name?: string; config?: string[]; configFile?: string; credentialFile?: string; credentialStdin?: boolean; test?: boolean },
      ) => {
        if (o.credentialFile && o.credentialStdin) throw new UsageError('Give either --credential-file or --credential-stdin, not both.');
        const config = {
          ...(o.configFile ? await readMapping('config', o.configFile, ctx.io) : {}),
          ...pairsToObject('--config', o.config),
        };
        const credFile = o.credentialStdin ? '-' : o.credentialFile;
        const credential = credFile ? await readMapping('credential', credFile, ctx.io) : undefined;
        const r = await ctx
          .getClient()
          .providers.configure({ provider_name: kind, name: o.name, config, credential, test_connection: Boolean(o.test) });
        print(
          ctx.io,
          ctx.globals().format,
          r,
          () =>
            `${r.created ? 'Configured' : 'Updated'} provider ${r.id} (${r.kind})${r.credential.stored ? `; credential stored as secret ${r.credential.secret}` : ''}\n`,
        );
      },
    );

  providers
    .command('list')
    .description('list provider configurations (never credentials)')
    .action(async () => {
      const { items } = await ctx.getClient().providers.list();
      print(ctx.io, ctx.globals().format, items, () => renderTable(items, columns, ctx.io.color));
    });

  providers
    .command('get')
    .description('show one provider configuration')
    .argument('<id>', 'configuration id')
    .action(async (id: string) => {
      const p = await ctx.getClient().providers.get(id);
      print(ctx.io, ctx.globals().format, p, () =>
        renderFields([
          ['ID', p.id],
          ['Kind', p.kind],
          ['Config', JSON.stringify(p.config)],
          ['Credential', p.credential.secret ?? '-'],
          ['Updated', shortDate(p.updated_at)],
        ]),
      );
    });

  providers
    .command('test')
    .description('test the connection with the stored credential (exit 1 when it fails)')
    .argument('<id>', 'configuration id')
    .action(async (id: string) => {
      const r = await ctx.getClient().providers.test(id);
      print(ctx.io, ctx.globals().format, r, () =>
        r.ok
          ? `ok: ${r.id} (${r.kind}) answers${r.details ? ` at ${r.details}` : ''}\n`
          : `failed: ${r.error?.code}: ${r.error?.message}\n`,
      );
      if (!r.ok) throw new CliError(`the connection test of ${id} failed`);
    });

  providers
    .command('validate')
    .description('validate the stored credential, or a candidate one (not saved)')
    .argument('<id>', 'configuration id')
    .option('--credential-file <file>', 'candidate credential as a JSON or YAML mapping ("-" for stdin)')
    .action(async (id: string, o: { credentialFile?: string }) => {
      const candidate = o.credentialFile ? await readMapping('credential', o.credentialFile, ctx.io) : undefined;
      const r = await ctx.getClient().providers.validateCredential(id, candidate);
      print(ctx.io, ctx.globals().format, r, () =>
        r.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.check}${c.error ? `: ${c.error.code}: ${c.error.message}` : ''}\n`).join(''),
      );
      if (!r.valid) throw new CliError(`the credential of ${id} is not valid`);
    });

  providers
    .command('remove')
    .description('remove a provider configuration and crypto-shred its credential')
    .argument('<id>', 'configuration id')
    .action(async (id: string) => {
      const r = await ctx.getClient().providers.remove(id);
      print(ctx.io, ctx.globals().format, r, () => `Removed provider ${id}\n`);
    });

  providers
    .command('import')
    .description('import secrets from the provider into Keyhaven (migration)')
    .argument('<id>', 'configuration id')
    .option('--prefix <prefix>', 'only remote names starting with this')
    .option('--target-prefix <prefix>', 'put imported secrets under this Keyhaven prefix')
    .option('--dry-run', 'show what would be created, updated or skipped; write nothing')
    .addOption(new Option('--overwrite', 'replace Keyhaven values that differ (default: skip them)'))
    .addHelpText(
      'after',
      `
Examples:
  keyhaven providers import aws --prefix prod/ --dry-run
  keyhaven providers import vault --target-prefix migrated/`,
    )
    .action(async (id: string, o: { prefix?: string; targetPrefix?: string; dryRun?: boolean; overwrite?: boolean }) => {
      const r = await ctx.getClient().providers.import(id, {
        prefix: o.prefix,
        target_prefix: o.targetPrefix,
        dry_run: Boolean(o.dryRun),
        overwrite: Boolean(o.overwrite),
      });
      print(ctx.io, ctx.globals().format, r, () => importSummary(r));
    });
};
