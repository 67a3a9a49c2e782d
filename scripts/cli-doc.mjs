// Renders docs/cli-reference.md from the built CLI's own help: every command and subcommand, its
// usage, options and examples, exactly as `keyhaven <command> --help` prints them (width 100).
import { buildProgram } from '../packages/cli/dist/program.js';

const silentIo = () => ({
  out: () => {},
  err: () => {},
  stdinIsTTY: false,
  stdoutIsTTY: false,
  color: false,
  ask: async () => '',
  readStdin: async () => '',
});

const helpOf = (cmd, _root) => {
  let text = '';
  // Global options are listed once, under `keyhaven`, not again under every command.
  cmd.configureHelp({ ...cmd.configureHelp(), helpWidth: 100, showGlobalOptions: false });
  cmd.configureOutput({
    ...cmd.configureOutput(),
    writeOut: (s) => {
      text += s;
    },
    writeErr: (s) => {
      text += s;
    },
    getOutHelpWidth: () => 100,
    getErrHelpWidth: () => 100,
  });
  cmd.outputHelp();
  return text.replace(/[ \t]+$/gm, '').trimEnd();
};

const pathOf = (cmd) => {
  const names = [];
  for (let c = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
};

export const renderCliReference = () => {
  const program = buildProgram(silentIo());
  const out = [
    '# `keyhaven` command reference',
    '',
    "Generated from the CLI's own `--help` by `npm run docs:cli` (a test fails when it drifts from the",
    'built CLI). For a guided tour with examples see [cli.md](cli.md).',
    '',
  ];
  const walk = (cmd, depth) => {
    const subs = cmd.commands.filter((c) => c.name() !== 'help');
    if (depth > 0) {
      out.push(`${'#'.repeat(Math.min(depth + 1, 4))} \`${pathOf(cmd)}\``, '', '```text', helpOf(cmd), '```', '');
    } else {
      out.push('## `keyhaven`', '', '```text', helpOf(cmd, true), '```', '');
    }
    for (const s of subs) walk(s, depth + 1);
  };
  walk(program, 0);
  return out.join('\n');
};

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(new URL('../docs/cli-reference.md', import.meta.url), renderCliReference() + '\n');
  console.log('docs/cli-reference.md written');
}
