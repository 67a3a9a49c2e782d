// Generic credentials in syntaxes the plain `name = value` rules miss: a key on a parent line (nested
// YAML/JSON), Gradle/Groovy `password 'x'` calls, XML name/value pairs, prose ("the password is …"),
// command-line flags, credentials passed as function arguments, JDBC/ODBC `Password=` and tokens used
// as the user part of git URLs. All are generic (they yield to vendor rules) and low/medium confidence.
import type { Rule } from '../types.js';
import { A62, HEX, fake } from './define.js';
import { bareCodeValue, looksLikeLiteral } from './generic.js';
import { shannonEntropy } from '../engine/entropy.js';

export const pw = 'Hx' + fake(A62, 10, 'gsx') + '#7q';
export const pw2 = 'Qm4' + fake(A62, 8, 'gsx2') + '!';
export const NOT_PW = /^(?:password|passwd|pass|pwd|secret|token|true|false|null|nil|none|required|optional|\*+|x+)$/i;
/** A literal that is not a word from the surrounding language. */
export const literal = (v: string, ctx?: Parameters<typeof looksLikeLiteral>[1]) => !NOT_PW.test(v) && looksLikeLiteral(v, ctx);
/** Unquoted prose values must look generated: a digit or a symbol besides letters. */
const mixed = (v: string) => /[A-Za-z]/.test(v) && /[\d!@#$%^&*()_+=[\]{}|;:,.<>/?~-]/.test(v);
export const SECRET_NAMES = '(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)';

/** A credential-named key that names metadata about the credential, not the credential: auth.token.header, API_KEY_HEADER, TOKEN_TTL. */
export const META_NAME =
  /(?:^|[._-])(?:header|name|type|url|uri|endpoint|field|param|prefix|suffix|len|length|size|ttl|expiry|expires|timeout|path|file|format|mode|enabled|env|var|id|label|hint|regex|pattern|policy|min|max|count|version)["']?$/i;
export const g = (r: Omit<Rule, 'generic' | 'severity'> & Partial<Pick<Rule, 'severity'>>): Rule => ({
  severity: 'medium',
  generic: true,
  ...r,
});

export const genericSyntaxRules: Rule[] = [
  g({
    // password:\n  value: x    /  "password": {"value": "x"}   /  secret:\n  - x
    id: 'generic-nested-secret',
    description: 'Secret under a parent key (nested YAML/JSON: the name is on the line above the value)',
    keywords: ['pass', 'pwd', 'secret', 'token', 'key', 'credential'],
    pattern: new RegExp(
      `${SECRET_NAMES}["']?[ \\t]{0,4}:[ \\t]{0,4}(?:\\{[ \\t]{0,4}|\\[[ \\t]{0,4})?\\r?\\n?(?:[ \\t]{0,40}(?:\\{|\\[)?[ \\t]{0,4}\\r?\\n)?[ \\t]{1,40}` +
        `(?:["']?(?:value|default|plain(?:text)?|secure|text|string|data|current|secret|password)["']?[ \\t]{0,4}:|-)[ \\t]{0,4}` +
        `(?:(["'])([^"'\\r\\n]{5,200})\\1|([^\\s"',{}[\\]#]{5,200})(?=[ \\t]*(?:$|[,}\\]#])))`,
      'gim',
    ),
    entropy: 2.3,
    confidence: 'low',
    validate: (v, ctx) => literal(v, ctx) && !/\s/.test(v.trim()),
    examples: {
      positive: [
        `database:\n  password:\n    value: ${pw}\n`,
        `{\n  "password": {\n    "value": "${pw}"\n  }\n}`,
        `smtp_password:\n  - "${pw}"\n`,
      ],
      negative: [
        'password:\n  value: ${DB_PASSWORD}\n',
        'password:\n  minLength: 12\n',
        'passwordPolicy:\n  value: strict\n',
        `password:\n  value: true\n`,
      ],
    },
  }),
  g({
    // Gradle / Groovy DSL method-call style: password 'x', password "x", password = 'x' (handled elsewhere)
    id: 'generic-groovy-credential',
    description: "Credential in a Gradle/Groovy DSL call (password 'x')",
    keywords: ['password', 'passwd', 'secret', 'token'],
    pattern:
      /^[ \t]{0,40}(?:[\w.]{0,40}\.)?\w{0,20}(?:password|passwd|secret|token)[ \t]{1,8}(["'])([^"'$\r\n]{4,200})\1[ \t]*;?[ \t]*$/gim,
    entropy: 2.3,
    confidence: 'low',
    validate: (v, ctx) => literal(v, ctx) && !/\s/.test(v),
    examples: {
      positive: [`credentials {\n  username 'deployer'\n  password '${pw}'\n}`, `    password "${pw}"`],
      negative: ['  password project.findProperty("pw")', "  password 'changeme'", '  password "${System.getenv(\'PW\')}"'],
    },
  }),
  g({
    // <property name="db.password" value="x"/>  <entry key="password">x</entry>  <param name="pwd">x</param>
    id: 'xml-named-secret',
    description: 'Secret in an XML name/value pair (Spring, Hibernate, Java properties XML, IDE and tool configs)',
    keywords: ['pass', 'pwd', 'secret', 'token'],
    pattern: new RegExp(
      `<[\\w:.-]{1,40}\\s[^<>]{0,200}?(?:name|key|id)\\s{0,2}=\\s{0,2}["'][\\w.:/-]{0,60}${SECRET_NAMES}[\\w.:/-]{0,30}["']` +
        `(?:[^<>]{0,200}?\\svalue\\s{0,2}=\\s{0,2}["']([^"'<>\\r\\n]{4,200})["']|[^<>]{0,200}?>\\s{0,4}([^<>\\s][^<>\\r\\n]{3,200}?)\\s{0,4}</)`,
      'gi',
    ),
    entropy: 2.3,
    confidence: 'medium',
    validate: (v, ctx) => literal(v, ctx) && !/^\$\{|^#\{|^@/.test(v),
    examples: {
      positive: [
        `<property name="hibernate.connection.password" value="${pw}"/>`,
        `<entry key="db.password">${pw}</entry>`,
        `<property name="password">${pw}</property>`,
      ],
      negative: [
        '<property name="password" value="${db.password}"/>',
        '<property name="passwordEncoder" ref="bcrypt"/>',
        '<entry key="password.minLength">12</entry>',
      ],
    },
  }),
  g({
    // "the password is X", "pwd: X", "password for user 'x' is 'y'", "Password - X" in docs, tickets, chats
    id: 'prose-password',
    description: 'Password written out in prose or notes',
    keywords: [
      'password',
      'passwd',
      'pwd',
      'passcode',
      'passphrase',
      'pw:',
      'pre-shared key',
      'preshared key',
      'shared secret',
      'psk',
      'api key',
      'api token',
      'access key',
      'secret key',
      'access token',
    ],
    pattern:
      /\b(?:password|passwd|pwd|pw|passcode|passphrase|pre-?shared key|shared secret|psk|api key|api token|access key|secret key|access token)\b(?:\*\*|__)?(?:\s+for\s+(?:the\s+)?(?:user\s+|account\s+)?["'`]?[\w@.-]{1,40}["'`]?)?(?:[ \t]+(?:is|was|will be|has been set to|set to|reset to|changed to)[ \t]+|[ \t]{0,2}[:=-][ \t]{0,3})(?:(["'`*]{1,2})([^"'`*\\\r\n]{4,64}?)\1|([^\s"'`*,;()[\]<>\\]{4,64}?))(?=[.,;:!?)\]]{0,3}(?:$|\s|\\[nrt]))/gim,
    entropy: 2.3,
    confidence: 'low',
    validate: (v, ctx) => {
      v = v.replace(/[.,;:!?]+$/, '');
      if (!literal(v, ctx) || /\s/.test(v.trim()) || v.length < 4 || bareCodeValue(v, ctx.line, ctx.path)) return false;
      if (
        /^(?:the|a|an|your|my|our|their|this|that|not|now|set|empty|blank|stored|required|hashed|encrypted|incorrect|invalid|wrong|correct|missing|expired|changed|reset|same|different|secure|strong|weak|unknown|optional|provided|generated|random|unset|sent|shown|hidden|masked|ignored)$/i.test(
          v,
        )
      )
        return false;
      const quoted = /["'`*]\s*$/.test(ctx.line.slice(0, ctx.line.indexOf(v))) || /(?:is|was|to)\s+["'`*]/i.test(ctx.line);
      // "API key: `…`": a key or token written out in notes must look generated (16+ chars, letters and digits)
      if (/\b(?:api key|api token|access key|secret key|access token)\b[^\n]{0,12}$/i.test(ctx.line.slice(0, ctx.line.indexOf(v))))
        return v.length >= 16 && /\d/.test(v) && /[A-Za-z]/.test(v) && shannonEntropy(v) >= 3.5;
      return quoted || mixed(v);
    },
    examples: {
      positive: [
        `The admin password is ${pw} until Friday.`,
        `- pwd: ${pw}`,
        `ssh in as deploy, password: "${pw}"`,
        `The default password for user 'postgres' is 'Adm1n2024'.`,
        `and the VPN pre-shared key is ${pw}`,
        `**Password**: \`${pw}\``,
        `- API key: \`${fake(A62, 32, 'prk')}\``,
      ],
      negative: [
        'The password is stored in the vault.',
        'Enter your password: it must be long.',
        'password: required',
        'The password is too short.',
        'Forgot your password? Reset it.',
        'password - see the vault',
        'The API key: see the vault entry.',
        'Access token: none',
      ],
    },
  }),
  g({
    // mysql -pSecret, --password=x, --pass x, sshpass -p x, psexec -p x, keytool -storepass x, openssl -passin pass:x
    id: 'cli-credential-flag',
    description: 'Credential passed as a command-line flag',
    keywords: [
      '--pass',
      '--pwd',
      '--token',
      '--secret',
      '--api-key',
      'bearer ',
      'password-stdin',
      'sudo -s',
      '--field',
      '--set',
      '--build-arg',
      '--from-literal',
      '--extra-vars',
      '--apikey',
      ' -p',
      'pass:',
      'storepass',
      'keypass',
      ' -pw',
      '-password',
      ' -w ',
      'htpasswd',
      'net user',
      'net use',
      'schtasks',
      'smbclient',
      'rpcclient',
      'smbmap',
      'smbget',
      'requirepass',
      'openssl enc',
      'openssl aes-',
      'openssl des3',
      'openssl bf',
    ],
    pattern: new RegExp(
      '(?:' +
        // long flags for any tool
        `(?<![\\w-])--(?:[\\w]{1,20}[-_]|require|master|admin|root|db|store|key|trust)?(?:password|passwd|pass|pwd|token|secret|api-?key|auth-token|access-token|client-secret|bearer)(?:=|[ \\t]{1,4})` +
        '|' +
        // mysql family: -p takes the password only when attached (-pSecret); `-p db` prompts
        `\\b(?:mysql|mysqldump|mysqladmin|mariadb(?:-dump)?|mysqlimport|mysqlcheck|mysqlsh)\\b[^\\n|;&]{0,160}?(?<=\\s)-p(?=[^\\s])` +
        '|' +
        // short flags whose meaning is known for the tool on the same line
        `\\b(?:sshpass|psexec(?:\\.exe)?|mongo|mongosh|mongodump|mongorestore|sqlcmd|bcp|plink|pscp|smbclient|rdesktop|xfreerdp|ldapsearch|ldapmodify|ldapadd|ldapdelete|ldappasswd|net use|htpasswd|wget|unzip|7z|zip|rar|redis-cli|docker login|podman login|helm repo add|az login|Connect-VIServer)\\b[^\\n|;&]{0,160}?` +
        `(?<=\\s)(?:-p|-P|-a|-w|-pw|-Password|/p:|-password)(?:[ \\t]{1,4}|(?=[^\\s-]))` +
        '|' +
        // htpasswd -b [-c|-B|-m …] file user password (the batch flag may come with others, in any order)
        `\\bhtpasswd(?:[ \\t]{1,4}-[a-zA-Z]{1,4}){0,3}?[ \\t]{1,4}-[a-zA-Z]{0,3}b[a-zA-Z]{0,3}(?:[ \\t]{1,4}-[a-zA-Z]{1,4}){0,3}[ \\t]{1,4}[^\\s-]\\S{0,200}[ \\t]{1,4}[^\\s-]\\S{0,64}[ \\t]{1,4}` +
        '|' +
        // key=value options: keyhaven secrets set --field password=…, helm --set auth.password=…, docker --build-arg, kubectl --from-literal
        `(?<![\\w-])--(?:field|set|set-string|env|build-arg|var|extra-vars|from-literal|param|parameter|property|define)[ \\t=]{1,4}["']?[\\w.-]{0,40}(?:password|passwd|pwd|secret|token|api[_-]?key)[\\w.-]{0,20}=` +
        '|' +
        // echo <password> | docker login … --password-stdin
        `\\becho[ \\t]{1,4}(?=["']?[^\\s"'$|]{4,128}["']?[ \\t]{0,4}\\|[ \\t]{0,4}(?:sudo[ \\t]{1,4})?(?:docker|podman|nerdctl|helm[ \\t]{1,4}registry|oras|skopeo)[ \\t]{1,4}login\\b[^\\n]{0,200}--password-stdin)` +
        '|' +
        // echo <password> | sudo -S …  (sudo reads the password from stdin)
        `\\becho[ \\t]{1,4}(?=["']?[^\\s"'$|]{4,128}["']?[ \\t]{0,4}\\|[ \\t]{0,4}sudo[ \\t]{1,4}(?:-[a-zA-Z]{1,3}[ \\t]{1,4}){0,3}?-[a-zA-Z]{0,2}S)` +
        '|' +
        `\\bnet[ \\t]{1,4}user[ \\t]{1,4}[^\\s/*]{1,64}[ \\t]{1,4}(?=[^\\s/*])` +
        '|' +
        // net use Z: \\\\srv\\share /user:DOMAIN\\svc <password>;  schtasks … /rp <password>;  smbclient -U user%<password>
        `\\bnet[ \\t]{1,4}use\\b[^\\n|;&]{0,160}?[ \\t]/user:\\S{1,80}[ \\t]{1,4}(?=[^\\s/*])` +
        '|' +
        `\\bschtasks\\b[^\\n|;&]{0,200}?[ \\t]/rp[ \\t]{1,4}(?=[^\\s/*])` +
        '|' +
        `\\b(?:smbclient|rpcclient|smbmap|smbget)\\b[^\\n|;&]{0,160}?[ \\t]-U[ \\t]{1,4}["']?[^\\s%"']{1,64}%` +
        '|' +
        `(?<![\\w-])-(?:storepass|keypass|srcstorepass|deststorepass|srckeypass|destkeypass|passin|passout|password|Password)[ \\t]{1,4}(?:pass:)?` +
        '|' +
        // openssl enc -k <password> (the legacy pass-phrase flag)
        `\\bopenssl[ \\t]{1,4}(?:enc|aes-\\d{3}-\\w{3}|des3|bf)\\b[^\\n|;&]{0,160}?(?<=\\s)-k[ \\t]{1,4}` +
        ')' +
        `(?:(["'])([^"'\\r\\n]{3,128})\\1|([^\\s"'$\`|;&)]{3,128}))`,
      'g',
    ),
    severity: 'high',
    confidence: 'medium',
    validate: (v, ctx) =>
      literal(v, ctx) &&
      !/^-/.test(v) &&
      !/^(?:stdin|file|env|fd|prompt|ask|\$\w+|%\w+%?)(?::|$)/i.test(v) &&
      !/^[A-Z_][A-Z0-9_]*$/.test(v),
    examples: {
      positive: [
        `mysql -u root -p${pw} app`,
        `mysqldump --user=app --password=${pw} app`,
        `psexec \\\\10.0.0.5 -u Administrator -p ${pw2} cmd`,
        `keytool -importkeystore -srcstorepass ${pw} -deststorepass ${pw2}`,
        `openssl pkcs12 -in a.p12 -passin pass:${pw}`,
        `sshpass -p '${pw}' ssh deploy@host`,
        `htpasswd -b /etc/nginx/.htpasswd admin ${pw}`,
        `htpasswd -b -c /etc/nginx/.htpasswd admin ${pw}`,
        `htpasswd -c -B -b /etc/apache2/.htpasswd deploy ${pw2}`,
        `net user svc_backup ${pw2} /add`,
        `net use Z: \\\\files\\share /user:ACME\\svc ${pw}`,
        `schtasks /create /tn backup /tr backup.cmd /ru svc /rp ${pw2}`,
        `smbclient //files/share -U backup%${pw} -c 'ls'`,
        `redis-server --requirepass ${pw}`,
        `keyhaven secrets set db/prod --field user=app --field password=${pw}`,
        `helm upgrade web ./chart --set auth.password=${pw2}`,
        `some-cli --api-key ${fake(A62, 24, 'cli')}`,
        `curl --oauth2-bearer ${fake(A62, 40, 'o2b')} https://api.acme.io`,
        `echo ${pw} | docker login -u ci --password-stdin registry.acme.io`,
        `echo '${pw}' | sudo -S systemctl restart app`,
        `openssl enc -aes-256-cbc -in a.tar -out a.enc -k ${pw}`,
      ],
      negative: [
        'mysql -u root -p app',
        'docker login -u bot --password-stdin',
        'openssl rsa -passin env:KEY_PASS',
        'keytool -storepass $STOREPASS',
        'cp -p src dst',
        'echo "$REGISTRY_TOKEN" | docker login -u ci --password-stdin',
        'echo "$SUDO_PASS" | sudo -S apt-get update',
        'echo hello | sudo tee /etc/motd',
        'openssl enc -aes-256-cbc -in a.tar -out a.enc -kfile key.txt',
        'openssl enc -aes-256-cbc -in a.tar -out a.enc -K $HEXKEY -iv $IV',
        'htpasswd -B /etc/nginx/.htpasswd admin',
        'htpasswd -c -B /etc/nginx/.htpasswd admin',
        'net user svc_backup * /add',
        'net user svc_backup /delete',
        'net use Z: \\\\files\\share /user:ACME\\svc *',
        'schtasks /create /tn backup /ru svc /rp *',
        'smbclient //files/share -U backup',
        'keyhaven secrets set db/prod --field password=$DB_PASSWORD',
        'helm upgrade web ./chart --set auth.password=${PASSWORD}',
        'mysql -p"$MYSQL_PWD"',
        'tool --password "${PASSWORD}"',
      ],
    },
  }),
  g({
    // "log in as admin / Hx…#7q", "credentials: svc_backup / …", "use admin / …" in notes and runbooks
    id: 'prose-credential-pair',
    description: 'User name and password written as "user / password" in prose or notes',
    keywords: [' / '],
    pattern:
      /\b(?:use|using|login|log in(?: as| with)?|sign in(?: as| with)?|credentials?|creds|account|user(?:name)?)\b:?[ \t]{1,4}["'`]?[\w.@\\-]{2,40}["'`]?[ \t]+\/[ \t]+["'`]?([^\s"'`/]{6,64}?)["'`]?(?=[.,;:!?)]{0,3}(?:$|\s))/gim,
    entropy: 2.5,
    confidence: 'low',
    validate: (v, ctx) =>
      literal(v, ctx) &&
      mixed(v) &&
      /\d/.test(v) &&
      !/^(?:https?|ftp):/i.test(v) &&
      !/\.(?:com|org|net|io|html?|md|txt|json|ya?ml)$/i.test(v),
    examples: {
      positive: [`2. In the BIOS use admin / ${pw}`, `Credentials: svc_backup / ${pw2}`, `log in as root / ${pw}.`],
      negative: [
        'use read / write access',
        'login / logout buttons',
        'user / group 1000 / 1000',
        'use http / https',
        'account / settings / v2',
      ],
    },
  }),
  g({
    // dataSource.setPassword("…"), RedisURI.builder().withPassword("…"), .password("…") builders,
    // smtp.PlainAuth("", user, "…", host), page.fill('#password', '…'), find_element(…"password").send_keys("…")
    id: 'credential-setter-call',
    description: 'Credential passed as a literal to a password setter, builder, SMTP auth or form-fill call',
    keywords: [
      'setpassword',
      'withpassword',
      '.password(',
      'setsecret',
      'setclientsecret',
      'setapikey',
      'plainauth',
      'auth(',
      '.fill(',
      '.type(',
      'send_keys',
      'sendkeys',
    ],
    pattern: new RegExp(
      '(?:' +
        `\\b(?:set|with)(?:Password|Passwd|Secret|ClientSecret|ApiKey|AccessKey|SecretKey)\\s{0,2}\\(\\s{0,4}` +
        '|' +
        `\\.(?:password|passwd|secret|clientSecret|apiKey)\\s{0,2}\\(\\s{0,4}` +
        '|' +
        // redis AUTH: client:auth("…") (Lua), redis.auth('…'), conn.Auth("…")
        `[.:](?:auth|Auth|AUTH)\\(\\s{0,4}(?=["'][^"'\\n]{4,128}["']\\s{0,4}\\))` +
        '|' +
        `\\bPlainAuth\\(\\s{0,4}"[^"\\n]{0,80}"\\s{0,4},\\s{0,4}(?:"[^"\\n]{1,80}"|[\\w.]{1,60})\\s{0,4},\\s{0,4}` +
        '|' +
        `\\.(?:fill|type)\\(\\s{0,4}(["'])[^"'\\n]{0,60}pass(?:word|wd)?[^"'\\n]{0,40}\\1\\s{0,4},\\s{0,4}` +
        '|' +
        `(["'])[\\w-]{0,30}pass(?:word|wd)?[\\w-]{0,30}\\2\\s{0,2}\\)\\s{0,2}\\.(?:send_keys|sendKeys)\\(\\s{0,4}` +
        ')' +
        `(["'])([^"'\\r\\n]{4,128})\\3\\s{0,4}(?:[,)]|\\.toCharArray)`,
      'gi',
    ),
    secretGroup: 4,
    entropy: 2.3,
    confidence: 'medium',
    validate: (v, ctx) =>
      literal(v, ctx) &&
      !/\s/.test(v) &&
      !/^(?:utf-?8|changeme|basic|bearer|digest|oauth2?|jwt|local|none|session|token|api[_-]?key)$/i.test(v),
    examples: {
      positive: [
        `dataSource.setPassword("${pw}");`,
        `RedisURI.builder().withPassword("${pw}".toCharArray()).build();`,
        `auth := smtp.PlainAuth("", "alerts@acme.com", "${pw}", "smtp.acme.com")`,
        `await page.fill('#password', '${pw}');`,
        `driver.find_element(By.ID, "password").send_keys("${pw}")`,
        `DataSourceBuilder.create().username("app").password("${pw}").build();`,
        `client:auth("${pw}")`,
      ],
      negative: [
        'dataSource.setPassword(env.get("DB_PASSWORD"));',
        "await page.fill('#password', process.env.E2E_PASSWORD);",
        "await page.fill('#username', 'alice@example.com');",
        'builder.password(config.password())',
        'user.setPassword("changeme");',
        "app.auth('basic')",
        'passport.authenticate("local")',
      ],
    },
  }),
  g({
    // login(user, "pw"), NetworkCredential("u", "pw"), getConnection(url, "u", "pw"), auth=("u", "pw")
    id: 'credential-function-args',
    description: 'Credential passed as a literal argument to a login/connect call',
    keywords: ['login', 'logon', 'signin', 'authenticate', 'credential', 'connect', 'bind', 'auth', 'directoryentry', 'getconnection'],
    pattern: new RegExp(
      '(?:' +
        `\\b(?:login|Login|LogIn|logon|Logon|log_in|signin|signIn|SignIn|sign_in|authenticate|Authenticate|simple_bind_s|bind_s|NetworkCredential|PasswordAuthentication|UsernamePasswordCredentials|UsernamePasswordCredential|HTTPBasicAuth|HTTPDigestAuth|BasicAuth|basic_auth|basicAuth|SetBasicAuth|setBasicAuth|setCredentials|set_credentials|PasswordCredential|Credentials)\\s{0,2}\\(\\s{0,4}` +
        `(?:[\\w.$@\\[\\]]{1,60}|"[^"\\n]{1,80}"|'[^'\\n]{1,80}')\\s{0,4},\\s{0,4}` +
        '|' +
        `\\b(?:connect|mysqli?_connect|getConnection|DirectoryEntry|ldap_bind|createConnection|Connect|open_connection)\\s{0,2}\\(\\s{0,4}` +
        `(?:[\\w.$@\\[\\]:/]{1,80}|"[^"\\n]{1,120}"|'[^'\\n]{1,120}')\\s{0,4},\\s{0,4}(?:"[^"\\n]{1,80}"|'[^'\\n]{1,80}'|[\\w.$]{1,60})\\s{0,4},\\s{0,4}` +
        '|' +
        `\\bauth\\s{0,2}=\\s{0,2}[(\\[]\\s{0,4}(?:"[^"\\n]{1,80}"|'[^'\\n]{1,80}')\\s{0,4},\\s{0,4}` +
        ')' +
        `(["'])([^"'\\r\\n]{4,128})\\1\\s{0,4}(?:[,)\\]]|\\.toCharArray)`,
      'g',
    ),
    entropy: 2.3,
    confidence: 'medium',
    validate: (v, ctx) =>
      literal(v, ctx) && !/^(?:utf-?8|ascii|latin1|tcp|udp|http|https|localhost|admin|root|user|guest|test)$/i.test(v) && !/\s/.test(v),
    examples: {
      positive: [
        `server.login("alerts@acme.io", "${pw}")`,
        `ftp.login(user, '${pw}')`,
        `return c.Login("uploader", "${pw}")`,
        `req.SetBasicAuth("svc", "${pw}")`,
        `conn = pymysql.connect("db.acme.io", "app", "${pw}", "shop")`,
        `DriverManager.getConnection(url, "app", "${pw}")`,
        `new NetworkCredential("svc", "${pw}")`,
        `requests.get(u, auth=("svc", "${pw}"))`,
      ],
      negative: [
        'login(user, password)',
        'server.login(username, getPassword())',
        'sock.connect(host, port, "utf8")',
        'login("admin", "")',
        'ftp.login("anonymous", "guest")',
      ],
    },
  }),
  g({
    // jdbc:sqlserver://h;user=u;password=x   jdbc:mysql://h/db?user=u&password=x   Driver={...};Uid=u;Pwd=x
    id: 'jdbc-odbc-password',
    description: 'Password in a JDBC URL or ODBC/ADO connection string',
    keywords: ['password=', 'pwd='],
    pattern: /(?:[;?&"'\s]|^)(?:password|pwd)=([^;&'"\s]{1,128})/gim,
    severity: 'critical',
    confidence: 'high',
    // `user=` alone is weak context (`--field user=app --field password=x` in CLI help): then the password must be
    // a parameter of the same string (`;password=`, `&password=`, `?password=`)
    validate: (v, ctx) =>
      (/jdbc:|odbc|driver=|dsn=|uid=|user id=|server=|data source=|host=|database=|dbname=|initial catalog=/i.test(ctx.line) ||
        (/\buser(?:name)?=/i.test(ctx.line) && /[;?&](?:password|pwd)=/i.test(ctx.line))) &&
      !NOT_PW.test(v) &&
      !/^(?:\$\{?|%\(|\{\{|<)/.test(v),
    examples: {
      positive: [
        'jdbc:sqlserver://sql.acme.io:1433;databaseName=app;user=app;password=Pa55',
        'jdbc:mysql://db.acme.io/shop?user=shop&password=sh0p',
        '"Driver={ODBC Driver 18 for SQL Server};Server=tcp:sql;Uid=app;Pwd=Od8c;"',
      ],
      negative: [
        'jdbc:mysql://db/shop?user=shop&password=${DB_PASSWORD}',
        'https://example.com/reset?password=1',
        'Server=sql;Integrated Security=true;Password=;',
        'keyhaven secrets set app/db --field user=app --field password=s3cretValue',
      ],
    },
  }),
  g({
    // https://<token>:x-oauth-basic@github.com/..., https://x-access-token:<token>@github.com, https://oauth2:<token>@gitlab
    id: 'git-url-token',
    description: 'Access token embedded in a git/HTTPS URL (x-oauth-basic, x-access-token, oauth2)',
    keywords: ['x-oauth-basic@', 'x-access-token:', 'oauth2:', 'x-token-auth:', 'gitlab-ci-token:'],
    pattern:
      /https?:\/\/(?:([\w.~%+/=-]{8,256}):x-oauth-basic@|(?:x-access-token|oauth2|x-token-auth|gitlab-ci-token):([^\s@/:'"`]{8,256})@)/gi,
    severity: 'critical',
    confidence: 'high',
    validate: (v) => !/^(?:\$\{?|%|\{\{|<)/.test(v),
    examples: {
      positive: [
        `git clone https://${fake(HEX, 40, 'xo')}:x-oauth-basic@github.com/acme/app.git`,
        `https://x-access-token:${fake(A62, 36, 'xat')}@github.com/acme/app`,
      ],
      negative: ['https://${GITHUB_TOKEN}:x-oauth-basic@github.com/acme/app', 'https://x-access-token:${TOKEN}@github.com/acme'],
    },
  }),
];
