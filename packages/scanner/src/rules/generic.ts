// Generic credentials: password/secret/token/api_key assignments across code and config formats
// (dotenv, YAML, JSON, XML, INI, properties, shell exports, Dockerfile ENV), Kubernetes Secret
// manifests, JWTs and HTTP Authorization headers. Generic rules yield to specific ones.
import type { MatchContext, Rule } from '../types.js';
import { shannonEntropy } from '../engine/entropy.js';
import { A62, B64URL, HEX, fake } from './define.js';

const pw = 'Hx' + fake(A62, 10, 'gpw') + '#7q';
const tk = fake(A62, 32, 'gtk');
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Text in a non-Latin script (CJK, kana, hangul, Cyrillic, Greek, Hebrew, Arabic, Thai...) is a translation, not a password. */
const NON_LATIN_TEXT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Thai}\p{Script=Devanagari}]{2}/u;
/** A header or parameter name: 3+ segments, the first or last of which is the credential word itself
 *  (`super-secret-password-123` stays a value). */
const isKeywordName = (v: string) => {
  if (!/^[\w-]+$/.test(v)) return false;
  const parts = v.split(/[-_]/);
  if (parts.length < 3) return false;
  const word = /^(?:token|secret|passw(?:or)?d|pass)$/i;
  return word.test(parts[0]) || word.test(parts[parts.length - 1]);
};
/** Reject values that are code, references or prose rather than literals. */
const CODE_LIKE =
  /^(?:true|false|null|nil|none|undefined|required|optional|string|number|boolean|object|function|password|secret|token|str|int|bool|any|void|never|unknown|promise|array|date|buffer|char|float|double|long|integer|bytes|text)$/i;
