// `keyhaven tokens create|list|get|revoke|self`: API tokens of the current tenant. The token secret
// is printed once, by `create`, and never appears anywhere else.
import { Option, type Command } from 'commander';
import type { Role, TokenView } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { print, renderFields, renderTable, shortDate, type Column } from '../output.js';
import { parseDuration } from '../parse.js';

const ROLES: Role[] = ['read', 'write', 'delete', 'admin'];

const columns: Column<TokenView>[] = [
  { header: 'ID', value: (t) => t.id },
  { header: 'NAME', value: (t) => t.name },
  { header: 'KIND', value: (t) => t.kind },
  { header: 'ROLE', value: (t) => (t.is_root ? 'root' : t.role) },
  { header: 'IDENTITY', value: (t) => identityText(t) },
  { header: 'EXPIRES', value: (t) => shortDate(t.expires_at) },
  { header: 'REVOKED', value: (t) => shortDate(t.revoked_at) },
  { header: 'LAST USED', value: (t) => shortDate(t.last_used_at) },
];

/** Who a login token belongs to: `approle:deployer`, `kubernetes:api (payments/api)`, `jwt:deploy (repo:acme/app:ref:…)`. */
const identityText = (t: TokenView) =>
  t.identity
    ? `${t.identity.method}:${t.identity.role}${t.identity.subject && t.identity.method !== 'approle' ? ` (${t.identity.subject})` : ''}`
    : '';

const fields = (t: TokenView): Array<[string, unknown]> => [
  ['ID', t.id],
  ['Name', t.name],
  ['Kind', t.kind],
  ['Role', t.is_root ? 'root' : t.role],
  ['Tenant', t.tenant],
  ['Identity', identityText(t) || null],
  ...(t.identity && Object.keys(t.identity.metadata).length
    ? [
        [
          'Metadata',
          Object.entries(t.identity.metadata)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        ] as [string, unknown],
      ]
    : []),
  ['Created', shortDate(t.created_at)],
  ['Created by', t.created_by],
  ['Expires', shortDate(t.expires_at)],
  ['Revoked', shortDate(t.revoked_at)],
  ['Last used', shortDate(t.last_used_at)],
];

export const registerTokensCommands = (program: Command, ctx: CommandContext) => {
  const tokens = program.command('tokens').description('manage API tokens of the current tenant');

  tokens
    .command('create')
    .description('create a token; it is printed once and cannot be shown again')
    .requiredOption('--name <name>', 'what or who the token is for')
    .addOption(
      new Option(
        '--role <role>',
        `what the token may do: ${ROLES.join(', ')} or a custom role (keyhaven roles list)`,
      ).makeOptionMandatory(),
    )
    .addOption(new Option('--kind <kind>', 'personal or service token').choices(['personal', 'service']).default('service'))
    .option('--ttl <duration>', 'lifetime: seconds or 15m, 24h, 30d, 1y (default: no expiry)')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven tokens create --name ci-deploy --role read --ttl 30d
  export KEYHAVEN_TOKEN=$(keyhaven tokens create --name me --role write --kind personal --ttl 24h --format json | jq -r .token)`,
    )
    .action(async (o: { name: string; role: string; kind: 'personal' | 'service'; ttl?: string }) => {
      const ttl = o.ttl === undefined ? undefined : parseDuration('--ttl', o.ttl);
      const t = await ctx.getClient().tokens.create({ name: o.name, role: o.role, kind: o.kind, ttl_seconds: ttl });
      print(
        ctx.io,
        ctx.globals().format,
        t,
        () =>
          `Created token ${t.id} (${t.role}${t.expires_at ? `, expires ${shortDate(t.expires_at)}` : ''}). Store it now, it is not shown again:\n${t.token}\n`,
      );
    });

  tokens
    .command('list')
    .description('list tokens of the current tenant')
    .addHelpText(
      'after',
      `
Example:
  keyhaven tokens list --tenant team-payments`,
    )
    .action(async () => {
      const { items } = await ctx.getClient().tokens.list();
      print(ctx.io, ctx.globals().format, items, () => renderTable(items, columns, ctx.io.color));
    });

  tokens
    .command('get')
    .description('show one token (never its secret)')
    .argument('<id>', 'token id')
    .addHelpText(
      'after',
      `
Example:
  keyhaven tokens get tok_01H...`,
    )
    .action(async (id: string) => {
      const t = await ctx.getClient().tokens.get(id);
      print(ctx.io, ctx.globals().format, t, () => renderFields(fields(t)));
    });

  tokens
    .command('revoke')
    .description('revoke a token at once')
    .argument('<id>', 'token id')
    .addHelpText(
      'after',
      `
Example:
  keyhaven tokens revoke tok_01H...`,
    )
    .action(async (id: string) => {
      const t = await ctx.getClient().tokens.revoke(id);
      print(ctx.io, ctx.globals().format, t, () => `Revoked token ${t.id} (${t.name})\n`);
    });

  tokens
    .command('self')
    .alias('lookup')
    .description('show the token in use and its grants')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven tokens self
  keyhaven tokens lookup --format json`,
    )
    .action(async () => {
      const t = await ctx.getClient().tokens.self();
      print(ctx.io, ctx.globals().format, t, () =>
        renderFields([...fields(t), ['Grants', t.grants.map((g) => `${g.tenant}:${g.role}`).join(' ')]]),
      );
    });
  return tokens;
};
