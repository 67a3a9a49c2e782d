// `keyhaven inject -i template -o output [--watch]`: renders `{{ keyhaven://name#field }}` references
// (provider references such as aws-sm:// through the server's GET /v1/references)
// in any text file; the output is written atomically with mode 0600; --watch re-renders on change.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KeyhavenApiError, subscribeSecretEvents, type KeyhavenClient } from '@keyhaven/sdk';
import type { CommandContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { parsePositiveInt } from '../parse.js';
import { writeFileAtomic } from '../delivery/atomic.js';
import { findReferences, renderTemplate, type Reference } from '../delivery/template.js';

interface InjectOptions {
  input: string;
  output?: string;
  watch?: boolean;
  watchInterval?: string;
}

/** keyhaven:// through the secrets API; provider references through GET /v1/references when the server has it. */
const resolverFor =
  (client: KeyhavenClient) =>
  async (r: Reference): Promise<unknown> => {
    if (r.scheme === 'keyhaven') {
      try {
        return (await client.secrets.get(r.name, { field: r.field })).value;
      } catch (e) {
        if (e instanceof KeyhavenApiError && e.status === 404) throw new CliError(`${e.message}`, EXIT.NOT_FOUND);
        throw e;
      }
    }
    try {
      return (await client.request<{ value: unknown }>('GET', '/v1/references', { query: { ref: r.ref } })).value;
    } catch (e) {
      if (e instanceof KeyhavenApiError && (e.code === 'ROUTE_NOT_FOUND' || e.status === 405)) {
        throw new CliError(`provider references (${r.scheme}://) are not supported by this server (no /v1/references endpoint).`);
      }
      if (e instanceof KeyhavenApiError && e.status === 404) throw new CliError(e.message, EXIT.NOT_FOUND);
      throw e;
    }
  };

export const registerInjectCommand = (program: Command, ctx: CommandContext) => {
  program
    .command('inject')
    .description('render {{ keyhaven://name#field }} references in a template file')
    .requiredOption('-i, --input <template>', 'template file')
    .option('-o, --output <file>', 'output file (written atomically, mode 0600); default stdout')
    .option('--watch', 'keep running and re-render when a referenced secret changes (needs --output)')
    .option('--watch-interval <seconds>', 'poll interval when the server has no event stream', '10')
    .addHelpText(
      'after',
      `
Examples:
  keyhaven inject -i config.yml.tpl -o config.yml
    # password: {{ keyhaven://apps/db#password }}
  keyhaven inject -i nginx.conf.tpl -o /etc/nginx/conf.d/app.conf --watch`,
    )
    .action(async (o: InjectOptions) => {
      const client = ctx.getClient();
      const template = readFileSync(o.input, 'utf8');
      const resolve = resolverFor(client);
      const render = async () => {
        const { text } = await renderTemplate(template, o.input, resolve);
        if (o.output) writeFileAtomic(o.output, text);
        else ctx.io.out(text);
        return text;
      };
      let last = await render();
      if (!o.watch) return;
      if (!o.output) throw new CliError('--watch needs --output.', EXIT.USAGE);
      const names = new Set(
        findReferences(template)
          .filter((r) => r.scheme === 'keyhaven')
          .map((r) => r.name),
      );
      const again = async () => {
        try {
          const { text } = await renderTemplate(template, o.input, resolve);
          if (text !== last) {
            writeFileAtomic(o.output!, text);
            last = text;
            ctx.io.err(`keyhaven inject: re-rendered ${o.output}\n`);
          }
        } catch (e) {
          ctx.io.err(`keyhaven inject: ${e instanceof Error ? e.message : 'render failed'}; keeping the previous output\n`);
        }
      };
      const sub = subscribeSecretEvents(client, (e) => {
        if (typeof e.data?.name === 'string' && names.has(e.data.name)) void again();
      });
      if (!(await sub.ready)) setInterval(() => void again(), parsePositiveInt('--watch-interval', o.watchInterval ?? '10') * 1000);
      await new Promise(() => {}); // runs until interrupted
    });
};