export const looksLikeLiteral = (v: string, ctx?: MatchContext): boolean => {
  if (CODE_LIKE.test(v)) return false;
  if (/^\[?(?:String|ID|Int|Float|Boolean)!?\]?!$/.test(v)) return false; // GraphQL types: password: String!
  if (NON_LATIN_TEXT.test(v)) return false; // a translation ("default": "必須のARIA子ロールが存在します")
  if (/[(){}[\]]/.test(v) && !/^[^(]*$/.test(v)) return false; // calls / expressions
  if (/[()]/.test(v) && !/^[^()]*\([^()]*\)[^()]*$/.test(v)) return false; // unbalanced: `password: string)` in a signature
  if (/^[\w$.]+\s*[?+]\s*[\w$"']/.test(v) && /[\w$]\.[\w$]/.test(v)) return false; // a.b ? c : d, a.b + "x"
  if (/^[a-z_$][\w$]*(?:\??\.[a-z_$][\w$]*)+;?$/i.test(v) && !v.split('.').some(randomSegment)) return false; // member access: config.db.password, r.groups?.password (not s.<random> Vault tokens)
  if (/^[A-Z][a-zA-Z]{7,}$/.test(v) && /[a-z]/.test(v) && (v.match(/[A-Z]/g) ?? []).length >= 3) return false; // URLPatternComponentResult (type names)
  if (/^(?:Get|Read|ConvertTo|ConvertFrom|New|Import|Export|Invoke|Select|Out|Write)-[A-Z][A-Za-z]+$/.test(v)) return false; // PowerShell cmdlets: $pw = Read-Host -AsSecureString
  if (/^\$\w+(?:\{|\[|->)/.test(v)) return false; // Perl/PHP expressions: $ENV{DB_PASS}, $_POST['pw'], $this->pw
  if (/^(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d{3}|sk-ssh-ed25519@openssh\.com) AAAA/.test(v)) return false; // SSH public keys
  if (/^#\//.test(v)) return false; // JSON pointer / $ref: #/components/schemas/password
  if (/^![A-Za-z]{2,12}$/.test(v)) return false; // a YAML tag: password: !vault | …, !ENV ${X}, !Ref DbPassword, !secret db_pw
  if (/^[A-Z][A-Za-z]+_\d{1,3}$/.test(v)) return false; // CompositePrivateKey_1 (generated identifiers)
  if (isKeywordName(v)) return false; // x-aws-ec2-metadata-token, token_sha256_to_refresh, X-Amz-S3session-Token
  if (/\]\{\d|\(\?<|\\[dwsSbB]|\[\^/.test(v)) return false; // regular-expression source, not a value
  // CONSTANT_REFERENCE, API_V2, DEFAULT; but not a random upper-case value with digits inside (IMHH29ZH8JCFBY)
  if (/^[A-Z_][A-Z0-9_]*$/.test(v) && v.length < 40 && (v.includes('_') || /^[A-Z]+\d{0,3}$/.test(v))) return false;
  // camelCaseIdentifier, defaultToConfig2 — but in a config file (.env, YAML, Dockerfile, shell) words with a digit
  // tail are a human password (pgBackup77, SummerTime22): configuration holds values, not identifiers
  if (/^[a-z]+(?:[A-Z][a-z]+)+\d{0,2}$/.test(v) && !humanDigitTail(v, ctx)) return false;
  if (/^[a-z_$][\w$]*\.[\w$.]+(?:\?\?|\|\||&&)/i.test(v)) return false; // e.extendedLifetimeToken??!1 (minified code)
  if (/^(?:[A-Z][a-z]+){2,}(?:V?\d{1,2})?$/.test(v) && !humanDigitTail(v, ctx)) return false; // PascalCaseIdentifier(V2)
  if (/^[a-z]{2,}(?:[_-][a-z]{2,}){2,}$/.test(v)) return false; // snake_case / kebab-case phrase of 3+ words
  if (
    /pass(?:word|wd)|secret|token/i.test(v) &&
    /^[\w.%-]+$/.test(v) &&
    !/\d.*[A-Za-z]|[A-Za-z].*\d/.test(v.replace(/%[0-9A-F]{2}/gi, '').replace(/pass(?:word|wd)|secret|token/gi, ''))
  )
    return false; // names like password_reset
  if (/^(?:https?:)?\/\//.test(v) || /^\.{0,2}\//.test(v)) return false; // urls, paths
  if (/^[\w-]+\.(?:js|ts|json|ya?ml|pem|key|crt|txt|html|css|py|rb|go)$/i.test(v)) return false; // file names
  if (ctx && /\b(?:placeholder|label|hint|message|description|title|i18n|translate)\b/i.test(ctx.line)) return false;
  return true;
};
/** Words ending in 1-2 digits (not a `V2` version suffix) outside program source. */
function humanDigitTail(v: string, ctx?: MatchContext) {
  return (
    ctx !== undefined &&
    v.length >= 8 &&
    /[a-z]\d{1,2}$/.test(v) &&
    !/\d{3}$/.test(v) &&
    !CODE_FILE.test(ctx.path) &&
    !/\.(?:map|min\.js)$/.test(ctx.path) && // source maps and minified bundles hold code
    ctx.line.length <= 400
  );
}
/** A dotted segment that is a generated value, not an identifier: 16+ chars mixing upper, lower and digits. */
function randomSegment(p: string) {
  if (p.length < 16 || !/[A-Z]/.test(p) || !/[a-z]/.test(p) || !/\d/.test(p) || p.includes('_')) return false;
  // identifiers change case or class every few letters (revokedTokenSha256Hash: 4 in 22); random text about every other char
  const shifts = (p.match(/[a-z](?=[A-Z\d])|[A-Z](?=\d)|\d(?=[A-Za-z])/g) ?? []).length;
  return shifts * 3 >= p.length;
}
const hasDigitAndLetter = (v: string) => /\d/.test(v) && /[A-Za-z]/.test(v);

const NAME_PW = '(?:pass(?:word|wd|phrase|(?![a-z]))|pwd)';
const NAME_SECRET =
  '(?:secret|pepper|client[_-]?secret|secret[_-]?key|signing[_-]?key|encryption[_-]?key|private[_-]?key|(?:jwt|hmac|aes|cipher|crypto|crypt|license|consumer|shared|cookie)[_-]?(?:key|secret)|salt)';
const NAME_TOKEN = '(?:token|auth[_-]?token|access[_-]?token|refresh[_-]?token|bearer|session[_-]?key|nonce)';
const NAME_APIKEY = '(?:api[_-]?key|apikey|access[_-]?key|app[_-]?key|x-api-key|subscription[_-]?key|master[_-]?key|auth[_-]?key)';

/**
 * A declared string type between the name and `=`: Kotlin/Swift/TypeScript/Scala `password: String = "…"`,
 * Rust `const PASSWORD: &str = "…"` / `&'static str`, Go `var dbPass string = "…"`. Only string types, and only
 * before `= "literal"` (types are code, and code values need quotes), so a YAML `password: String` stays a type name.
 */
const TYPED = `(?:[ \\t]{0,2}:[ \\t]{0,4}(?:&(?:'static[ \\t]{1,4})?str|String\\??|string\\??|NSString\\??|CharSequence\\??|str)(?=[ \\t]{0,4}=[ \\t]{0,4}["'\\x60])|[ \\t]{1,4}string(?=[ \\t]{0,4}=[ \\t]{0,4}["'\\x60]))?`;
/** Literal wrappers before the opening quote: Python b''/r''/u'', C# @"", Go []byte(""), bytes.fromhex(""), Buffer.from(''). */
const WRAP = `(?:[bru]|rb|br|@|\\[\\]byte\\(|bytes\\.fromhex\\(|Buffer\\.from\\()(?=["'\\x60])`;

/**
 * `name = "value"` / `name: value` / `name=value` / `"name": "value"` / `<name>value</name>` /
 * `:name => 'value'` / `'name' => 'value'`. Quoted values may hold any character but the quote;
 * unquoted values stop at whitespace, `;` or `#`, and never end in `,` (so a JSON `false,` is `false`).
 */
const assignment = (name: string, min: number) => {
  const q = `[^"'\\x60\\\\\\r\\n]{${min},200}`;
  // `&name=` ends an unquoted value (query strings), a lone `&` is part of it
  const uc = `(?:[^\\s"'\\x60\\\\<>;,&]|&(?![\\w.-]{1,40}=))`;
  const u = `${uc}{${min - 1},199}(?:[^\\s"'\\x60\\\\<>;,&]|&(?![\\w.-]{0,40}=))`;
  return new RegExp(
    `(?:${name})(?![a-z])[\\w.-]{0,20}(?:["'\\x60]?\\]?${TYPED}[ \\t]{0,40}(?:=|:=|:|=>|\\?=|\\|\\|=)[ \\t]{0,4}(?:\\[[ \\t]{0,2})?|>)` +
      // the last form: an unquoted URL-safe value ending a larger string ("https://h/x?token=abc")
      `(?:${WRAP})?(?:(["'\\x60])(${q})\\1|(${u})(?=$|[\\s;,#<\\]}&])|(?=[\\w.~+/=%-]{0,199}\\d)(?=[\\w.~+/=%-]{0,199}[A-Za-z])([\\w.~+/=%-]{${Math.max(min, 8)},200})(?=["'\\x60](?![\\w$])))`,
    'gim',
  );
};

/**
 * A Google app password (nodemailer, Django EMAIL_HOST_PASSWORD): four groups of four random lowercase letters, one
 * of them without a vowel (`must have been sent` is prose; about 4 in 5 random passwords have such a group).
 */
const GOOGLE_APP_PASSWORD = { test: (v: string) => /^[a-z]{4}(?: [a-z]{4}){3}$/.test(v) && v.split(' ').some((g) => !/[aeiouy]/.test(g)) };
/** Quoted values with spaces are prose ("Enter your password") unless they carry digits or symbols. */
const proseLike = (v: string) =>
  /\s/.test(v) &&
  !GOOGLE_APP_PASSWORD.test(v) &&
  (v.trim().split(/\s+/).length > 3 || /^[A-Za-z\s.,!?']+$/.test(v) || (!/\d/.test(v) && /^[\p{L}\p{M}\s.,!?'’:-]+$/u.test(v)));

type GenericSpec = {
  id: string;
  description: string;
  name: string;
  kw: string[];
  min: number;
  entropy: number;
  pos: string[];
  neg: string[];
  strict?: boolean;
  /** Overrides the confidence the strictness implies. */
  confidence?: 'low' | 'medium';
  /** A further check of the value in its line (the name, read back from the line). */
  extra?: (v: string, line: string) => boolean;
};
/** Lines that are generated code rather than configuration: source maps (sourcesContent holds escaped code). */
const generatedLine = (line: string) => /^\s*\{\s*"version"\s*:\s*3\s*,/.test(line) && line.includes('"mappings"');
/**
 * A bare `pass` key (not password/passwd/passphrase) is as often pass/fail, bypass or compass as a
 * password: take it only when it is not the tail of a lowercase word and the value mixes letters with
 * digits or symbols (so `"pass": "Element is focusable"` and `Bypass: Canonicalized` are not passwords).
 */
/** `dbpass`, `rootpass`, `smtppass`: a service word glued to `pass` is a password name (bypass and compass are not). */
const PASS_PREFIX =
  /(?:^|[^a-z])(?:db|sql|my|root|admin|user|usr|smtp|mail|imap|ftp|sftp|ssh|ldap|redis|mongo|pg|wifi|vnc|rdp|store|key|trust|proxy|app|api|svc|bind|login|sudo|master|mq|amqp)$/i;
const barePassOk = (v: string, line: string) => {
  const at = line.indexOf(v);
  const before = at < 0 ? line : line.slice(0, at);
  const m = /([A-Za-z0-9_$.-]*?)(pass)(?![a-z])["'`\]]{0,2}\s{0,40}(?:=|:=|:|=>|\?=)?\s{0,4}\[?\s{0,2}["'`]?$/i.exec(before);
  if (!m) return true;
  if (m[2] === 'pass' && /[a-z]$/.test(m[1]) && !PASS_PREFIX.test(m[1])) return false;
  return (/[A-Za-z]/.test(v) && /[\d!@#$%^&*()_+=[\]{}|;:,.<>/?~-]/.test(v)) || GOOGLE_APP_PASSWORD.test(v);
};
/** `<password>value</password>` needs its closing tag: `mongodb://<username>:<password>@host/db` is a template. */
const xmlFormUnclosed = (v: string, line: string) => {
  const i = line.indexOf('>' + v);
  return i > 0 && !/[=-]/.test(line[i - 1]!) && !/^\s{0,4}</.test(line.slice(i + 1 + v.length)) && !/^["'`]/.test(v);
};
const HEX_ENTROPY = 3.1;
const CODE_FILE =
  /\.(?:py|pyi|js|jsx|mjs|cjs|ts|tsx|java|kt|scala|go|rb|php|cs|swift|rs|c|cc|cpp|h|hpp|m|mm|dart|lua|pl|pm|ex|exs|vue|svelte)$/i;
/**
 * In program source a value needs quotes to be a string (`password = bind_pass`, `error_per_key = 100000.0/max_id` are
 * code): an unquoted value on a code line outside any string literal is not a credential. Comments and values inside a
 * string (`"host=db password=x"`, `'https://h/?token=x'`) are kept.
 */
export const bareCodeValue = (v: string, line: string, path: string) => {
  if (!CODE_FILE.test(path)) return false;
  const at = line.indexOf(v);
  if (at <= 0 || /["'`]/.test(line[at - 1]!)) return false;
  if (/^\s*(?:#|\/\/|\*|\/\*|--|<!--)/.test(line)) return false;
  const before = line.slice(0, at).replace(/\\./g, '');
  return (
    (before.match(/"/g)?.length ?? 0) % 2 === 0 &&
    (before.match(/'/g)?.length ?? 0) % 2 === 0 &&
    (before.match(/`/g)?.length ?? 0) % 2 === 0
  );
};
/** The identifier right before the assignment operator that precedes the value. */
const keyName = (v: string, line: string) => {
  const at = line.indexOf(v);
  if (at < 0) return undefined;
  return /([A-Za-z0-9_.-]{1,80})["'`\]]{0,2}(?:[ \t]{0,2}:[ \t]{0,4}(?:&(?:'static[ \t]{1,4})?str|String\??|string\??|NSString\??|CharSequence\??|str)|[ \t]{1,4}string)?[ \t]{0,40}(?:=|:=|:|=>)[ \t]{0,4}\[?[ \t]{0,2}(?:[bru@]|\[\]byte\()?["'`]?$/.exec(
    line.slice(0, at),
  )?.[1];
};
/** Key names that hold public, lookup or structural values. */
const NOT_SECRET_KEY_SNAKE =
  /(?:^|[_.-])(?:public|publishable|pub|primary|foreign|sort|cache|partition|idempotency|i18n|translation|unique|row|map|dict|object|lookup|storage|bucket|s3|file|path|config|prop|attr|field|column|index|message|label|hot|short|site|client|kid|group|routing|dedup|shard|hash|sign_in|license_plate)(?:[_-]?key)$/i;
const NOT_SECRET_KEY_CAMEL =
  /(?:Public|Publishable|Primary|Foreign|Sort|Cache|Partition|Idempotency|Translation|Unique|Row|Lookup|Storage|Bucket|File|Path|Field|Column|Index|Message|Label|Site|Client|Group|Routing|Shard|Hash)Key$|^(?:key|Key|KEY)$/;
const isLongHex = (v: string) => v.length >= 24 && (/^[0-9a-f]+$/.test(v) || /^[0-9A-F]+$/.test(v));
const generic = (g: GenericSpec): Rule => ({
  id: g.id,
  description: g.description,
  keywords: g.kw,
  pattern: assignment(g.name, g.min),
  // hex has 16 symbols: a random 32-char hex token often measures 3.3-3.6 bits, so it gets its own floor
  entropy: Math.min(g.entropy, HEX_ENTROPY),
  generic: true,
  severity: 'medium',
  confidence: g.confidence ?? (g.strict ? 'medium' : 'low'),
  validate: (v, ctx) =>
    looksLikeLiteral(v, ctx) &&
    shannonEntropy(v) >= (isLongHex(v) ? Math.min(g.entropy, HEX_ENTROPY) : g.entropy) &&
    !proseLike(v) &&
    (!g.strict || hasDigitAndLetter(v)) &&
    !/\.d\.[cm]?ts$/.test(ctx.path) &&
    !generatedLine(ctx.line) &&
    !xmlFormUnclosed(v, ctx.line) &&
    (g.id !== 'generic-password' || barePassOk(v, ctx.line)) &&
    (!g.extra || g.extra(v, ctx.line)) &&
    !bareCodeValue(v, ctx.line, ctx.path),
  examples: { positive: g.pos, negative: g.neg },
});

export const genericRules: Rule[] = [
  generic({
    id: 'generic-password',
    description: 'Password assigned in code or configuration',
    name: NAME_PW,
    kw: ['pass', 'pwd'],
    min: 5,
    entropy: 2.3,
    pos: [
      `DB_PASSWORD=${pw}`,
      `password: "${pw}"`,
      `  "password": "${pw}",`,
      `<password>${pw}</password>`,
      `export PGPASSWORD='${pw}'`,
      `spring.datasource.password=${pw}`,
      `$password = "${pw}";`,
      `:password => "${pw}"`,
      `:password=>${pw},`,
      `'password' => '${pw}',`,
      `$smtp['password'] = "${pw}";`,
      `ansible_become_pass: "Ab${pw}"`,
      `adminPass = "${pw}"`,
      `$dbpass = "${pw}";`,
      'DB_PASSWORD=Meadow123&',
      'password = "super-secret-password-123"',
      `password: "Wp<${pw}>"`,
      `"password": "open 5esame!"`,
      `DB_PASSWORD=${fake(A62, 14, 'upper').toUpperCase()}`,
      `    val password: String = "${pw}",`,
      `const DEFAULT_PASSWORD: &str = "${pw}";`,
      `static DB_PASSWORD: &'static str = "${pw}";`,
      `    static let password: String? = "${pw}"`,
      `  const password: string = '${pw}';`,
      `var dbPass string = "${pw}"`,
      `  password          = "${pw}"`,
      'PGPASSWORD=pgBackup77 pg_dump -h db -U backup app',
      'ENV DB_PASSWORD=dockerDbPw1',
      "  auth: { user: 'alerts@acme.io', pass: 'qwer tyui opas dfgh' },",
    ],
    neg: [
      'password: ${DB_PASSWORD}',
      'password = config.db.password',
      'password: changeme',
      '"password": "<your-password>"',
      'signing.password=\nsigning.keyId=24875D73',
      'DB_PASSWORD=\nSMTP_PASSWORD=<your-smtp-password>',
      'Connection strings look like `mongodb://<username>:<password>@host/db`',
      '// rc files: `password value` / `password = value`',
      'password = getPassword()',
      'type="password"',
      'password: required',
      '"password": false,',
      'password: false,',
      '"password": "Enter your password here"',
      'password = null,',
      'password = DB_PASSWORD_V2',
      'POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env}',
      'password: ADMIN',
      '"pass": "Element ist fokussierbar",',
      '"pass": "ARIA-rollen er korrekt",',
      'export const SESSION_TOKEN_QUERY_PARAM = "X-Amz-S3session-Token";',
      '"pass": "要素はフォーカス可能です",',
      '- Proxy Bypass: Canonicalized IPv4 shorthand',
      'compass = "N2-heading"',
      'my $pass = $ENV{DB_PASS};',
      '$SecurePassword = Read-Host -AsSecureString',
      'fixedFields:{implicit:{$ref:"#/visitors/document/objects/OAuthFlow"},password:{$ref:"#/visitors/document/objects/OAuthFlow"}}',
      '// First pass: count output lines',
      "password: '#/components/schemas/password'",
      'const password = result.groups?.password;',
      'password: !vault |',
      'password: !ENV ${SMTP_PASSWORD}',
      '"pass": "must have been sent",',
      '  password: String!',
      '  passwords: [String!]!',
      'val password: String = getPassword()',
      'fun login(user: String, password: String = DEFAULT_PASSWORD)',
      'password: String = "",',
      'let password: &str = &args[1];',
      'password:   string = "<your-password>"',
      'password: string == "x"',
      'password = defaultPassword',
      'db_password: "{{ vaultDbPassword2 }}"',
      'secretName: ApiSecretV2',
    ],
  }),
  generic({
    id: 'generic-secret',
    description: 'Secret assigned in code or configuration',
    name: NAME_SECRET,
    kw: [
      'secret',
      'signing',
      'encryption',
      'private_key',
      'private-key',
      'privatekey',
      'salt',
      'pepper',
      // prefixed key names only (a bare "license", "crypt" or "shared" is in every file header and crypto library)
      ...['jwt', 'hmac', 'aes', 'cipher', 'crypto', 'crypt', 'license', 'consumer', 'shared', 'cookie'].flatMap((p) => [
        `${p}_key`,
        `${p}-key`,
        `${p}key`,
      ]),
    ],
    min: 12,
    entropy: 3.3,
    strict: true,
    pos: [
      `CLIENT_SECRET=${tk}`,
      `secret_key: "${tk}"`,
      `app.secret = '${tk}'`,
      `HMAC_SALT = "${fake(HEX, 32, 'salt')}"`,
      `var jwtKey = []byte("${tk}")`,
      `ENCRYPTION_KEY = b"${tk}="`,
      `AES_KEY = bytes.fromhex("${fake(HEX, 64, 'aes')}")`,
      `  devise_pepper: ${fake(HEX, 64, 'pep')}`,
    ],
    neg: [
      'SALT_ROUNDS = 10',
      'salt = bcrypt.gensalt(rounds=12)',
      'jwtKey := []byte(os.Getenv("JWT_KEY"))',
      'client_secret: ${CLIENT_SECRET}',
      'secret = process.env.SECRET',
      `secret: "${'x'.repeat(32)}"`,
      'secretName: my-app-secret-volume',
    ],
  }),
  generic({
    id: 'generic-token',
    description: 'Token assigned in code or configuration',
    name: NAME_TOKEN,
    kw: ['token', 'bearer', 'session_key', 'session-key', 'sessionkey', 'nonce'],
    min: 16,
    entropy: 3.5,
    strict: true,
    pos: [
      `AUTH_TOKEN=${tk}`,
      `"access_token": "${tk}"`,
      `token: ${tk}`,
      `  "nonce": "${tk}",`,
      `curl -fsS "https://hooks.acme.io/notify?token=${tk}" -d done`,
      `  token: "s.${fake(A62, 24, 'vlt')}"`,
      '  "auth_token": "306025d69636402def774fdf2b22400c",',
    ],
    neg: [
      'nonce = secrets.token_hex(16)',
      "'https://example.com/cb#access_token=sdlfkj452&state=ss345asyht&token_type=Bearer'",
      'token: session.accessToken',
      'token = "0000000000000000000000000000000000000000"',
      'token: 1111222233334444aaaabbbbccccdddd',
      'queryParameters[SHA256_TOKEN_TO_REFRESH] = managedIdentityRequest.revokedTokenSha256Hash;',
      'exports.id_pkcs9_at_randomNonce = exports.id_pkcs9_at_encryptedPrivateKeyInfo = void 0;',
      'token: {{ .Values.token }}',
      'token = req.headers.authorization',
      'tokenizer = "wordpiece_tokenizer_v2"',
      'token: YOUR_TOKEN_HERE',
    ],
  }),
  generic({
    id: 'generic-api-key',
    description: 'API key assigned in code or configuration',
    name: NAME_APIKEY,
    kw: [
      'api_key',
      'api-key',
      'apikey',
      'access_key',
      'access-key',
      'accesskey',
      'app_key',
      'appkey',
      'subscription',
      'master_key',
      'masterkey',
      'auth_key',
      'auth-key',
      'authkey',
    ],
    min: 16,
    entropy: 3.5,
    strict: true,
    pos: [`API_KEY=${tk}`, `apiKey: '${tk}'`, `<add key="ApiKey" value="${tk}" />`.replace('key="ApiKey" value=', 'apikey=')],
    neg: ['apiKey: process.env.API_KEY', 'api_key = os.environ["API_KEY"]', 'apiKey: "<your-api-key>"'],
  }),
  generic({
    // CredData's largest category is "Key": any *_KEY / *-key / camelCase …Key name holding a generated value
    // (STRIPE_KEY, mapsKey, signing-key). Names of public or lookup keys are left out.
    id: 'generic-key',
    description: 'Key assigned in code or configuration (a *_KEY / …Key name with a generated value)',
    name: 'key',
    kw: ['_key', '-key', 'key"', "key'", 'key:', 'key =', 'key='],
    min: 20,
    entropy: 3.5,
    strict: true,
    // the broadest name of all generic rules: reported with low confidence
    confidence: 'low',
    extra: (v, line) => {
      const name = keyName(v, line);
      return (
        name !== undefined &&
        /(?:[_-]key|[_-]KEY|[a-z0-9]Key)$/.test(name) &&
        !NOT_SECRET_KEY_SNAKE.test(name) &&
        !NOT_SECRET_KEY_CAMEL.test(name) &&
        !/^[\w-]+(?:\.[\w-]+){2,}$/.test(v)
      );
    },
    pos: [
      `STRIPE_KEY=${tk}`,
      `  mapsKey: '${tk}',`,
      `"signing-key": "${tk}"`,
      `OPENAI_KEY = "${tk}"`,
      `    static let algoliaAdminKey: String = "${tk}"`,
    ],
    neg: [
      `STRIPE_PUBLISHABLE_KEY=${tk}`,
      `primary_key = "${tk}"`,
      `cache_key = "user:${tk}"`,
      `const key = "${tk}";`,
      `monkey = "${tk}"`,
      `ssh_public_key = "${tk}"`,
      'translation_key: "errors.messages.invalid_token_v2"',
      `recaptchaSiteKey: "${tk}"`,
      `ssh_authorized_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${tk} deploy@ci"`,
    ],
  }),
  {
    id: 'xml-config-secret',
    description: 'Secret in XML/.NET config (<add key="...Password" value="..."/>)',
    keywords: ['<add key='],
    pattern:
      /<add\s{1,4}key\s{0,2}=\s{0,2}"[\w.:-]{0,40}(?:password|secret|token|apikey|api_key|connectionstring)[\w.:-]{0,20}"\s{1,4}value\s{0,2}=\s{0,2}"([^"<>\s]{8,200})"/gi,
    entropy: 3,
    generic: true,
    severity: 'medium',
    confidence: 'medium',
    validate: (v, ctx) => looksLikeLiteral(v, ctx),
    examples: {
      positive: [`<add key="Smtp.Password" value="${pw}" />`],
      negative: ['<add key="Smtp.Password" value="$(SmtpPassword)" />'],
    },
  },
  {
    id: 'dockerfile-env-secret',
    description: 'Secret baked into a Dockerfile ENV/ARG default',
    keywords: ['env ', 'arg '],
    pattern:
      /^\s{0,8}(?:ENV|ARG)\s{1,8}\w{0,40}(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|PRIVATE_KEY)\w{0,20}(?:=|\s{1,8})["']?([^\s"'$]{8,200})/gm,
    entropy: 3,
    severity: 'high',
    confidence: 'medium',
    validate: (v, ctx) => looksLikeLiteral(v, ctx),
    examples: {
      positive: [`ENV API_TOKEN ${tk}`, `ARG DB_PASSWORD=${pw}`],
      negative: ['ENV DB_PASSWORD_FILE /run/secrets/db', 'ARG NPM_TOKEN'],
    },
  },
  {
    id: 'kubernetes-secret-data',
    description: 'Base64 value in a Kubernetes Secret manifest (data:)',
    keywords: ['kind: secret', 'kind: "secret"'],
    window: { before: 6000, after: 6000 },
    pattern:
      /^[ \t]{1,12}[\w.-]{1,100}:(?<=^[ \t]{0,8}data:[ \t]*\r?\n(?:[ \t][^\n]{0,2000}\n){0,50}[ \t]{1,12}[\w.-]{1,100}:)[ \t]{1,4}["']?([A-Za-z0-9+/]{8,20000}={0,2})["']?[ \t]*$/gm,
    entropy: 2.5,
    severity: 'high',
    confidence: 'medium',
    validate: (v, ctx) => /^kind:\s*["']?Secret["']?\s*$/m.test(ctx.window) && !isPlaceholderB64(v),
    examples: {
      positive: [
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  username: ${b64('app')}\n  password: ${b64(pw)}\n`,
      ],
      negative: [
        `apiVersion: v1\nkind: ConfigMap\ndata:\n  password: ${b64(pw)}\n`,
        `kind: Secret\ndata:\n  password: ${b64('changeme')}\n`,
        `kind: Secret\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${b64('-----BEGIN CERTIFICATE-----\nMIIB' + fake(A62, 60, 'crt'))}\n`,
      ],
    },
  },
  {
    id: 'kubernetes-secret-stringdata',
    description: 'Plaintext value in a Kubernetes Secret manifest (stringData:)',
    keywords: ['stringdata:'],
    window: { before: 2000, after: 6000 },
    pattern:
      /^[ \t]{1,12}[\w.-]{1,100}:(?<=^[ \t]{0,8}stringData:[ \t]*\r?\n(?:[ \t][^\n]{0,2000}\n){0,50}[ \t]{1,12}[\w.-]{1,100}:)[ \t]{1,4}["']?([^\s"'|>#][^\s"']{5,500})["']?[ \t]*$/gm,
    entropy: 2.5,
    severity: 'high',
    confidence: 'medium',
    validate: (v, ctx) => looksLikeLiteral(v, ctx),
    examples: {
      positive: [`kind: Secret\nmetadata:\n  name: api\nstringData:\n  API_TOKEN: ${tk}\n`],
      negative: ['kind: Secret\nstringData:\n  API_TOKEN: ${API_TOKEN}\n'],
    },
  },
  {
    id: 'jwt',
    description: 'JSON Web Token',
    keywords: ['eyj'],
    pattern: /(?<![\w-])(eyJ[A-Za-z0-9_-]{10,1000}\.eyJ[A-Za-z0-9_-]{10,4000}\.[A-Za-z0-9_-]{16,1000})(?![\w-])/g,
    entropy: 3.5,
    severity: 'medium',
    confidence: 'high',
    examples: {
      positive: [
        `Authorization: Bearer ${b64u('{"alg":"HS256","typ":"JWT"}')}.${b64u('{"sub":"42","name":"svc"}')}.${fake(B64URL, 43, 'jwt')}`,
      ],
      negative: [`${b64u('{"alg":"none"}')}.${b64u('{"sub":"1"}')}.`],
    },
  },
  {
    id: 'http-bearer-token',
    description: 'Bearer token in an Authorization header',
    // the scheme word as it follows the header name (a bare "authorization" is in every HTTP library)
    keywords: ['bearer ', '"token ', "'token ", ': token ', '`token ', '"apikey ', "'apikey ", ': apikey ', '`apikey '],
    // `Authorization: Bearer x`, nginx `proxy_set_header Authorization "Bearer x"`, DRF `Authorization: Token x`
    pattern:
      // (also `headers['Authorization'] = 'Bearer x'`, and a quoted "Bearer x" on its own: Grafana httpHeaderValue1, a
      // header table; a string that starts with the scheme is a header value)
      /(?:authorization["']?\]?(?:[ \t]{0,4}[:=,]|[ \t])[ \t]{0,4}["']?(?:bearer|token|apikey)|(?<=["'`])bearer)[ \t]{1,4}([\w.~+/-]{20,500}={0,2})(?![\w.~+/=-])/gi,
    // a 40-hex token (DRF, GitHub OAuth classic) measures 3.3-3.7 bits: hex gets the same floor as generic rules
    entropy: HEX_ENTROPY,
    validate: (v) => shannonEntropy(v) >= (isLongHex(v) ? HEX_ENTROPY : 3.5),
    generic: true,
    severity: 'high',
    confidence: 'medium',
    examples: {
      positive: [
        `curl -H "Authorization: Bearer ${tk}" https://api.internal`,
        `proxy_set_header Authorization "Bearer ${tk}";`,
        `HEADERS = {"Authorization": "Token ${fake(HEX, 40, 'drf')}"}`,
        'HEADERS = {"Authorization": "Bearer 2b962400321c600041145e05131ecbd1e4ea255c", "Accept": "application/json"}',
        `axios.defaults.headers.common['Authorization'] = 'Bearer ${fake(B64URL, 48, 'axb')}';`,
        `      httpHeaderValue1: "Bearer ${tk}"`,
        `const es = { Authorization: 'ApiKey ${fake(A62, 40, 'esk')}' };`,
      ],
      negative: [
        'Authorization: Bearer ${TOKEN}',
        'Authorization: Bearer <token>',
        'Authorization: Bearer 0000000000000000000000000000000000000000',
        `const msg = "Bearer token required for this endpoint";`,
        "headers['Authorization'] = 'Bearer ' + token;",
      ],
    },
  },
  {
    id: 'http-basic-auth-header',
    description: 'Basic credentials in an Authorization header',
    keywords: ['basic '],
    pattern: /authorization["']?(?:[ \t]{0,4}[:=,]|[ \t])[ \t]{0,4}["']?basic[ \t]{1,4}([A-Za-z0-9+/]{8,300}={0,2})(?![\w+/=])/gi,
    entropy: 3,
    severity: 'high',
    confidence: 'high',
    validate: (v) => {
      const d = Buffer.from(v, 'base64').toString('latin1');
      const m = /^([\x20-\x7e]+?):([\x20-\x7e]+)$/.exec(d);
      // user:password, username:pass, admin:<password> are documentation, not credentials
      return m !== null && !/^(?:pass(?:word|wd)?|pwd|secret|changeme|\*+|x+|<[^>]*>|\$\{?\w+\}?)$/i.test(m[2]);
    },
    examples: {
      positive: [`Authorization: Basic ${b64('svc:' + pw)}`, `proxy_set_header Authorization "Basic ${b64('svc:' + pw)}";`],
      negative: [
        'Authorization: Basic ${CREDS}',
        `Authorization: Basic ${b64('nocolon' + pw)}`,
        `Authorization: Basic ${b64('user:password')}`,
        `Authorization: Basic ${b64('admin:<password>')}`,
      ],
    },
  },
  {
    id: 'curl-user-credentials',
    description: 'Credentials passed to curl -u / --user',
    keywords: ['curl'],
    pattern: /\bcurl\b[^\n|;&]{0,200}?\s(?:-u|--user)\s{1,4}["']?[^\s:"']{1,64}:([^\s"'$]{6,128})/gi,
    severity: 'high',
    confidence: 'medium',
    validate: (v, ctx) => looksLikeLiteral(v, ctx),
    examples: {
      positive: [`curl -u admin:${pw} https://ci.internal/api`],
      negative: ['curl -u admin:$PASSWORD https://ci', 'curl -u "$USER:$PASS" https://ci'],
    },
  },
];

function b64u(s: string) {
  return Buffer.from(s).toString('base64url');
}
function isPlaceholderB64(v: string) {
  const d = Buffer.from(v, 'base64').toString('latin1');
  return /changeme|example|password|xxxx|dummy/i.test(d) || d.length < 4 || isPublicMaterial(d);
}
/** Certificates and public keys are not secrets (tls.crt / ca.crt in a kubernetes.io/tls Secret). */
function isPublicMaterial(decoded: string) {
  return /^\s*-----BEGIN (?:CERTIFICATE|PUBLIC KEY|X509 CRL|TRUSTED CERTIFICATE|CERTIFICATE REQUEST|SSH2 PUBLIC KEY|PGP PUBLIC KEY BLOCK)-----/.test(
    decoded,
  );
}
