// Generic credentials in statements and calls that are not `name = value` assignments: SQL CREATE/ALTER USER,
// chpasswd, C and PHP defines, name/value env lists, defaults of environment lookups, CURLOPT_USERPWD,
// ConvertTo-SecureString, JWT/HMAC signing calls, Basic auth encoded from a literal, nginx header directives,
// put/set calls under a credential-named key and SQLAlchemy dialect+driver URLs. Generic: they yield to vendor rules.
import type { Rule } from '../types.js';
import { A62, B64, fake } from './define.js';
import { META_NAME, NOT_PW, SECRET_NAMES, g, literal, pw, pw2 } from './generic-syntax.js';

const FALLBACK_NAMES = '(?:password|passwd|pwd|secret|token|api_?key|apikey|access_?key|private_?key|client_?secret)';

export const genericStatementRules: Rule[] = [
  g({
    // props.put("mail.smtp.password", "…"), setProperty("db.password", "…"), headers.set("X-Api-Key", "…")
    id: 'credential-keyed-call',
    description: 'Credential stored under a credential-named key by a put/set/header call',
    // the key string's tail (`…password"`), not the call: `set(` and `add(` are on every line of a JS bundle
    keywords: [
      ...[
        'password',
        'passwd',
        'credential',
        'credentials',
        'pwd',
        'pass',
        'secret',
        'token',
        'apikey',
        'api_key',
        'api-key',
        'accesskey',
        'access_key',
        'access-key',
        'privatekey',
        'private_key',
        'private-key',
      ].flatMap((w) => [`${w}"`, `${w}'`]),
    ],
    pattern: new RegExp(
      `\\b(?:put|setProperty|set|Set|add|Add|header|setHeader|addHeader|SetHeader|AddHeader|setenv|Setenv|putenv|putString|SetString)\\s{0,2}\\(\\s{0,4}` +
        `(["'])[\\w.:/-]{0,60}${SECRET_NAMES}[\\w.:/-]{0,30}\\1\\s{0,4},\\s{0,4}(["'])([^"'\\r\\n]{4,200})\\2\\s{0,4}\\)`,
      'gi',
    ),
    secretGroup: 3,
    entropy: 2.3,
    confidence: 'medium',
    validate: (v, ctx) => {
      const key = /\(\s{0,4}["']([\w.:/-]{1,120})["']\s{0,4},/.exec(ctx.line.slice(0, Math.max(0, ctx.line.indexOf(v))))?.[1] ?? '';
      return literal(v, ctx) && !/\s/.test(v) && !META_NAME.test(key);
    },
    examples: {
      positive: [`props.put("mail.smtp.password", "${pw}");`, `System.setProperty("javax.net.ssl.keyStorePassword", "${pw2}");`],
      negative: [
        'props.put("mail.smtp.password", System.getenv("SMTP_PASSWORD"));',
        'props.put("mail.smtp.password", "${smtp.password}");',
        'form.set("password", "Password")',
        'config.set("auth.token.header", "Authorization");',
      ],
    },
  }),
  g({
    // echo "root:…" | chpasswd   /   chpasswd <<< "deploy:…"
    id: 'chpasswd-credential',
    description: 'Password set with chpasswd in a script or Dockerfile',
    keywords: ['chpasswd'],
    pattern:
      /\becho[ \t]{1,4}(?:-[ne][ \t]{1,4})?["']?[\w.-]{1,32}:([^\s"':|]{4,128})["']?[ \t]{0,4}\|[ \t]{0,4}(?:sudo[ \t]{1,4})?chpasswd\b|\bchpasswd[ \t]{0,4}<<<[ \t]{0,4}["']?[\w.-]{1,32}:([^\s"':|]{4,128})/g,
    severity: 'high',
    confidence: 'medium',
    validate: (v, ctx) => literal(v, ctx) && !/^\$/.test(v),
    examples: {
      positive: [`RUN echo "root:${pw}" | chpasswd`, `chpasswd <<< "deploy:${pw2}"`],
      negative: ['RUN echo "root:$ROOT_PASSWORD" | chpasswd', 'echo "$USER:$PASS" | chpasswd'],
    },
  }),
  g({
    // CREATE USER app WITH PASSWORD '…'; ALTER USER x IDENTIFIED BY "…"; CREATE LOGIN x WITH PASSWORD = '…'
    id: 'sql-password',
    description: 'Password in a SQL CREATE/ALTER USER, ROLE or LOGIN statement',
    keywords: ['identified', 'with password', 'encrypted password', " password '", ' password "', " password='", " password = '"],
    pattern:
      /\b(?:IDENTIFIED[ \t]{1,4}(?:WITH[ \t]{1,4}\w{1,40}[ \t]{1,4})?BY(?![ \t]{1,4}PASSWORD\b)|(?:ENCRYPTED[ \t]{1,4}|UNENCRYPTED[ \t]{1,4})?PASSWORD(?:[ \t]{0,4}=)?)[ \t]{1,4}(["'])([^"'\r\n]{3,128})\1/gi,
    secretGroup: 2,
    severity: 'high',
    confidence: 'medium',
    validate: (v, ctx) =>
      /\b(?:CREATE|ALTER)[ \t]{1,4}(?:USER|ROLE|LOGIN)\b|\bIDENTIFIED[ \t]/i.test(ctx.line) &&
      literal(v, ctx) &&
      !/^\*/.test(v) &&
      !/^(?:md5|SCRAM-SHA-256\$)/.test(v),
    examples: {
      positive: [
        `CREATE USER app WITH PASSWORD '${pw}';`,
        `ALTER USER reporting IDENTIFIED BY "${pw2}";`,
        `CREATE LOGIN etl WITH PASSWORD = '${pw}';`,
        `CREATE USER 'shop'@'%' IDENTIFIED WITH mysql_native_password BY '${pw2}';`,
      ],
      negative: [
        "CREATE USER reader WITH PASSWORD :'reader_password';",
        "ALTER USER app WITH PASSWORD 'changeme';",
        "CREATE USER 'app'@'%' IDENTIFIED BY PASSWORD '*ABC';",
        'password VARCHAR(255) NOT NULL',
        `UPDATE users SET password = '${pw}' WHERE id = 1;`,
      ],
    },
  }),
  g({
    // #define DB_PASSWORD "…"  (C, C++, Objective-C headers)
    id: 'c-define-secret',
    description: 'Credential in a C/C++ #define',
    keywords: ['define'],
    pattern: new RegExp(
      `^[ \\t]{0,8}#[ \\t]{0,4}define[ \\t]{1,8}\\w{0,40}(?:PASSWORD|PASSWD|PASSPHRASE|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH_?KEY)\\w{0,20}[ \\t]{1,8}(?:L|u8|@)?"([^"\\r\\n]{4,200})"`,
      'gim',
    ),
    entropy: 2.3,
    confidence: 'medium',
    validate: (v, ctx) =>
      literal(v, ctx) &&
      !/\s/.test(v) &&
      !/%[sd]/.test(v) &&
      !META_NAME.test(/define[ \t]+(\w+)/.exec(ctx.line)?.[1] ?? '') &&
      !/^X-[A-Za-z-]+$/.test(v),
    examples: {
      positive: [`#define DB_PASSWORD "${pw}"`, `#define API_KEY @"${fake(A62, 32, 'cdef')}"`],
      negative: [
        '#define PASSWORD_MAX_LEN 64',
        '#define PASSWORD_PROMPT "Password: "',
        '#define TOKEN_FMT "%s:%s"',
        '#define API_KEY_HEADER "X-Api-Key"',
        '#define TOKEN_ENV "ACME_TOKEN_V2"',
      ],
    },
  }),
  g({
    // Kubernetes / compose env lists: `- name: DB_PASSWORD` then `  value: "…"` on the next line
    id: 'env-list-secret-value',
    description: 'Credential in a name/value env list (Kubernetes container env, ECS task definitions)',
    keywords: ['name:', '"name"', '"key": "'],
    pattern: new RegExp(
      `(?:^[ \\t]{0,40}-[ \\t]{1,4}|\\{[ \\t]{0,4})["']?(?:name|(?<=")key)["']?[ \\t]{0,4}:[ \\t]{0,4}["']?\\w{0,40}(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)\\w{0,20}["']?[ \\t]{0,4},?[ \\t]{0,4}\\r?\\n?[ \\t]{0,40}` +
        `["']?value["']?[ \\t]{0,4}:[ \\t]{0,4}(?:(["'])([^"'\\r\\n]{4,200})\\1|([^\\s"'#{}]{4,200})[ \\t]*$)`,
      'gim',
    ),
    entropy: 2.3,
    confidence: 'medium',
    validate: (v, ctx) =>
      literal(v, ctx) &&
      !/\s/.test(v) &&
      !META_NAME.test(
        /(?:name|key)["']?[ \t]{0,4}:[ \t]{0,4}["']?(\w+)/.exec(
          ctx.window.slice(Math.max(0, ctx.window.indexOf(v) - 300), ctx.window.indexOf(v)),
        )?.[1] ?? '',
      ),
    examples: {
      positive: [
        `env:\n  - name: DB_PASSWORD\n    value: "${pw}"\n`,
        `"environment": [{ "name": "API_TOKEN", "value": "${fake(A62, 32, 'ecs')}" }]`,
        `    { "key": "apiKey", "value": "${fake(A62, 40, 'postman')}", "enabled": true },`,
      ],
      negative: [
        'env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: { name: db, key: password }\n',
        '  - name: DB_PASSWORD\n    value: "${DB_PASSWORD}"\n',
        '    { "key": "apiKey", "value": "{{apiKey}}", "enabled": true },',
        '    { "key": "tokenUrl", "value": "https://auth.acme.io/token" },',
      ],
    },
  }),
  g({
    // env('APP_KEY', 'base64:…'), os.getenv("SECRET_KEY", "…"), ENV.fetch("TOKEN", "…"), process.env.X || '…'
    id: 'env-default-secret',
    description: 'Credential written as the default of an environment lookup',
    keywords: ['env(', 'getenv(', 'environ.get(', 'env.fetch(', 'process.env.', 'getenv ', 'env.get('],
    pattern: new RegExp(
      `(?:\\b(?:env|getenv|environ\\.get|ENV\\.fetch|Env\\.get|os\\.Getenv|System\\.getenv|env\\.get)\\s{0,2}\\(\\s{0,4}(["'])\\w{0,40}(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|APP_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SALT)\\w{0,20}\\1\\s{0,4},\\s{0,4}` +
        `|\\bprocess\\.env\\.\\w{0,40}(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|APP_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SALT)\\w{0,20}\\s{0,4}(?:\\|\\||\\?\\?)\\s{0,4})` +
        `(["'])([^"'\\r\\n]{6,200})\\2`,
      'gi',
    ),
    secretGroup: 3,
    entropy: 2.8,
    confidence: 'medium',
    validate: (v, ctx) => literal(v, ctx) && !/\s/.test(v),
    examples: {
      positive: [
        `'key' => env('APP_KEY', 'base64:${fake(B64, 43, 'lk')}='),`,
        `SECRET_KEY = os.getenv("SECRET_KEY", "${fake(A62, 40, 'dj')}")`,
        `const secret = process.env.JWT_SECRET || '${fake(A62, 32, 'js')}';`,
      ],
      negative: [
        'EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")',
        "env('APP_KEY', 'changeme-please')",
        "env('DB_HOST', 'localhost')",
      ],
    },
  }),
  g({
    // a literal fallback after an expression: api_key = api_key or "…", token := cfg.Token || "…", secret = opts.secret ?? '…'
    id: 'fallback-default-secret',
    description: 'Credential written as the fallback of an expression (x or "…", x || "…", x ?? "…")',
    keywords: [' or "', " or '", '|| "', "|| '", '?? "', "?? '"],
    pattern: new RegExp(
      `\\b[\\w.$]{0,40}${FALLBACK_NAMES}\\w{0,20}["'\\]]{0,2}[ \\t]{0,4}(?::=|=)[ \\t]{0,4}[\\w.$\\[\\]()"'-]{1,80}?[ \\t]{1,4}(?:or|\\|\\||\\?\\?)[ \\t]{1,4}(["'])([^"'\\r\\n]{8,200})\\1`,
      'gi',
    ),
    secretGroup: 2,
    entropy: 3,
    confidence: 'medium',
    validate: (v, ctx) => literal(v, ctx) && !/\s/.test(v) && /\d/.test(v) && /[A-Za-z]/.test(v),
    examples: {
      positive: [
        `        self.api_key = api_key or "${fake(A62, 32, 'fb1')}"`,
        `const token = opts.token ?? '${fake(A62, 40, 'fb2')}';`,
        `DB_PASSWORD = os.environ.get("DB_PASSWORD") or "${pw}"`,
      ],
      negative: [
        'token = request.headers.get("X-Token") or ""',
        'password = args.password or "changeme"',
        'api_key = config.api_key or "<your-api-key>"',
        'const title = name || "Untitled document";',
        'secret = os.environ.get("SECRET") or "development-only-secret"',
      ],
    },
  }),
  g({
    // variable "db_password" { … default = "…" }: the name is on the block, the value lines below it
    id: 'terraform-variable-default-secret',
    description: 'Credential as the default of a Terraform variable with a credential name',
    keywords: ['variable '],
    paths: /\.(?:tf|hcl)$/i,
    pattern:
      /\bvariable[ \t]{1,4}"[\w-]{0,40}(?:password|passwd|secret|token|api_?key|access_?key|private_?key)[\w-]{0,20}"[ \t]{0,4}\{[^}]{0,400}?\bdefault[ \t]{0,40}=[ \t]{0,4}"([^"\r\n$]{4,200})"/gi,
    entropy: 2.3,
    confidence: 'medium',
    validate: (v, ctx) => literal(v, ctx),
    examples: {
      path: 'variables.tf',
      positive: [`variable "grafana_password" {\n  type      = string\n  default   = "${pw}"\n  sensitive = true\n}`],
      negative: [
        'variable "db_password" {\n  type    = string\n  default = ""\n}',
        'variable "db_password_length" {\n  default = "24"\n}\nvariable "region" {\n  default = "eu-west-1"\n}',
        'variable "api_token" {\n  description = "Token for the API"\n}\nvariable "region" {\n  default = "eu-west-1"\n}',
      ],
    },
  }),
  g({
    // curl_setopt($ch, CURLOPT_USERPWD, "user:…")
    id: 'curl-userpwd-option',
    description: 'Credentials in libcurl CURLOPT_USERPWD / CURLOPT_PROXYUSERPWD',
    keywords: ['userpwd'],
    pattern: /CURLOPT_(?:PROXY)?USERPWD\s{0,4},\s{0,4}(["'])[^"':\r\n]{1,64}:([^"'\r\n]{4,128})\1/g,
    severity: 'high',
    confidence: 'medium',
    validate: (v, ctx) => literal(v, ctx) && !/^\$/.test(v),
    examples: {
      positive: [`curl_setopt($ch, CURLOPT_USERPWD, "api:${pw}");`],
      negative: ['curl_setopt($ch, CURLOPT_USERPWD, $user . ":" . $pass);', 'curl_setopt($ch, CURLOPT_USERPWD, "api:$pass");'],
    },
  }),
  g({
    // $pw = ConvertTo-SecureString "…" -AsPlainText -Force
    id: 'powershell-securestring-literal',
    description: 'Plaintext password turned into a SecureString (ConvertTo-SecureString -AsPlainText)',
    keywords: ['convertto-securestring'],
    pattern: /ConvertTo-SecureString[ \t]{1,4}(?:-String[ \t]{1,4})?(["'])([^"'\r\n]{4,128})\1(?=[^\n]{0,80}-AsPlainText)/gi,
    secretGroup: 2,
    severity: 'high',
    confidence: 'medium',
    validate: (v, ctx) => literal(v, ctx) && !/^\$/.test(v),
    examples: {
      positive: [`$pw = ConvertTo-SecureString "${pw}" -AsPlainText -Force`, `ConvertTo-SecureString -String '${pw2}' -AsPlainText -Force`],
      negative: [
        '$pw = ConvertTo-SecureString $env:SVC_PASSWORD -AsPlainText -Force',
        '$pw = ConvertTo-SecureString "$Password" -AsPlainText -Force',
      ],
    },
  }),
  g({
    // jwt.SignedString([]byte("…")), Jwts.builder().signWith(HS256, "…"), new SymmetricSecurityKey(Encoding.UTF8.GetBytes("…")),
    // jwt.encode(payload, "…"), jwt.sign(payload, '…'), Algorithm.HMAC256("…"), crypto.createHmac('sha256', '…')
    id: 'signing-key-literal',
    description: 'HMAC/JWT signing key passed as a literal to a signing call',
    keywords: [
      'signedstring(',
      'signwith(',
      'symmetricsecuritykey(',
      'jwt.encode(',
      'jwt.sign(',
      'algorithm.hmac',
      'createhmac(',
      'hmacshakeyfor(',
    ],
    pattern: new RegExp(
      '(?:' +
        `\\bSignedString\\(\\s{0,4}\\[\\]byte\\(\\s{0,4}` +
        '|' +
        `\\bsignWith\\(\\s{0,4}(?:SignatureAlgorithm\\.\\w{1,10}\\s{0,4},\\s{0,4})?` +
        '|' +
        `\\bSymmetricSecurityKey\\(\\s{0,4}Encoding\\.\\w{1,10}\\.GetBytes\\(\\s{0,4}` +
        '|' +
        `\\bjwt\\.(?:encode|sign)\\(\\s{0,4}[\\w.$\\[\\]'"]{1,80}\\s{0,4},\\s{0,4}` +
        '|' +
        `\\bAlgorithm\\.HMAC(?:256|384|512)\\(\\s{0,4}` +
        '|' +
        `\\bcreateHmac\\(\\s{0,4}["'][\\w-]{2,12}["']\\s{0,4},\\s{0,4}` +
        '|' +
        `\\bhmacShaKeyFor\\(\\s{0,4}` +
        ')' +
        `(?:[bu])?(["'])([^"'\\r\\n]{8,200})\\1`,
      'g',
    ),
    secretGroup: 2,
    entropy: 3,
    confidence: 'medium',
    validate: (v, ctx) => literal(v, ctx) && !/\s/.test(v),
    examples: {
      positive: [
        `return t.SignedString([]byte("${fake(A62, 32, 'sgs')}"))`,
        `Jwts.builder().signWith(SignatureAlgorithm.HS256, "${fake(A62, 32, 'sgj')}").compact();`,
        `var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes("${fake(A62, 32, 'sgc')}"));`,
        `token = jwt.encode(payload, "${fake(A62, 32, 'sgp')}", algorithm="HS256")`,
        `crypto.createHmac('sha256', '${fake(A62, 32, 'sgn')}')`,
      ],
      negative: [
        'return t.SignedString([]byte(os.Getenv("JWT_KEY")))',
        'jwt.encode(payload, SECRET_KEY, algorithm="HS256")',
        "jwt.sign(payload, 'secret')",
      ],
    },
  }),
  g({
    // 'Basic ' + Buffer.from('user:…').toString('base64'), btoa('user:…'), base64.b64encode(b'user:…'), Base64.encode64("user:…")
    id: 'basic-auth-plaintext',
    description: 'Basic-auth user:password encoded at runtime from a literal',
    // `Basic ` on the line, or a base64 call that rarely appears elsewhere (`Buffer.from(` is in every Node library)
    keywords: ['basic ', 'b64encode(', 'encode64(', 'tobase64string(', 'encodetostring('],
    pattern:
      /\b(?:btoa|Buffer\.from|b64encode|encode64|strict_encode64|GetBytes|encodeToString|getBytes)\(\s{0,4}[bu]?(["'])[^"':\r\n$]{1,64}:([^"'\r\n]{4,128})\1/g,
    secretGroup: 2,
    severity: 'high',
    confidence: 'medium',
    validate: (v, ctx) => /basic|authoriz|auth/i.test(ctx.line) && literal(v, ctx) && !/^\$|^\{/.test(v),
    examples: {
      positive: [
        `headers: { Authorization: 'Basic ' + Buffer.from('svc:${pw}').toString('base64') }`,
        `xhr.setRequestHeader("Authorization", "Basic " + btoa("svc:${pw2}"));`,
        `auth = base64.b64encode(b"svc:${pw}").decode()`,
      ],
      negative: [
        "Authorization: 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64')",
        "const s = Buffer.from('a:b:c').toString('hex')",
      ],
    },
  }),
  g({
    // nginx: proxy_set_header X-Api-Key "…";  add_header X-Auth-Token …;
    id: 'nginx-header-secret',
    description: 'Credential header set to a literal in an nginx/OpenResty config',
    keywords: ['proxy_set_header', 'add_header', 'more_set_headers', 'grpc_set_header', 'more_set_input_headers'],
    pattern:
      /\b(?:proxy_set_header|add_header|grpc_set_header|more_set_input_headers|more_set_headers)[ \t]{1,8}["']?[\w-]{0,30}(?:api-?key|token|secret|auth-?key|password)[\w-]{0,20}:?["']?[ \t]{1,8}["']?([^\s"';$]{12,300})/gi,
    entropy: 3,
    confidence: 'medium',
    validate: (v, ctx) => literal(v, ctx),
    examples: {
      positive: [`proxy_set_header X-Api-Key "${fake(A62, 32, 'ngx')}";`],
      negative: ['proxy_set_header X-Api-Key $api_key;', 'proxy_set_header X-Auth-Token "";'],
    },
  }),
  g({
    // SQLAlchemy-style URLs with a driver: mssql+pyodbc://, oracle+cx_oracle://, postgresql+pg8000://
    id: 'sqlalchemy-url-password',
    description: 'Password in a database URL with a driver suffix (SQLAlchemy dialect+driver)',
    keywords: [
      '+pyodbc://',
      '+pymssql://',
      '+cx_oracle://',
      '+oracledb://',
      '+pg8000://',
      '+psycopg://',
      '+mysqldb://',
      '+aiomysql://',
      '+asyncmy://',
      '+mysqlconnector://',
      '+aiosqlite://',
      '+snowflake://',
      '+redshift_connector://',
    ],
    pattern:
      /\b(?:mssql|oracle|postgres(?:ql)?|mysql|mariadb|redshift|snowflake|db2|sybase)\+\w{2,30}:\/\/[^\s:@/'"`]{0,128}:((?:[^\s@/'"`]|@(?=[^\s/'"`]*@)){1,128})@[\w.-]{1,253}/gi,
    severity: 'critical',
    confidence: 'medium',
    validate: (v) => !/^(?:\$\{?|%\(|\{\{|<|\*+$)/.test(v) && !NOT_PW.test(v),
    examples: {
      positive: [`sqlalchemy.url = mssql+pyodbc://sa:${pw}@db/app?driver=ODBC+Driver+18`, `oracle+cx_oracle://scott:${pw2}@db:1521/orcl`],
      negative: ['mssql+pyodbc://sa:${DB_PASSWORD}@db/app', 'mssql+pyodbc://@dsn_name'],
    },
  }),
  g({
    // PHP: define('LICENSE_KEY', '…'); define("DB_PASSWORD", "…");
    id: 'php-define-secret',
    description: "Credential in a PHP define('…_KEY', '…')",
    keywords: ['define('],
    pattern:
      /\bdefine\(\s{0,4}(["'])(\w{0,40}(?:PASSWORD|PASSWD|PASS|PWD|SECRET|TOKEN|KEY|SALT)\w{0,20})\1\s{0,4},\s{0,4}(["'])([^"'\r\n]{6,200})\3\s{0,4}\)/gi,
    secretGroup: 4,
    entropy: 3,
    confidence: 'medium',
    validate: (v, ctx) => {
      const name = /define\(\s{0,4}["'](\w+)/i.exec(ctx.line)?.[1] ?? '';
      return literal(v, ctx) && !META_NAME.test(name) && !/(?:^|_)(?:PUBLIC|PUB)_/i.test(name) && (/\d/.test(v) || /[^\w]/.test(v));
    },
    examples: {
      positive: [`define('LICENSE_KEY', '${fake(A62, 29, 'phk')}');`, `define("DB_PASSWORD", "${pw}");`],
      negative: [
        "define('PLUGIN_KEY_PREFIX', 'acme_');",
        "define('DB_PASSWORD', getenv('DB_PASSWORD'));",
        "define('API_KEY_HEADER', 'X-Api-Key-V2');",
      ],
    },
  }),
];
