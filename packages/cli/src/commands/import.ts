// `keyhaven import FILE.env [--prefix P] [--dry-run] [--overwrite]`: seeds secrets from a dotenv file
// (local development flow, migration from .env); reports created / updated / unchanged / skipped.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KeyhavenApiError, type KeyhavenClient } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { parseDotenv } from '../delivery/dotenv.js';
import { print, renderTable } from '../output.js';

type Outcome = 'created' | 'updated' | 'unchanged' | 'skipped';
interface ImportOptions {
  prefix?: string;
  dryRun?: boolean;
  overwrite?: boolean;
}

const currentValue = async (client: KeyhavenClient, name: string): Promise<{ exists: boolean; value?: unknown }> => {
  try {
    return { exists: true, value: (await client.secrets.get(name)).value };
  } catch (e) {
    if (e instanceof KeyhavenApiError && e.status === 404) return { exists: false };
    throw e;
  }
};

export const registerImportCommand = (program: Command, ctx: CommandContext) => {
  program
    .command('import')
    .description('create secrets from a .env file (KEY=value → <prefix>KEY)')
    .argument('<file>', 'dotenv file: comments, export, single/double quotes, escapes, multi-line quoted values')
    .option('--prefix <prefix>', 'secret name prefix, e.g. apps/web/ (KEY becomes apps/web/KEY)', '')
    .option('--dry-run', 'show what would change without writing')
    .option('--overwrite', 'write a new version when an existing secret has a different value')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven import .env --prefix apps/web/dev/ --dry-run
  keyhaven import .env --prefix apps/web/dev/ --overwrite`,
    )
    .action(async (file: string, o: ImportOptions) => {
      const pairs = parseDotenv(readFileSync(file, 'utf8'), file);
      const client = ctx.getClient();
      const rows: Array<{ name: string; outcome: Outcome; version?: number }> = [];
      for (const [key, value] of pairs) {
        const name = `${o.prefix ?? ''}${key}`;
        const cur = await currentValue(client, name);
        let outcome: Outcome;
        if (!cur.exists) outcome = 'created';
        else if (cur.value === value) outcome = 'unchanged';
        else outcome = o.overwrite ? 'updated' : 'skipped';
        let version: number | undefined;
        if (!o.dryRun && (outcome === 'created' || outcome === 'updated')) version = (await client.secrets.set(name, value)).version;
        rows.push({ name, outcome, version });
      }
      const counts = Object.fromEntries(
        (['created', 'updated', 'unchanged', 'skipped'] as Outcome[]).map((k) => [k, rows.filter((r) => r.outcome === k).length]),
      );
      print(
        ctx.io,
        ctx.globals().format,
        { dry_run: Boolean(o.dryRun), counts, items: rows },
        () =>
          renderTable(rows, [
            { header: 'NAME', value: (r) => r.name },
            { header: o.dryRun ? 'WOULD BE' : 'RESULT', value: (r) => r.outcome },
            { header: 'VERSION', value: (r) => r.version },
          ]) +
          `${o.dryRun ? 'dry run: ' : ''}${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.skipped} skipped${counts.skipped ? ' (exist with another value; add --overwrite)' : ''}\n`,
      );
    });
};
