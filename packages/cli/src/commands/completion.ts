// `keyhaven completion bash|zsh|fish`: a completion script generated from the command tree (commands,
// subcommands, aliases and long options), so it can never list a command that does not exist.
import { Argument, type Command } from 'commander';
import type { CommandContext } from '../context.js';

interface Node {
  path: string[];
  subs: string[];
  options: string[];
}

const walk = (cmd: Command, path: string[] = []): Node[] => {
  const options = [...cmd.options.map((o) => o.long).filter((x): x is string => Boolean(x)), '--help'];
  const subs = cmd.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  return [{ path, subs, options }, ...cmd.commands.flatMap((c) => walk(c, [...path, c.name()]))];
};

const rootOf = (cmd: Command) => {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
};

const bash = (nodes: Node[], globals: string[]) => `# keyhaven bash completion: eval "$(keyhaven completion bash)"
_keyhaven() {
  local cur path w
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$w" in -*) ;; *) path="\${path:+$path }$w" ;; esac
  done
  local words=""
  case "$path" in
${nodes.map((n) => `    ${JSON.stringify(n.path.join(' '))}) words=${JSON.stringify([...n.subs, ...n.options, ...globals].join(' '))} ;;`).join('\n')}
    *) words=${JSON.stringify(globals.join(' '))} ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _keyhaven keyhaven
`;

const zsh = (nodes: Node[], globals: string[]) =>
  `#compdef keyhaven
# keyhaven zsh completion: keyhaven completion zsh > "\${fpath[1]}/_keyhaven"
${bash(nodes, globals).replace(/^# .*\n/, '')}`.replace(
    'complete -o default -F _keyhaven keyhaven',
    'autoload -U +X bashcompinit && bashcompinit\ncomplete -o default -F _keyhaven keyhaven',
  );

const fish = (nodes: Node[], globals: string[]) =>
  [
    '# keyhaven fish completion: keyhaven completion fish > ~/.config/fish/completions/keyhaven.fish',
    'complete -c keyhaven -f',
    ...globals.map((g) => `complete -c keyhaven -l ${g.slice(2)}`),
    ...nodes.flatMap((n) => {
      const cond = n.path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}`;
      return [
        ...n.subs.map((s) => `complete -c keyhaven -n '${cond}' -a ${s}`),
        ...n.options.map((o) => `complete -c keyhaven -n '${cond}' -l ${o.slice(2)}`),
      ];
    }),
  ].join('\n') + '\n';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

export const registerCompletionCommand = (program: Command, ctx: CommandContext) =>
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'shell').choices(SHELLS))
    .addHelpText(
      'after',
      `
Examples:
  eval "$(keyhaven completion bash)"
  keyhaven completion zsh > "\${fpath[1]}/_keyhaven"
  keyhaven completion fish > ~/.config/fish/completions/keyhaven.fish`,
    )
    .action((shell: (typeof SHELLS)[number], _o: unknown, cmd: Command) => {
      const root = rootOf(cmd);
      const nodes = walk(root);
      const globals = nodes[0].options.filter((o) => o !== '--help');
      const render = { bash, zsh, fish }[shell];
      ctx.io.out(
        render(
          nodes.map((n, i) => (i === 0 ? { ...n, options: ['--help'] } : n)),
          globals,
        ),
      );
    });
