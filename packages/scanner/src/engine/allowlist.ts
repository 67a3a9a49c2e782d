// Allowlists: placeholder/stopword detection for candidate values, inline ignore comments, and the
// user-configurable allowlist (path globs with gitignore semantics, value regexes, stopwords).
import ignore from 'ignore';

export interface AllowlistConfig {
  paths?: string[];
  regexes?: string[];
  stopwords?: string[];
}

export interface Allowlist {
  pathAllowed(path: string): boolean;
  valueAllowed(value: string): boolean;
}

// Placeholders are told from real values by shape: a template *expression* (`${VAR}`, `{{ var }}`,
// `<your-key>`, `%(name)s`, `$(cmd)`, `<%= ... %>`), a placeholder *word*, or a value that is mostly
// one repeated character. A lone `<`, `>`, `{` or `$` inside an otherwise random value (WordPress salts,
// generated passwords) is not a placeholder.
const PLACEHOLDER_WORDS = [
  'changeme',
  'change_me',
  'change-me',
  'changeit',
  'example',
  'dummy',
  'placeholder',
  'your_',
  'your-',
  'yourkey',
  'yourtoken',
  'yoursecret',
  'yourpassword',
  'redacted',
  'sample',
  'fake',
  'foobar',
  'replace_me',
  'replaceme',
  'replace_with',
  'replace-with',
  'replace-me',
  'insert_',
  'insert-',
  'insertyour',
  'todo',
  'notreal',
  'not_real',
  'not-real',
  'secret_here',
  'key_here',
  'token_here',
  'password_here',
  'here_',
  'mysecret',
  'my_secret',
  'mypassword',
  'my_password',
  'lorem',
  'ipsum',
  'xxxx',
  '****',
  '....',
  '____',
  '----',
  'process.env',
  'os.environ',
  'getenv',
  'env(',
  'secrets.',
  'vault:',
  'undefined',
];
const TEMPLATE = [
  /\$\{\{?\s*[\w.:\[\]'"|-]+(?:\s*(?::?[-=?+]|\|\|?)[^}]*)?\s*\}\}?/, // ${VAR} ${VAR:-x} ${{ secrets.X }}
  /\{\{-?\s*[.$\w][^{}]*\}\}/, // {{ var }} {{ .Values.x | b64enc }}
  /\{%-?\s*[\w][^{}]*%\}/, // {% tag %}
  /<%=?[^%]*%>/, // ERB
  /#\{[\w.@$:]+\}/, // Ruby interpolation
  /\$\([\w][\w ./:-]*\)/, // $(cmd) / $(MSBuildVar)
  /%\([\w.-]+\)[sd]/, // %(name)s
  /^%[\w.-]+%$/, // %VAR%
  /^@[\w.-]+@$/, // @VAR@
  /<[\s_-]*(?:your|my|the|insert|enter|put|replace|paste|add|an?)?[\s_-]*[a-z]*[\s_-]*(?:key|token|secret|pass(?:word|phrase)?|pwd|value|here|name|user(?:name)?|id|host|url|string|account|cred(?:ential)?s?)[\w\s-]*>/i,
  /^<[^<>\s]{1,40}>$/, // <anything> as the whole value
  /^\[[\w\s-]{1,40}\]$/, // [Shared access key goes here]
  /^\$\{[\w.]+(?::?[-=?+][^}]*)?$/, // ${VAR:?message with spaces} cut at the first space
  /^\$\{\?[\w.-]+\}$/, // HOCON optional substitution ${?DB_PASSWORD}
];

/** Words that, in brackets, name the value rather than being it. */
const BARE_WORDS = new Set([
  'value',
  'password',
  'passwd',
  'pass',
  'pwd',
  'secret',
  'token',
  'key',
  'apikey',
  'api_key',
  'api-key',
  'credentials',
]);

const INLINE_ALLOW = /keyhaven:allow|gitleaks:allow|pragma:\s*allowlist secret/i;

export const hasInlineAllow = (line: string): boolean => INLINE_ALLOW.test(line);

/** Values that are obviously not real secrets: templates, placeholders, repeated characters. */
export const isPlaceholder = (value: string): boolean => {
  const v = value.toLowerCase();
  for (const w of PLACEHOLDER_WORDS) if (v.includes(w)) return true;
  if (v === 'null' || v === 'nil' || v === 'none') return true;
  if (/^[$%@]\w+$/.test(value)) return true; // $VAR, %VAR, @var
  if (/^\$\{?[A-Za-z_]\w*\}?$/.test(value)) return true;
  if (/^\$\{?[A-Z_][A-Z0-9_]*\}?\//.test(value)) return true; // $BASE_URL/path: a variable, then a path
  // A word for the value itself next to a bracket (`[value]`, `<user:password>` as a rule cuts them).
  if (/^[[<(]|[\]>)]$/.test(value) && BARE_WORDS.has(v.replace(/^[[<(]+|[\]>)]+$/g, ''))) return true;
  for (const t of TEMPLATE) if (t.test(value)) return true;
  const distinct = new Set(value).size;
  if (value.length >= 8 && distinct <= 3) return true;
  const run = longestRun(value);
  if (run >= 8 && run * 3 >= value.length) return true; // mostly one repeated character
  if (/0123456789|abcdefghij|1234567890|qwertyuiop/i.test(value)) return true;
  return false;
};

const longestRun = (s: string): number => {
  let best = 0;
  let cur = 0;
  for (let i = 0; i < s.length; i++) {
    cur = i > 0 && s.charCodeAt(i) === s.charCodeAt(i - 1) ? cur + 1 : 1;
    if (cur > best) best = cur;
  }
  return best;
};

const compileRegex = (src: string): RegExp => {
  try {
    return new RegExp(src);
  } catch (e) {
    throw new Error(`invalid allowlist regex ${JSON.stringify(src)}: ${(e as Error).message}`);
  }
};

export const createAllowlist = (cfg: AllowlistConfig = {}): Allowlist => {
  const ig = ignore().add(cfg.paths ?? []);
  const regexes = (cfg.regexes ?? []).map(compileRegex);
  const stop = (cfg.stopwords ?? []).map((s) => s.toLowerCase());
  const hasPaths = (cfg.paths ?? []).length > 0;
  return {
    pathAllowed(path) {
      if (!hasPaths) return false;
      const rel = path.replace(/\\/g, '/').replace(/^(\.\/|\/)+/, '');
      return rel !== '' && ig.ignores(rel);
    },
    valueAllowed(value) {
      if (isPlaceholder(value)) return true;
      const v = value.toLowerCase();
      if (stop.some((s) => v.includes(s))) return true;
      return regexes.some((r) => r.test(value));
    },
  };
};
