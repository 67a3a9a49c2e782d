// `keyhaven tenants list|create|get|delete`: manage tenants (needs a root token).
import type { Command } from 'commander';
import type { Tenant } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { print, renderTable, shortDate, type Column } from '../output.js';

const columns: Column<Tenant>[] = [
  { header: 'ID', value: (t) => t.id },
  { header: 'NAME', value: (t) => t.name },
  { header: 'CREATED', value: (t) => shortDate(t.created_at) },
];

export const registerTenantsCommands = (program: Command, ctx: CommandContext) => {
  const tenants = program.command('tenants').description('manage tenants (root token required)');

  tenants
    .command('list')
    .description('list tenants')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven tenants list
  keyhaven tenants list --format json`,
    )
    .action(async () => {
      const { items } = await ctx.getClient().tenants.list();
      print(ctx.io, ctx.globals().format, items, () => renderTable(items, columns, ctx.io.color));
    });

  tenants
    .command('create')
    .description('create a tenant')
    .argument('<id>', 'tenant id (letters, digits, "-" and "_")')
    .option('--name <name>', 'display name')
    .addHelpText(
      'after',
      `
Example:
  keyhaven tenants create team-payments --name "Payments team"`,
    )
    .action(async (id: string, o: { name?: string }) => {
      const t = await ctx.getClient().tenants.create(id, o.name);
      print(ctx.io, ctx.globals().format, t, () => `Created tenant ${t.id}\n`);
    });

  tenants
    .command('get')
    .description('show one tenant')
    .argument('<id>', 'tenant id')
    .addHelpText(
      'after',
      `
Example:
  keyhaven tenants get team-payments`,
    )
    .action(async (id: string) => {
      const t = await ctx.getClient().tenants.get(id);
      print(ctx.io, ctx.globals().format, t, () => renderTable([t], columns, ctx.io.color));
    });

  tenants
    .command('delete')
    .description('delete an empty tenant')
    .argument('<id>', 'tenant id')
    .addHelpText(
      'after',
      `
Example:
  keyhaven tenants delete team-payments`,
    )
    .action(async (id: string) => {
      const r = await ctx.getClient().tenants.delete(id);
      print(ctx.io, ctx.globals().format, r, () => `Deleted tenant ${r.id}\n`);
    });
  return tenants;
};
