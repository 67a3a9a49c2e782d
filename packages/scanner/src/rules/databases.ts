// Database and broker credentials: connection URIs with passwords (postgres, mysql, mongodb, redis,
// amqp, mssql, jdbc, ...), ADO.NET connection strings, .pgpass lines, CLI password flags, and
// basic-auth credentials embedded in any URL.
import type { Rule } from '../types.js';
import { A62, fake } from './define.js';

const pw = () => 'Pw' + fake(A62, 14, 'dbpw') + '9!';
// `{}` / `{0}` / `{password}` / `{db.pass}`: a format placeholder (Rust format!, Python str.format / f-strings, C# string.Format)
const NOT_PW = /^(?:password|passwd|pass|pwd|secret|\*+|\$\w+|\$\{[^}]*\}?|%[\w(]+|<[^>]*>?|\{\{[^}]*\}?\}?|\{[\w.:]{0,40}\})$/i;
const okPassword = (s: string) => !NOT_PW.test(s) && !/^\$|^%\(|^\{\{/.test(s);

/** `socks://your-name%40gmail.com:…@host`, `mysql://your_user:…@host`: the user is a placeholder, so is the password. */
const placeholderUser = (v: string, line: string) => {
  const at = line.indexOf(':' + v + '@');
  if (at < 0) return false;
  const user = /[^\s:@/'"`]*$/.exec(line.slice(0, at))?.[0] ?? '';
  return /^(?:your|<)/i.test(user);
};

const uri = (id: string, schemes: string, description: string, sample: string): Rule => ({
  id,
  description,
  keywords: schemes.split('|').map((s) => s.replace(/\\/g, '').toLowerCase() + '://'),
  // The password may be short and may hold an unencoded `@` (then the last `@` before the host ends it);
  // the user part may be empty (redis://:pw@host).
  pattern: new RegExp(
    `(?<![\\w+.-])(?:${schemes}):\\/\\/[^\\s:@/'"\`]{0,128}:((?:[^\\s@/'"\`]|@(?=[^\\s/'"\`]*@))${'{'}1,128})@[\\w.-]{1,253}`,
    'gi',
  ),
  severity: 'critical',
  confidence: 'high',
  // abc:xyz@example.com in API docs: a toy password on a documentation domain (RFC 2606) is an example
  validate: (v, ctx) =>
    okPassword(v) &&
    !placeholderUser(v, ctx.line) &&
    !(v.length <= 4 && /^(?:[a-z]+|\d+)$/.test(v) && /@(?:[\w-]+\.)*example\.(?:com|org|net)\b/i.test(ctx.line)),
  examples: {
    positive: [
      `DATABASE_URL=${sample.replace('PW', pw())}`,
      `url: "${sample.replace('PW', 'S3cure' + fake(A62, 8, id))}"`,
      sample.replace('PW', 'k9'),
      sample.replace('PW', 'p@ss' + fake(A62, 3, id)),
    ],
    negative: [
      sample.replace('PW', '${DB_PASSWORD}'),
      sample.replace('app:PW@', ''),
      `${sample.split('://')[0]}://abc:xyz@example.com/`,
      sample.replace('app:PW', 'your-name%40gmail.com:abcdef12345124'),
      `format!("${sample.replace('app:PW', '{}:{}')}", user, pw)`,
    ],
  },
});

export const databaseRules: Rule[] = [
  uri(
    'postgres-uri',
    'postgres|postgresql|postgis|postgresql\\+psycopg2|postgresql\\+asyncpg',
    'PostgreSQL connection URI with password',
    'postgres://app:PW@db.internal:5432/app',
  ),
  uri(
    'mysql-uri',
    'mysql|mysql2|mysqlx|mariadb|mysql\\+pymysql',
    'MySQL/MariaDB connection URI with password',
    'mysql://app:PW@db.internal:3306/app',
  ),
  uri('mongodb-uri', 'mongodb|mongodb\\+srv', 'MongoDB connection URI with password', 'mongodb+srv://app:PW@cluster0.mongodb.net/app'),
  uri('redis-uri', 'redis|rediss|valkey', 'Redis connection URI with password', 'redis://app:PW@cache.internal:6379/0'),
  uri('amqp-uri', 'amqp|amqps', 'AMQP (RabbitMQ) connection URI with password', 'amqp://app:PW@mq.internal:5672/vhost'),
  uri('mssql-uri', 'mssql|sqlserver', 'SQL Server connection URI with password', 'mssql://app:PW@sql.internal:1433/app'),
  uri(
    'jdbc-uri',
    'jdbc:postgresql|jdbc:mysql|jdbc:mariadb',
    'JDBC URL with inline credentials',
    'jdbc:postgresql://app:PW@db.internal:5432/app',
  ),
  uri(
    'clickhouse-uri',
    'clickhouse|clickhouses',
    'ClickHouse connection URI with password',
    'clickhouse://app:PW@ch.internal:9000/default',
  ),
  uri(
    'cassandra-uri',
    'cassandra|cockroachdb|cockroach',
    'Cassandra/CockroachDB connection URI with password',
    'cockroachdb://app:PW@crdb.internal:26257/app',
  ),
  uri('mqtt-uri', 'mqtt|mqtts|nats|kafka|stomp', 'Message broker URI with password', 'nats://app:PW@nats.internal:4222'),
  uri('socks-proxy-uri', 'socks|socks4|socks4a|socks5|socks5h', 'SOCKS proxy URI with password', 'socks5://app:PW@proxy.internal:1080'),
  uri('ldap-uri', 'ldap|ldaps', 'LDAP URI with bind password', 'ldap://app:PW@ldap.internal:389'),
  uri('ftp-uri', 'ftp|ftps|sftp|smb|ssh|svn|telnet', 'File transfer / shell URI with password', 'sftp://app:PW@files.internal:22/upload'),
  uri('smtp-uri', 'smtp|smtps|imap|imaps|pop3', 'Mail server URI with password', 'smtp://app:PW@mail.internal:587'),
  {
    ...uri('http-basic-auth-url', 'https?', 'Basic-auth credentials embedded in an HTTP(S) URL', 'https://app:PW@api.internal.net/v1'),
    keywords: ['://'],
    pattern: /(?<![\w+.-])https?:\/\/[\w.%~-]{1,64}:((?:[^\s@/'"`:]|@(?=[^\s/'"`]*@)){2,128})@[\w-]{1,63}(?:\.[\w-]{1,63}){0,10}/gi,
    validate: (s: string, ctx: { line: string }) =>
      okPassword(s) &&
      !/^(?:pass|passw0rd|pwd|pw|secret|token|user|x-oauth-basic)$/i.test(s) &&
      !placeholderUser(s, ctx.line) &&
      !(/^\d{2,5}$/.test(s) && /https?:\/\/(?:localhost|[\w-]+\.[\w.-]+):\d+@/i.test(ctx.line)) &&
      !(s.length <= 4 && /^(?:[a-z]+|\d+)$/.test(s) && /@(?:[\w-]+\.)*example\.(?:com|org|net)\b/i.test(ctx.line)),
    severity: 'high',
  },
  {
    id: 'ado-net-connection-string',
    description: 'ADO.NET / ODBC connection string with password',
    keywords: ['password=', 'pwd='],
    pattern: /(?:Server|Data Source|Host|Address|Addr)=[^;'"\n]{1,200};[^'"\n]{0,300}?(?:Password|Pwd)=([^;'"\n]{4,128})/gi,
    severity: 'critical',
    confidence: 'high',
    validate: okPassword,
    examples: {
      positive: [`"Server=sql.internal;Database=app;User Id=app;Password=${pw()};"`],
      negative: ['"Server=sql.internal;Database=app;Integrated Security=true;Password=${DB_PASSWORD};"'],
    },
  },
  {
    id: 'pgpass-entry',
    description: '.pgpass password entry',
    keywords: [],
    paths: /(?:^|\/)\.?pgpass$/,
    pattern: /^[^:\s#]{1,253}:(?:\d{1,5}|\*):[^:\s]{1,63}:[^:\s]{1,63}:(\S{4,128})$/gm,
    severity: 'critical',
    confidence: 'high',
    examples: { positive: [`db.internal:5432:app:app:${pw()}`], negative: ['# host:port:db:user:password'], path: '.pgpass' },
  },
  {
    id: 'cli-password-flag',
    description: 'Password passed on a command line (mysql -p, --password=, sshpass -p)',
    keywords: ['--password', ' -p', 'sshpass'],
    pattern:
      /(?:\b(?:mysql|mysqldump|mysqladmin|mariadb|sshpass|mongo|mongosh|redis-cli|docker login|psql|sqlcmd)\b[^\n|;&]{0,120}?)(?:--password[= ]|\s-p\s?|\s-a\s)["']?([^\s"'$`]{6,128})/gi,
    severity: 'high',
    confidence: 'medium',
    validate: okPassword,
    examples: {
      positive: [`mysql -u root -p${pw()} app < dump.sql`, `docker login -u bot --password ${pw()} registry.internal`],
      negative: ['mysql -u root -p app', 'docker login -u bot --password-stdin'],
    },
  },
  {
    id: 'redis-requirepass',
    description: 'Redis requirepass / masterauth directive',
    keywords: ['requirepass', 'masterauth'],
    pattern: /^\s{0,8}(?:requirepass|masterauth)\s{1,8}["']?([^\s"']{6,128})/gim,
    severity: 'high',
    confidence: 'high',
    validate: okPassword,
    examples: { positive: [`requirepass ${pw()}`], negative: ['# requirepass foobared', 'requirepass ${REDIS_PASSWORD}'] },
  },
];
