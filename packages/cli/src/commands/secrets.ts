// `keyhaven secrets …`: read (get, list, describe, history) and write (set, update, delete, restore,
// destroy) secrets through the SDK. Value input lives in ../secret-input.ts, printing in ../output.ts.
import { Option, type Command } from 'commander';
import type { Label, SecretRead, SecretSummary } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { flatPairs } from '../delivery/formats.js';
import { print, renderFields, renderTable, toDotenv, toJson, toYaml } from '../output.js';
import { describeFields, listColumns, versionColumns } from './secret-views.js';
import { collect, parsePositiveInt } from '../parse.js';
import {
  addMetadataOptions,
  CRITICALITIES,
  metadataFrom,
  readValue,
  SECRET_TYPES,
  type MetadataOptions,
  type ValueOptions,
} from '../secret-input.js';
import { registerSecretUpdateCommands } from './secrets-update.js';

const LABELS: Label[] = ['current', 'pending', 'previous'];

/** `secrets get` output: the bare value by default so `$(keyhaven secrets get x)` works. */
const renderRead = (r: SecretRead, ref: string, format: string | undefined, raw: boolean): string => {
  const field = ref.includes('#') ? ref.slice(ref.indexOf('#') + 1) : undefined;
  switch (format) {
    case 'json':
      return toJson(r);
    case 'yaml':
      return toYaml(r);
    case 'dotenv':
      // The same names as `export` and `run` (one rule: flatPairs): NAME, or NAME_FIELD per JSON field.
      if (field !== undefined) return toDotenv(flatPairs([{ name: r.name, value: { [field]: r.value } }]));
      return toDotenv(flatPairs([{ name: r.name, value: r.value }]));
    default: {
      const text = typeof r.value === 'string' ? r.value : JSON.stringify(r.value, null, raw ? undefined : 2);
      return raw ? text : text + '\n';
    }
  }
};

