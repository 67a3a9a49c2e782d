// `keyhaven rotate NAME | --due | --emergency …` and `keyhaven rollback NAME`: manual, due, emergency
// (single or by selector, with dry run and confirmation) rotations, with a progress bar on stderr.
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { raiseExitCode } from '../exit-code.js';
import { print, renderTable } from '../output.js';
import type { RotationSelector as Selector } from '@keyhaven/sdk';

type Row = { secret_name: string; status: string; new_version?: number | null; error?: { code: string; message: string } };

/** A one-line progress bar on stderr, only when stderr is a terminal. */
export const progressBar = (write: (s: string) => void, enabled: boolean) => ({
  update(done: number, total: number) {
    if (!enabled || total === 0) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    if (done === total) write('\n');
  },
});

const rows = (items: Row[]) =>
  renderTable(items, [
    { header: 'SECRET', value: (r) => r.secret_name },
    { header: 'STATUS', value: (r) => r.status },
    { header: 'VERSION', value: (r) => r.new_version ?? '' },
    { header: 'ERROR', value: (r) => (r.error ? `${r.error.code}: ${r.error.message}` : '') },
  ]);

export const registerRotateCommands = (program: Command, ctx: CommandContext) => {
  program
    .command('rotate')
    .description('rotate a secret now; --due rotates every due secret; --emergency revokes the old credentials at once')
    .argument('[name]', 'secret to rotate')
    .option('--due', 'rotate every secret that is due')
    .option('--dry-run', 'only list what would rotate')
    .option('--emergency', 'emergency rotation (old credentials revoked at once)')
    .option('--value-stdin', 'emergency: read the new value from stdin instead of generating one')
    .option('--reason <text>', 'why (kept in history and audit)')
    .option('--tag <tag>', 'emergency: secrets with this tag')
    .option('--service <service>', 'emergency: secrets of this service')
    .option('--provider <provider>', 'emergency: secrets registered with this provider')
    .option('--type <type>', 'emergency: secrets of this type (api_key, password, database_credentials, …)')
    .option('--prefix <prefix>', 'emergency: secrets whose name starts with this')
    .option('--criticality <level>', 'emergency: secrets of this criticality (low, medium, high, critical)')
    .option('--all', 'emergency: every registered secret of the tenant')
    .option(
      '--include-unregistered',
      'emergency by selector: also take secrets not registered for rotation (their values are replaced by generated ones)',
    )
    .option('--yes', 'emergency by selector: skip the confirmation prompt')
    .option('--concurrency <n>', 'rotations at once for --due', '4')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven rotate openai-api-key
  keyhaven rotate --due --dry-run
  keyhaven rotate --emergency compromised-api-key --reason "leaked in CI log"
  printf %s "$NEW" | keyhaven rotate --emergency compromised-api-key --value-stdin
  keyhaven rotate --emergency --tag payments --dry-run
  keyhaven rotate --emergency --tag payments --yes --format json
  keyhaven rotate --emergency --type password --criticality critical --dry-run

Selector options combine (a secret must match all of them). Only secrets registered for rotation are
taken; --include-unregistered also takes the others, replacing their values with generated ones.`,
    )
    .action(
      async (
        name: string | undefined,
        o: {
          due?: boolean;
          dryRun?: boolean;
          emergency?: boolean;
          valueStdin?: boolean;
          reason?: string;
          tag?: string;
          service?: string;
          provider?: string;
          type?: string;
          prefix?: string;
          criticality?: string;
          all?: boolean;
          includeUnregistered?: boolean;
          yes?: boolean;
          concurrency: string;
        },
      ) => {
        const client = ctx.getClient();
        const format = ctx.globals().format;
        const bar = progressBar((s) => ctx.io.err(s), Boolean(process.stderr.isTTY) && format !== 'json');
        const criteria = {
          tag: o.tag,
          service: o.service,
          provider: o.provider,
          type: o.type,
          prefix: o.prefix,
          criticality: o.criticality,
        };
        const given = Object.fromEntries(Object.entries(criteria).filter(([, v]) => v !== undefined)) as Selector;
        const selector: Selector | null =
          Object.keys(given).length > 0 || o.all
            ? { ...given, ...(o.all ? { all: true as const } : {}), ...(o.includeUnregistered ? { include_unregistered: true } : {}) }
            : null;
        if (o.includeUnregistered && !selector) throw new UsageError('--include-unregistered applies to --emergency with a selector.');
        if (o.due) {
          if (name || o.emergency) throw new UsageError('--due takes no NAME and no --emergency.');
          const due = await client.rotation.due();
          const names = due.items.map((i) => i.secret_name);
          if (o.dryRun)
            return print(ctx.io, format, { dry_run: true, count: names.length, secrets: names }, () =>
              names.length ? names.join('\n') + '\n' : 'Nothing is due.\n',
            );
          const out: Row[] = [];
          let next = 0;
          const worker = async () => {
            while (next < names.length) {
              const n = names[next++]!;
              out.push(
                await client.rotation.rotate(n, { method: 'automatic', reason: o.reason }).then(
                  (r) => ({ secret_name: n, status: r.status, new_version: r.new_version }),
                  (e: { code?: string; message?: string }) => ({
                    secret_name: n,
                    status: 'failed',
                    error: { code: e.code ?? 'ERROR', message: e.message ?? '' },
                  }),
                ),
              );
              bar.update(out.length, names.length);
            }
          };
          await Promise.all(Array.from({ length: Math.max(1, Math.min(Number(o.concurrency) || 4, names.length)) }, worker));
          const failed = out.filter((r) => r.status !== 'success').length;
          print(ctx.io, format, { count: names.length, succeeded: names.length - failed, failed, results: out }, () =>
            out.length ? rows(out) : 'Nothing is due.\n',
          );
          if (failed) raiseExitCode(1);
          return;
        }
        if (o.emergency && selector) {
          if (name)
            throw new UsageError(
              'Give either NAME or a selector (--tag, --service, --provider, --type, --prefix, --criticality, --all), not both.',
            );
          const plan = await client.rotation.emergencyRotateBulk(selector, { dryRun: true });
          const leftOut = plan.unregistered_left_out
            ? `(${plan.unregistered_left_out} matching secret(s) not registered for rotation were left out; --include-unregistered takes them too)\n`
            : '';
          if (o.dryRun) {
            return print(
              ctx.io,
              format,
              plan,
              () =>
                `${plan.count} secret(s) would be emergency-rotated:\n${(plan.items ?? []).map((i) => `${i.name}${i.registered ? '' : '  (not registered: a generated value replaces it)'}`).join('\n')}${plan.count ? '\n' : ''}${leftOut}`,
            );
          }
          if (plan.count === 0)
            return print(
              ctx.io,
              format,
              { ...plan, dry_run: false, succeeded: 0, failed: 0, results: [] },
              () => `Nothing matches; nothing was rotated.\n${leftOut}`,
            );
          if (!o.yes) {
            if (!ctx.io.stdinIsTTY) throw new UsageError(`This would emergency-rotate ${plan.count} secret(s); pass --yes to confirm.`);
            const answer = await ctx.io.ask(`Emergency-rotate ${plan.count} secret(s) and revoke their old credentials? Type "yes": `);
            if (answer.trim() !== 'yes') throw new UsageError('Not confirmed; nothing was rotated.');
          }
          bar.update(0, plan.count);
          const r = await client.rotation.emergencyRotateBulk(selector, { confirm: true, reason: o.reason });
          bar.update(plan.count, plan.count);
          print(ctx.io, format, r, () => rows((r.results ?? []) as Row[]) + `${r.succeeded}/${r.count} rotated\n`);
          if (r.failed) raiseExitCode(1);
          return;
        }
        if (!name) throw new UsageError('Give the NAME of the secret to rotate (or --due, or --emergency with a selector).');
        if (o.valueStdin && !o.emergency) throw new UsageError('--value-stdin applies to --emergency only.');
        const newValue = o.valueStdin ? (await ctx.io.readStdin()).replace(/\r?\n$/, '') : undefined;
        if (o.valueStdin && !newValue) throw new UsageError('stdin was empty: pipe the new value in.');
        const r = o.emergency
          ? await client.rotation.emergencyRotate(name, { newValue, reason: o.reason })
          : await client.rotation.rotate(name, { reason: o.reason });
        print(
          ctx.io,
          format,
          r,
          () =>
            `${o.emergency ? 'Emergency-rotated' : 'Rotated'} ${name}: version ${r.previous_version ?? '-'} → ${r.new_version} (${r.status})\n`,
        );
      },
    );

  program
    .command('rollback')
    .description('roll a secret back to its previous version (set on the target too)')
    .argument('<name>', 'secret to roll back')
    .option('--reason <text>', 'why')
    .addHelpText(
      'after',
      `
Example:
  keyhaven rollback pg/app --reason "new password broke the reporting job"`,
    )
    .action(async (name: string, o: { reason?: string }) => {
      const r = await ctx.getClient().rotation.rollback(name, o);
      print(
        ctx.io,
        ctx.globals().format,
        r,
        () => `Rolled back ${name} to the value of version ${r.restored_from_version} (now version ${r.new_version})\n`,
      );
    });
};
