// A dotenv parser for `run --env-file` and `import`: comments, `export ` prefixes, single quotes
// (literal), double quotes (escapes \n \r \t \" \\ \$, may span lines), unquoted values with inline
// ` #` comments. Errors name the line, never the value.
import { CliError } from '../errors.js';

export const parseDotenv = (text: string, file = '.env'): Array<[string, string]> => {
  const out: Array<[string, string]> = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s?(.*)$/.exec(line);
    if (!m) throw new CliError(`${file}:${lineNo}: expected NAME=value (names are letters, digits and _).`);
    const key = m[1]!;
    const rest = m[2]!.trimStart();
    let value: string;
    const q = rest[0];
    if (q === '"' || q === "'") {
      let body = rest.slice(1);
      let end = findClose(body, q);
      while (end < 0) {
        i++;
        if (i >= lines.length) throw new CliError(`${file}:${lineNo}: the quoted value of ${key} is never closed.`);
        body += '\n' + lines[i]!;
        end = findClose(body, q);
      }
      const raw = body.slice(0, end);
      const after = body.slice(end + 1).trim();
      if (after && !after.startsWith('#')) throw new CliError(`${file}:${lineNo}: unexpected text after the closing quote of ${key}.`);
      value = q === "'" ? raw : unescape(raw);
    } else {
      const hash = rest.search(/\s#/);
      value = (hash >= 0 ? rest.slice(0, hash) : rest).trim();
    }
    out.push([key, value]);
  }
  return out;
};

const findClose = (s: string, q: string): number => {
  for (let j = 0; j < s.length; j++) {
    if (q === '"' && s[j] === '\\') {
      j++;
      continue;
    }
    if (s[j] === q) return j;
  }
  return -1;
};

const ESC: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$', '`': '`' };
const unescape = (s: string) => s.replace(/\\(.)/gs, (all, c: string) => ESC[c] ?? all);
