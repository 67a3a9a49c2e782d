// `keyhaven rotate NAME | --due | --emergency …` and `keyhaven rollback NAME`: manual, due, emergency
// (single or by selector, with dry run and confirmation) rotations, with a progress bar on stderr.
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { print, renderTable } from '../output.js';

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

const rows = (items: Row[]) => renderTable(items, [
  { header: 'SECRET', value: (r) => r.secret_name },
  { header: 'STATUS', value: (r) => r.status },
  { header: 'VERSION', value: (r) => r.new_version ?? '' },
  { header: 'ERROR', value: (r) => (r.error ? `${r.error.code}: ${r.error.message}` : '') },
]);

export const registerRotateCommands = (program: Command, ctx: CommandContext) => {
  program.command('rotate')
    .description('rotate a secret now; --due rotates every due secret; --emergency revokes the old credentials at once')
    .argument('[name]', 'secret to rotate')
    .option('--due', 'rotate every secret that is due')
    .option('--dry-run', 'only list what would rotate')
    .option('--emergency', 'emergency rotation (old credentials revoked at once)')
    .option('--value-stdin', 'emergency: read the new value from stdin instead of generating one')
    .option('--reason <text>', 'why (kept in history and audit)')
    .option('--tag <tag>', 'emergency: every secret with this tag')
    .option('--service <service>', 'emergency: every secret of this service')
    .option('--provider <provider>', 'emergency: every secret registered with this provider')
    .option('--all', 'emergency: every secret of the tenant')
    .option('--yes', 'emergency by selector: skip the confirmation prompt')
    .option('--concurrency <n>', 'rotations at once for --due', '4')
    .addHelpText('after', `
Examples:
  keyhaven rotate openai-api-key
  keyhaven rotate --due --dry-run
  keyhaven rotate --emergency compromised-api-key --reason "leaked in CI log"
  printf %s "$NEW" | keyhaven rotate --emergency compromised-api-key --value-stdin
  keyhaven rotate --emergency --tag payments --dry-run
  keyhaven rotate --emergency --tag payments --yes --format json`)
    .action(async (name: string | undefined, o: { due?: boolean; dryRun?: boolean; emergency?: boolean; valueStdin?: boolean; reason?: string; tag?: string; service?: string; provider?: string; all?: boolean; yes?: boolean; concurrency: string }) => {
      const client = ctx.getClient();
      const format = ctx.globals().format;
      const bar = progressBar((s) => ctx.io.err(s), Boolean(process.stderr.isTTY) && format !== 'json');
      const selector = o.tag ? { tag: o.tag } : o.service ? { service: o.service } : o.provider ? { provider: o.provider } : o.all ? { all: true as const } : null;
      if (o.due) {
        if (name || o.emergency) throw new UsageError('--due takes no NAME and no --emergency.');
        const due = await client.rotation.due();
        const names = due.items.map((i) => i.secret_name);
        if (o.dryRun) return print(ctx.io, format, { dry_run: true, count: names.length, secrets: names }, () => (names.length ? names.join('\n') + '\n' : 'Nothing is due.\n'));
        const out: Row[] = [];
        let next = 0;
        const worker = async () => {
          while (next < names.length) {
            const n = names[next++]!;
            out.push(await client.rotation.rotate(n, { method: 'automatic', reason: o.reason }).then(
              (r) => ({ secret_name: n, status: r.status, new_version: r.new_version }),
              (e: { code?: string; message?: string }) => ({ secret_name: n, status: 'failed', error: { code: e.code ?? 'ERROR', message: e.message ?? '' } }),
            ));
            bar.update(out.length, names.length);
          }
        };
        await Promise.all(Array.from({ length: Math.max(1, Math.min(Number(o.concurrency) || 4, names.length)) }, worker));
        const failed = out.filter((r) => r.status !== 'success').length;
        print(ctx.io, format, { count: names.length, succeeded: names.length - failed, failed, results: out }, () => (out.length ? rows(out) : 'Nothing is due.\n'));
        if (failed) process.exitCode = 1;
        return;
      }
      if (o.emergency && selector) {
        if (name) throw new UsageError('Give either NAME or a selector (--tag, --service, --provider, --all), not both.');
        const plan = await client.rotation.emergencyRotateBulk(selector, { dryRun: true });
        if (o.dryRun) return print(ctx.io, format, plan, () => `${plan.count} secret(s) would be emergency-rotated:\n${(plan.secrets ?? []).join('\n')}\n`);
        if (!o.yes) {
          if (!ctx.io.stdinIsTTY) throw new UsageError(`This would emergency-rotate ${plan.count} secret(s); pass --yes to confirm.`);
          const answer = await ctx.io.ask(`Emergency-rotate ${plan.count} secret(s) and revoke their old credentials? Type "yes": `);
          if (answer.trim() !== 'yes') throw new UsageError('Not confirmed; nothing was rotated.');
        }
        bar.update(0, plan.count);
        const r = await client.rotation.emergencyRotateBulk(selector, { confirm: true, reason: o.reason });
        bar.update(plan.count, plan.count);
        print(ctx.io, format, r, () => rows((r.results ?? []) as Row[]) + `${r.succeeded}/${r.count} rotated\n`);
        if (r.failed) process.exitCode = 1;
        return;
      }
      if (!name) throw new UsageError('Give the NAME of the secret to rotate (or --due, or --emergency with a selector).');
      if (o.valueStdin && !o.emergency) throw new UsageError('--value-stdin applies to --emergency only.');
      const newValue = o.valueStdin ? (await ctx.io.readStdin()).replace(/\r?\n$/, '') : undefined;
      if (o.valueStdin && !newValue) throw new UsageError('stdin was empty: pipe the new value in.');
      const r = o.emergency ? await client.rotation.emergencyRotate(name, { newValue, reason: o.reason }) : await client.rotation.rotate(name, { reason: o.reason });
      print(ctx.io, format, r, () => `${o.emergency ? 'Emergency-rotated' : 'Rotated'} ${name}: version ${r.previous_version ?? '-'} → ${r.new_version} (${r.status})\n`);
    });

  program.command('rollback')
    .description('roll a secret back to its previous version (set on the target too)')
    .argument('<name>', 'secret to roll back')
    .option('--reason <text>', 'why')
    .addHelpText('after', `
Example:
  keyhaven rollback pg/app --reason "new password broke the reporting job"`)
    .action(async (name: string, o: { reason?: string }) => {
      const r = await ctx.getClient().rotation.rollback(name, o);
      print(ctx.io, ctx.globals().format, r, () => `Rolled back ${name} to the value of version ${r.restored_from_version} (now version ${r.new_version})\n`);
    });
};
