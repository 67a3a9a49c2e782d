// Parses and prints .env files while keeping comments, blank lines and key order. Follows the
// dotenv conventions: `export` prefix, '…' literal, "…" with \n \r \t \" \\ escapes, `…`, multi-line quotes.

export type DotenvEntry = { type: 'raw'; text: string } | { type: 'kv'; key: string; value: string; text: string };

const KV = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;

const unescapeDouble = (s: string) =>
  s.replace(/\\(.)/gs, (_m, c: string) => ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' })[c] ?? `\\${c}`);

/** Finds the closing quote in `s` starting after index 0; returns its index or -1. */
const closing = (s: string, q: string): number => {
  for (let i = 1; i < s.length; i++) {
    if (q === '"' && s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === q) return i;
  }
  return -1;
};

export const parseDotenv = (text: string): DotenvEntry[] => {
  const lines = text.split(/(?<=\n)/); // keep line endings
  const out: DotenvEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = KV.exec(line.replace(/\r?\n$/, ''));
    if (!m) {
      out.push({ type: 'raw', text: line });
      continue;
    }
    const [, key, rest] = m;
    const q = rest[0];
    if (q === '"' || q === "'" || q === '`') {
      // the quoted value may continue over following lines
      let joined = rest;
      let j = i;
      let end = closing(joined, q);
      while (end === -1 && j + 1 < lines.length) {
        j++;
        joined += '\n' + lines[j].replace(/\r?\n$/, '');
        end = closing(joined, q);
      }
      const tail = end === -1 ? '' : joined.slice(end + 1).trim();
      if (end !== -1 && (tail === '' || tail.startsWith('#'))) {
        const inner = joined.slice(1, end);
        const value = q === '"' ? unescapeDouble(inner) : inner;
        out.push({ type: 'kv', key, value, text: lines.slice(i, j + 1).join('') });
        i = j;
        continue;
      }
    }
    const value = rest
      .replace(/\s+#.*$/, '')
      .replace(/^#.*$/, '')
      .trim();
    out.push({ type: 'kv', key, value, text: line });
  }
  return out;
};

/** Prints one assignment, choosing the quoting that round-trips the value through common dotenv parsers. */
export const formatAssignment = (key: string, value: string): string => {
  if (/^[A-Za-z0-9_.,:/@%+=-]*$/.test(value)) return `${key}=${value}`;
  if (!value.includes("'") && !/[\r\n]/.test(value)) return `${key}='${value}'`;
  if (!value.includes('`') && !/\\/.test(value) && !/\r/.test(value)) return `${key}=\`${value}\``;
  const esc = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return `${key}="${esc}"`;
};

export const getEntry = (entries: DotenvEntry[], key: string) =>
  [...entries].reverse().find((e): e is Extract<DotenvEntry, { type: 'kv' }> => e.type === 'kv' && e.key === key);

/** Sets `key` in place (the last assignment wins, as in dotenv) or appends it. */
export const setEntry = (entries: DotenvEntry[], key: string, value: string): DotenvEntry[] => {
  const existing = getEntry(entries, key);
  const eol = existing?.text.endsWith('\r\n') ? '\r\n' : '\n';
  const fresh: DotenvEntry = { type: 'kv', key, value, text: formatAssignment(key, value) + eol };
  if (existing) return entries.map((e) => (e === existing ? fresh : e));
  const last = entries[entries.length - 1];
  const fix = last && !last.text.endsWith('\n') ? [...entries.slice(0, -1), { ...last, text: last.text + '\n' }] : entries;
  return [...fix, fresh];
};

export const removeEntry = (entries: DotenvEntry[], key: string): DotenvEntry[] =>
  entries.filter((e) => !(e.type === 'kv' && e.key === key));

export const printDotenv = (entries: DotenvEntry[]): string => entries.map((e) => e.text).join('');
