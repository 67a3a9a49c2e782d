// The key-name template of sync destinations: a tiny, documented syntax rendered without eval.
//   literal text and {{var|filter|filter...}} where var is one of
//     name      the full Keyhaven secret name            (apps/db/password)
//     relative  the name without the destination prefix (db/password for prefix apps/)
//     basename  the last path segment                    (password)
//   filters: replace:<from>:<to> (every occurrence, literal), upper, lower, trim_prefix:<text>
//   e.g. `{{name}}`, `prod-{{name|replace:/:-}}`, `APP_{{relative|replace:/:_|replace:-:_|upper}}`.
import { fail } from '../../lib/errors.js';

type Filter = { op: 'replace'; from: string; to: string } | { op: 'upper' } | { op: 'lower' } | { op: 'trim_prefix'; text: string };
type Part = { lit: string } | { var: 'name' | 'relative' | 'basename'; filters: Filter[] };
export interface CompiledTemplate {
  source: string;
  parts: Part[];
}

const VARS = new Set(['name', 'relative', 'basename']);
const invalid = (source: string, problem: string) =>
  fail(
    'SYNC_TEMPLATE_INVALID',
    `The key-name template ${JSON.stringify(source.slice(0, 200))} is invalid: ${problem}. Use {{name}}, {{relative}} or {{basename}} with filters replace:<from>:<to>, upper, lower, trim_prefix:<text>.`,
  );

const parseFilter = (source: string, raw: string): Filter => {
  const [op, ...args] = raw.split(':');
  switch (op) {
    case 'replace':
      if (args.length !== 2 || args[0] === '') throw invalid(source, `"replace" takes two arguments, replace:<from>:<to>`);
      return { op: 'replace', from: args[0]!, to: args[1]! };
    case 'upper':
    case 'lower':
      if (args.length) throw invalid(source, `"${op}" takes no argument`);
      return { op };
    case 'trim_prefix':
      if (args.length !== 1) throw invalid(source, '"trim_prefix" takes one argument');
      return { op: 'trim_prefix', text: args[0]! };
    default:
      throw invalid(source, `unknown filter "${String(op).slice(0, 40)}"`);
  }
};

export const compileTemplate = (source: string): CompiledTemplate => {
  if (source.length === 0 || source.length > 512) throw invalid(source, 'it must be 1 to 512 characters');
  const parts: Part[] = [];
  let rest = source;
  while (rest.length) {
    const open = rest.indexOf('{{');
    if (open === -1) {
      if (rest.includes('}}')) throw invalid(source, 'a "}}" has no matching "{{"');
      parts.push({ lit: rest });
      break;
    }
    if (open > 0) {
      if (rest.slice(0, open).includes('}}')) throw invalid(source, 'a "}}" has no matching "{{"');
      parts.push({ lit: rest.slice(0, open) });
    }
    const close = rest.indexOf('}}', open + 2);
    if (close === -1) throw invalid(source, 'a "{{" is not closed');
    const [head, ...filters] = rest
      .slice(open + 2, close)
      .split('|')
      .map((x) => x.trim());
    if (!head || !VARS.has(head)) throw invalid(source, `unknown variable "${String(head).slice(0, 40)}"`);
    parts.push({ var: head as 'name', filters: filters.map((f) => parseFilter(source, f)) });
    rest = rest.slice(close + 2);
  }
  if (!parts.some((p) => 'var' in p))
    throw invalid(source, 'it must use {{name}}, {{relative}} or {{basename}}, or every secret would get the same remote name');
  return { source, parts };
};

const apply = (value: string, f: Filter): string => {
  switch (f.op) {
    case 'replace':
      return value.split(f.from).join(f.to);
    case 'upper':
      return value.toUpperCase();
    case 'lower':
      return value.toLowerCase();
    case 'trim_prefix':
      return value.startsWith(f.text) ? value.slice(f.text.length) : value;
  }
};

export const renderTemplate = (t: CompiledTemplate, name: string, prefix = ''): string =>
  t.parts
    .map((p) => {
      if ('lit' in p) return p.lit;
      const base =
        p.var === 'name'
          ? name
          : p.var === 'relative'
            ? name.startsWith(prefix)
              ? name.slice(prefix.length)
              : name
            : name.slice(name.lastIndexOf('/') + 1);
      return p.filters.reduce(apply, base);
    })
    .join('');

/** The Keyhaven name a remote name came from, for templates that can be reversed (one {{name}} or
 *  {{relative}} with only replace filters between literals); null when it cannot be told. */
export const invertTemplate = (t: CompiledTemplate, remote: string, prefix = ''): string | null => {
  const vars = t.parts.filter((p): p is Extract<Part, { var: string }> => 'var' in p);
  if (vars.length !== 1 || vars[0]!.var === 'basename' || vars[0]!.filters.some((f) => f.op !== 'replace')) return null;
  const i = t.parts.indexOf(vars[0]!);
  const before = t.parts
    .slice(0, i)
    .map((p) => (p as { lit: string }).lit)
    .join('');
  const after = t.parts
    .slice(i + 1)
    .map((p) => (p as { lit: string }).lit)
    .join('');
  if (!remote.startsWith(before) || !remote.endsWith(after) || remote.length < before.length + after.length) return null;
  let core = remote.slice(before.length, remote.length - after.length);
  for (const f of [...vars[0]!.filters].reverse()) if (f.op === 'replace') core = core.split(f.to).join(f.from);
  return vars[0]!.var === 'relative' ? prefix + core : core;
};