export const registerSecretsCommands = (program: Command, ctx: CommandContext) => {
  const secrets = program.command('secrets').description('read and write secrets of the current tenant');

  secrets
    .command('get')
    .description('print a secret value (or one field with NAME#field)')
    .argument('<name>', 'secret name, optionally with #field')
    .option('--version <n>', 'read this version instead of the current one')
    .addOption(new Option('--label <label>', 'read the version carrying this label').choices(LABELS))
    .option('--raw', 'print the value exactly, without a trailing newline (JSON compact)')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven secrets get app/prod/stripe-key
  export DB_PASSWORD="$(keyhaven secrets get db/prod#password)"
  keyhaven secrets get db/prod --label previous --format json
  keyhaven secrets get db/prod --format dotenv >> .env      # PROD_USER=…, PROD_PASSWORD=… as export/run name them
  keyhaven secrets get tls/cert --raw > cert.pem`,
    )
    .action(async (name: string, o: { version?: string; label?: Label; raw?: boolean }) => {
      if (o.version !== undefined && o.label) throw new UsageError('Give either --version or --label, not both.');
      const version = o.version === undefined ? undefined : parsePositiveInt('--version', o.version);
      const r = await ctx.getClient().secrets.get(name, { version, label: o.label });
      ctx.io.out(renderRead(r, name, ctx.globals().format, Boolean(o.raw)));
    });

  addMetadataOptions(
    secrets
      .command('set')
      .description('write a new version of a secret (creating it when missing)')
      .argument('<name>', 'secret name, path-like: app/prod/db')
      .argument('[value]', 'the value; "-" reads stdin')
      .option('--field <key=value>', 'set a field of a JSON object value (repeatable)', collect)
      .option('--json', 'parse the value as a JSON object')
      .option('--file <path>', 'read the value from a file (exact bytes)')
      .option('--stdin', 'read the value from stdin (one trailing newline is dropped)')
      .option('--cas <n>', 'check-and-set: write only if the latest version is n (0 = only if the secret does not exist)')
      .option('--pending', 'write the version with the pending label instead of making it current'),
  )
    .addHelpText(
      'after',
      `
Metadata flags apply when the secret is created; change them later with "secrets update".

Examples:
  keyhaven secrets set app/prod/stripe-key --stdin < key.txt
  printf %s "$TOKEN" | keyhaven secrets set ci/github-token -
  keyhaven secrets set db/prod --field user=app --field password=s3cret --type database_credentials --environment prod
  keyhaven secrets set app/config '{"a":1}' --json
  keyhaven secrets set tls/cert --file cert.pem --type tls_certificate --tag edge --tag public
  keyhaven secrets set db/prod --file new.json --json --cas 3`,
    )
    .action(async (name: string, value: string | undefined, o: ValueOptions & MetadataOptions & { cas?: string; pending?: boolean }) => {
      const meta = metadataFrom(o);
      const cas = o.cas === undefined ? undefined : parsePositiveInt('--cas', o.cas, 0);
      const v = await readValue(value, o, ctx.io);
      const w = await ctx.getClient().secrets.set(name, v, { ...meta, cas, label: o.pending ? 'pending' : undefined });
      print(
        ctx.io,
        ctx.globals().format,
        w,
        () => `Wrote ${w.name} version ${w.version}${w.labels.length ? ` (${w.labels.join(', ')})` : ''}\n`,
      );
    });

  secrets
    .command('list')
    .description('list secrets (names and metadata, never values)')
    .option('--prefix <prefix>', 'only names starting with this')
    .addOption(new Option('--type <type>', 'only this type').choices(SECRET_TYPES))
    .option('--tag <tag>', 'only secrets with this tag (repeatable: all must match)', collect)
    .option('--service <name>', 'only this service')
    .option('--environment <env>', 'only this environment')
    .addOption(new Option('--criticality <level>', 'only this criticality').choices(CRITICALITIES))
    .option('--include-deleted', 'also list deleted secrets')
    .option('--limit <n>', 'at most n secrets (default: all, following pages)')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven secrets list
  keyhaven secrets list --prefix app/prod/ --environment prod --tag payments
  keyhaven secrets list --format json | jq -r '.[].name'`,
    )
    .action(
      async (o: {
        prefix?: string;
        type?: SecretSummary['type'];
        tag?: string[];
        service?: string;
        environment?: string;
        criticality?: SecretSummary['criticality'];
        includeDeleted?: boolean;
        limit?: string;
      }) => {
        const filter = {
          prefix: o.prefix,
          type: o.type,
          tags: o.tag,
          service: o.service,
          environment: o.environment,
          criticality: o.criticality,
          include_deleted: o.includeDeleted,
        };
        const client = ctx.getClient();
        let items: SecretSummary[];
        if (o.limit !== undefined) {
          const limit = parsePositiveInt('--limit', o.limit);
          const page = await client.secrets.list({ ...filter, limit: Math.min(limit, 1000) });
          items = page.items.slice(0, limit);
          if (page.next_cursor && ctx.globals().format === undefined)
            ctx.io.err(`(more secrets match; raise --limit or drop it to list all)\n`);
        } else {
          items = await client.secrets.listAll(filter);
        }
        print(ctx.io, ctx.globals().format, items, () =>
          items.length ? renderTable(items, listColumns, ctx.io.color) : 'No secrets match.\n',
        );
      },
    );

  secrets
    .command('describe')
    .description('show the metadata and versions of a secret (no values)')
    .argument('<name>', 'secret name')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven secrets describe db/prod
  keyhaven secrets describe db/prod --format yaml`,
    )
    .action(async (name: string) => {
      const d = await ctx.getClient().secrets.describe(name);
      print(
        ctx.io,
        ctx.globals().format,
        d,
        () => `${renderFields(describeFields(d))}\n${renderTable(d.versions, versionColumns, ctx.io.color)}`,
      );
    });

  secrets
    .command('history')
    .description('list the versions of a secret with their state and labels')
    .argument('<name>', 'secret name')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven secrets history db/prod
  keyhaven secrets history db/prod --format json`,
    )
    .action(async (name: string) => {
      const h = await ctx.getClient().secrets.history(name);
      print(ctx.io, ctx.globals().format, h, () => renderTable(h.versions, versionColumns, ctx.io.color));
    });

  registerSecretUpdateCommands(secrets, ctx);
  return secrets;
};
