// `keyhaven export --format dotenv|json|yaml|k8s-secret|docker-secrets|dir`: writes the selected
// secrets for other tools; files are written atomically with mode 0600, `dir` swaps a kubelet-style
// `..data` symlink so readers never see a half-written set.
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { collect } from '../parse.js';
import { fetchValues, resolveNames } from '../delivery/fetch-secrets.js';
import { writeDirAtomic, writeFileAtomic } from '../delivery/atomic.js';
import { EXPORT_FORMATS, fileMap, renderExport, type ExportFormat } from '../delivery/formats.js';

interface ExportOptions {
  prefix?: string;
  select?: string[];
  output?: string;
  name?: string;
  namespace?: string;
}

export const registerExportCommand = (program: Command, ctx: CommandContext) => {
  // `--format` is a global option with the output choices of other commands: admit the export-only ones.
  const globalFormat = program.options.find((opt) => opt.long === '--format');
  if (globalFormat?.argChoices) globalFormat.argChoices = [...new Set([...globalFormat.argChoices, ...EXPORT_FORMATS])];
  program
    .command('export')
    .description('export secrets as dotenv, json, yaml, a Kubernetes Secret, Docker secret files or an atomic directory')
    .option('--prefix <prefix>', 'every secret under this path (names below it become keys)')
    .option('--select <name-or-glob>', 'a secret name or glob; repeatable', collect)
    .option('-o, --output <path>', 'file (dotenv/json/yaml/k8s-secret) or directory (dir/docker-secrets); default stdout')
    .option('--name <name>', 'metadata.name of the Kubernetes Secret (default from --prefix)')
    .option('--namespace <ns>', 'metadata.namespace of the Kubernetes Secret')
    .addHelpText(
      'after',
      `
Keys follow the naming rule of "keyhaven run" (path below --prefix or last segment, upper-cased,
JSON fields as NAME_FIELD); json and yaml keep full secret names and values.

Examples:
  keyhaven export --format dotenv --prefix apps/web/ > .env
  keyhaven export --format k8s-secret --prefix apps/web/ --name web-secrets | kubectl apply -f -
  keyhaven export --format dir --prefix apps/web/ --output /run/keyhaven/web
  keyhaven export --format docker-secrets --prefix apps/web/ --output ./secrets`,
    )
    .action(async (o: ExportOptions, cmd: Command) => {
      const rawFormat = (cmd.optsWithGlobals() as { format?: string }).format;
      if (!rawFormat || !(EXPORT_FORMATS as readonly string[]).includes(rawFormat))
        throw new UsageError(`Choose --format ${EXPORT_FORMATS.join('|')}.`);
      const format = rawFormat as ExportFormat;
      const client = ctx.getClient();
      const secrets = await fetchValues(client, await resolveNames(client, { prefix: o.prefix, select: o.select }));
      if (format === 'dir' || format === 'docker-secrets') {
        if (!o.output) throw new UsageError(`--format ${format} writes files: give --output DIR.`);
        const files = fileMap(format, secrets, o.prefix);
        if (format === 'dir') {
          const stamp = writeDirAtomic(o.output, files);
          ctx.io.err(`wrote ${Object.keys(files).length} files to ${o.output} (${stamp})\n`);
        } else {
          mkdirSync(o.output, { recursive: true, mode: 0o700 });
          for (const [k, v] of Object.entries(files)) writeFileAtomic(path.join(o.output, k), v);
          for (const f of readdirSync(o.output))
            if (!(f in files) && !f.startsWith('.')) {
              try {
                unlinkSync(path.join(o.output, f));
              } catch {
                /* raced */
              }
            }
          ctx.io.err(`wrote ${Object.keys(files).length} files to ${o.output}\n`);
        }
        return;
      }
      const text = renderExport(format, secrets, o);
      if (o.output) writeFileAtomic(o.output, text);
      else ctx.io.out(text);
    });
};
