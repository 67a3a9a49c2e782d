// `keyhaven policies list|get|put|delete` and `keyhaven roles list|put|delete`: fine-grained access
// control (allow/deny rules over actions and secret-name globs, with environment and tag conditions).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { PolicyRule } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { print, renderTable } from '../output.js';
import { UsageError } from '../errors.js';

const readRules = async (file: string): Promise<PolicyRule[]> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not valid JSON; give an array of rules or {"rules": [...]}`);
  }
  const rules = Array.isArray(parsed) ? parsed : (parsed as { rules?: unknown })?.rules;
  if (!Array.isArray(rules)) throw new UsageError(`${file} must hold an array of rules or {"rules": [...]}`);
  return rules as PolicyRule[];
};

export const registerAccessCommands = (program: Command, ctx: CommandContext) => {
  const policies = program.command('policies').description('allow/deny rules over actions and secret names (tenant admins)');
  policies
    .command('list')
    .description('list policies')
    .action(async () => {
      const items = await ctx.getClient().policies.list();
      print(ctx.io, ctx.globals().format, items, () =>
        renderTable(
          items,
          [
            { header: 'NAME', value: (p) => p.name },
            { header: 'RULES', value: (p) => p.rules.length },
            { header: 'DESCRIPTION', value: (p) => p.description ?? '' },
          ],
          ctx.io.color,
        ),
      );
    });
  policies
    .command('get')
    .description('show a policy and its rules')
    .argument('<name>')
    .action(async (name: string) => {
      const p = await ctx.getClient().policies.get(name);
      print(
        ctx.io,
        ctx.globals().format,
        p,
        () =>
          `${p.name}${p.description ? ` — ${p.description}` : ''}\n` +
          renderTable(
            p.rules,
            [
              { header: 'EFFECT', value: (r) => r.effect },
              { header: 'ACTIONS', value: (r) => r.actions.join(',') },
              { header: 'PATHS', value: (r) => (r.paths ?? ['**']).join(',') },
              { header: 'ENVIRONMENTS', value: (r) => r.environments?.join(',') ?? '' },
              { header: 'TAGS', value: (r) => r.tags?.join(',') ?? '' },
            ],
            ctx.io.color,
          ),
      );
    });
  policies
    .command('put')
    .description('create or replace a policy from a JSON file of rules')
    .argument('<name>')
    .requiredOption('--file <rules.json>', 'JSON: [{"effect":"allow","actions":["read","list"],"paths":["apps/billing/*"]}, …]')
    .option('--description <text>', 'what the policy is for')
    .addHelpText(
      'after',
      `
Rules: effect allow|deny; actions read, list, write, rotate, delete, admin or *; paths are globs
(apps/billing/* one level, apps/** all below); optional environments and tags conditions. Deny wins.

Example:
  echo '[{"effect":"allow","actions":["read","list"],"paths":["apps/billing/**"]},
        {"effect":"deny","actions":["*"],"paths":["**"],"tags":["pci"]}]' > billing.json
  keyhaven policies put billing-read --file billing.json
  keyhaven roles put billing-reader --policy billing-read
  keyhaven tokens create --name billing-app --role billing-reader`,
    )
    .action(async (name: string, o: { file: string; description?: string }) => {
      const p = await ctx.getClient().policies.put(name, { description: o.description, rules: await readRules(o.file) });
      print(ctx.io, ctx.globals().format, p, () => `Saved policy ${p.name} (${p.rules.length} rules)\n`);
    });
  policies
    .command('delete')
    .description('delete a policy no role uses')
    .argument('<name>')
    .action(async (name: string) => {
      const r = await ctx.getClient().policies.delete(name);
      print(ctx.io, ctx.globals().format, r, () => `Deleted policy ${r.name}\n`);
    });

  const roles = program.command('roles').description('built-in and custom roles (custom roles bundle policies)');
  roles
    .command('list')
    .description('list roles')
    .action(async () => {
      const items = await ctx.getClient().roles.list();
      print(ctx.io, ctx.globals().format, items, () =>
        renderTable(
          items,
          [
            { header: 'NAME', value: (r) => r.name },
            { header: 'BUILT-IN', value: (r) => (r.builtin ? 'yes' : '') },
            { header: 'POLICIES', value: (r) => r.policies.join(',') },
            { header: 'DESCRIPTION', value: (r) => r.description ?? '' },
          ],
          ctx.io.color,
        ),
      );
    });
  roles
    .command('put')
    .description('create or replace a custom role')
    .argument('<name>')
    .requiredOption('--policy <name...>', 'policies the role bundles (repeatable)')
    .option('--description <text>', 'what the role is for')
    .addHelpText(
      'after',
      `
Example:
  keyhaven roles put billing-dev --policy billing-read --policy billing-staging-write`,
    )
    .action(async (name: string, o: { policy: string[]; description?: string }) => {
      const r = await ctx.getClient().roles.put(name, { description: o.description, policies: o.policy });
      print(ctx.io, ctx.globals().format, r, () => `Saved role ${r.name} (${r.policies.join(', ')})\n`);
    });
  roles
    .command('delete')
    .description('delete a custom role no token holds')
    .argument('<name>')
    .action(async (name: string) => {
      const r = await ctx.getClient().roles.delete(name);
      print(ctx.io, ctx.globals().format, r, () => `Deleted role ${r.name}\n`);
    });
};
