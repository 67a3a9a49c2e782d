// Password hashes that enable offline cracking: htpasswd (apr1, SHA, bcrypt), /etc/shadow entries,
// bcrypt/argon2/scrypt/pbkdf2 hashes, MySQL and PostgreSQL stored password hashes.
import type { Rule } from '../types.js';
import { A62, B64, HEX, HEXU, fake } from './define.js';

const CRYPT = { chars: A62.chars + './', cls: '' };
const bcrypt = '$2y$10$' + fake(CRYPT, 53, 'bc');
const sha512crypt = '$6$' + fake(CRYPT, 16, 's6') + '$' + fake(CRYPT, 86, 'h6');
const C = '[./A-Za-z0-9]';
/** Salt/hash text that is really a word or a repeated filler is not a hash. */
const hashLike = (v: string) => new Set(v).size >= 10 && !/(.)\1{7}/.test(v);

const rule = (o: Omit<Rule, 'severity' | 'confidence'> & Partial<Pick<Rule, 'severity' | 'confidence'>>): Rule => ({
  severity: 'high',
  confidence: 'high',
  ...o,
});

export const hashRules: Rule[] = [
  rule({
    id: 'htpasswd-apr1',
    description: 'Apache htpasswd entry (MD5 apr1)',
    keywords: ['$apr1$'],
    pattern: /^[^:\s#]{1,64}:(\$apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22})\s*$/gm,
    examples: { positive: [`admin:$apr1$${fake(CRYPT, 8, 'a1')}$${fake(CRYPT, 22, 'a2')}`], negative: ['admin:$apr1$short$abc'] },
  }),
  rule({
    id: 'htpasswd-sha',
    description: 'Apache htpasswd entry (SHA1)',
    keywords: ['{sha}'],
    pattern: /^[^:\s#]{1,64}:(\{SHA\}[A-Za-z0-9+/]{27}=)\s*$/gm,
    examples: { positive: [`admin:{SHA}${fake(B64, 27, 'sha')}=`], negative: ['admin:{SHA}abc='] },
  }),
  rule({
    id: 'htpasswd-bcrypt',
    description: 'htpasswd entry (bcrypt)',
    keywords: ['$2y$', '$2a$', '$2b$'],
    pattern: /^[^:\s#$]{1,64}:(\$2[aby]\$\d\d\$[./A-Za-z0-9]{53})\s*$/gm,
    examples: { positive: [`deploy:${bcrypt}`], negative: [`# deploy:$2y$10$short`] },
  }),
  rule({
    id: 'shadow-entry',
    description: '/etc/shadow password hash entry',
    keywords: ['$1$', '$5$', '$6$', '$y$', '$gy$', '$7$'],
    pattern: /^[a-z_][\w.-]{0,31}:(\$(?:1|5|6|y|gy|7)\$[^:\s]{8,200}):\d{0,6}:\d{0,6}:\d{0,6}:/gm,
    severity: 'critical',
    examples: {
      positive: [`root:${sha512crypt}:19000:0:99999:7:::`],
      negative: ['root:*:19000:0:99999:7:::', 'root:!:19000:0:99999:7:::'],
    },
  }),
  rule({
    id: 'bcrypt-hash',
    description: 'bcrypt password hash',
    keywords: ['$2y$', '$2a$', '$2b$'],
    pattern: /(?<![\w$])(\$2[aby]\$\d\d\$[./A-Za-z0-9]{53})(?![./A-Za-z0-9])/g,
    severity: 'medium',
    confidence: 'high',
    entropy: 4,
    examples: { positive: [`INSERT INTO users VALUES (1, 'alice', '${bcrypt}');`], negative: ['$2y$10$' + 'x'.repeat(53)] },
  }),
  rule({
    id: 'argon2-hash',
    description: 'Argon2 password hash',
    keywords: ['$argon2'],
    pattern: /(\$argon2(?:id|i|d)\$v=\d{1,3}\$m=\d{1,8},t=\d{1,4},p=\d{1,3}\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{16,128})/g,
    severity: 'medium',
    examples: {
      positive: [`hash: $argon2id$v=19$m=65536,t=3,p=4$${fake(B64, 22, 'ar1')}$${fake(B64, 43, 'ar2')}`],
      negative: ['$argon2id$v=19$m=65536,t=3,p=4$'],
    },
  }),
  // crypt(3) formats wherever they appear (SQL dumps, YAML, Ansible vars, LDIF, config management).
  rule({
    id: 'crypt-md5-hash',
    description: 'MD5-crypt password hash ($1$, also Cisco type 5)',
    keywords: ['$1$'],
    pattern: new RegExp(`(?<![\\w$])(\\$1\\$${C}{1,8}\\$${C}{22})(?!${C})`, 'g'),
    severity: 'medium',
    confidence: 'medium',
    generic: true,
    validate: hashLike,
    examples: {
      positive: [
        `enable secret 5 $1$${fake(CRYPT, 4, 'c5')}$${fake(CRYPT, 22, 'c5h')}`,
        `'$1$${fake(CRYPT, 8, 'm1')}$${fake(CRYPT, 22, 'm1h')}'`,
      ],
      negative: ['price $1$ per $1$', `$1$abc$${'x'.repeat(22)}`],
    },
  }),
  rule({
    id: 'crypt-sha-hash',
    description: 'SHA-crypt password hash ($5$ / $6$)',
    keywords: ['$5$', '$6$'],
    pattern: new RegExp(`(?<![\\w$])(\\$[56]\\$(?:rounds=\\d{1,9}\\$)?${C}{1,16}\\$(?:${C}{86}|${C}{43}))(?!${C})`, 'g'),
    severity: 'medium',
    confidence: 'medium',
    generic: true,
    validate: hashLike,
    examples: {
      positive: [`password_hash: "${sha512crypt}"`, `$5$rounds=5000$${fake(CRYPT, 16, 's5')}$${fake(CRYPT, 43, 's5h')}`],
      negative: ['$6$ and $5$ tiers', `$6$salt$short`],
    },
  }),
  rule({
    id: 'yescrypt-hash',
    description: 'yescrypt / gost-yescrypt password hash ($y$ / $gy$)',
    keywords: ['$y$', '$gy$'],
    pattern: new RegExp(`(?<![\\w$])(\\$g?y\\$${C}{1,16}\\$${C}{1,86}\\$${C}{43})(?!${C})`, 'g'),
    severity: 'medium',
    confidence: 'medium',
    generic: true,
    validate: hashLike,
    examples: { positive: [`user_pw: $y$j9T$${fake(CRYPT, 22, 'y1')}$${fake(CRYPT, 43, 'y2')}`], negative: ['$y$ not a hash $y$'] },
  }),
  rule({
    id: 'cisco-pbkdf2-scrypt-hash',
    description: 'Cisco type 8 (PBKDF2) / type 9 (scrypt) password hash',
    keywords: ['$8$', '$9$'],
    pattern: new RegExp(`(?<![\\w$])(\\$[89]\\$${C}{14}\\$${C}{43})(?!${C})`, 'g'),
    severity: 'high',
    validate: hashLike,
    examples: {
      positive: [
        `username admin secret 9 $9$${fake(CRYPT, 14, 'c9')}$${fake(CRYPT, 43, 'c9h')}`,
        `secret 8 $8$${fake(CRYPT, 14, 'c8')}$${fake(CRYPT, 43, 'c8h')}`,
      ],
      negative: ['$9$ fee'],
    },
  }),
  rule({
    // Type 7 is a reversible obfuscation: the plaintext password is recoverable by anyone.
    id: 'cisco-type7-password',
    description: 'Cisco type 7 password (reversible encoding of the plaintext)',
    keywords: ['password 7 ', 'key 7 ', 'secret 7 '],
    pattern: /\b(?:password|key|secret|authentication-key|key-string)\s+7\s+([01]\d(?:[0-9A-F]{2}){2,40})\b/gi,
    severity: 'high',
    examples: {
      positive: [`username admin privilege 15 password 7 0822455D0A16${fake(HEXU, 8, 'c7')}`, ` key 7 1511021F0725${fake(HEXU, 6, 'c7k')}`],
      negative: ['password 7 characters minimum', 'password 7 xyz'],
    },
  }),
  rule({
    // `username x password 0 <plain>` / `enable password 0 <plain>`: type 0 is the password itself
    id: 'cisco-type0-password',
    description: 'Cisco type 0 (plaintext) password in a device configuration',
    keywords: ['password 0 ', 'secret 0 ', 'key 0 '],
    pattern:
      /^[ \t]{0,8}(?:username[ \t]+\S{1,64}[ \t]+(?:privilege[ \t]+\d{1,2}[ \t]+)?|enable[ \t]+|[ \t]*(?:key|authentication-key|key-string)[ \t]+)?(?:password|secret|key)[ \t]+0[ \t]+(\S{4,128})[ \t]*$/gim,
    confidence: 'medium',
    // a bare `password 0 x` (line vty) needs a value that mixes letters and digits: not "password 0 characters"
    validate: (v, ctx) =>
      !/^(?:\$|<|\*+$)/.test(v) && (/^\s*(?:username|enable)\b/i.test(ctx.line) || (/\d/.test(v) && /[A-Za-z]/.test(v))),
    examples: {
      positive: [`username backup password 0 Cisc0${fake(A62, 6, 'c0')}`, `enable secret 0 En${fake(A62, 8, 'c0e')}`],
      negative: ['password 0 characters', 'username backup password 0 <password>', 'retries: 3\npassword 0 times'],
    },
  }),
  rule({
    id: 'ldap-ssha-hash',
    description: 'LDAP {SSHA}/{SSHA256}/{SSHA512}/{CRYPT} userPassword hash',
    keywords: ['{ssha', '{crypt}', '{pbkdf2', '{argon2'],
    pattern: /(\{(?:SSHA(?:256|384|512)?|SMD5|CRYPT|PBKDF2(?:-SHA\d{1,3})?|ARGON2)\}[A-Za-z0-9+/.$=,:-]{20,300})/gi,
    severity: 'medium',
    examples: { positive: [`userPassword: {SSHA}${fake(B64, 32, 'ssha')}`], negative: ['userPassword: {SSHA}'] },
  }),
  rule({
    id: 'django-pbkdf2-hash',
    description: 'Django PBKDF2 password hash',
    keywords: ['pbkdf2_sha'],
    pattern: /(pbkdf2_sha(?:256|1)\$\d{4,7}\$[\w./+]{4,64}\$[A-Za-z0-9+/]{42,43}=)/g,
    severity: 'medium',
    examples: {
      positive: [`"password": "pbkdf2_sha256$600000$${fake(A62, 22, 'dj')}$${fake(B64, 43, 'djh')}="`],
      negative: ['pbkdf2_sha256$600000$salt$'],
    },
  }),
  rule({
    // mosquitto_passwd: user:$7$<iterations>$<base64 salt>$<base64 PBKDF2-SHA512> (or $6$<salt>$<hash>, SHA-512)
    id: 'mosquitto-password-hash',
    description: 'Mosquitto password file entry (PBKDF2-SHA512 / SHA-512)',
    keywords: ['$7$', '$6$'],
    pattern: /^[^\s:#]{1,64}:(\$(?:7\$\d{1,7}|6)\$[A-Za-z0-9+/]{12,24}={0,2}\$[A-Za-z0-9+/]{64,88}={0,2})[ \t]*$/gm,
    validate: (v) => hashLike(v) && /[+/=]/.test(v),
    examples: {
      positive: [
        `sensor01:$7$101$${fake(B64, 16, 'mq1')}$${fake(B64, 86, 'mq2')}==`,
        `gateway:$6$${fake(B64, 16, 'mq3')}==$${fake(B64, 86, 'mq4')}==`,
      ],
      negative: ['sensor01:$7$101$' + 'A'.repeat(16) + '$' + 'A'.repeat(86) + '=='],
    },
  }),
  rule({
    id: 'scrypt-hash',
    description: 'scrypt password hash (MCF)',
    keywords: ['$scrypt$', '$7$'],
    pattern: /(\$scrypt\$ln=\d{1,2},r=\d{1,2},p=\d{1,2}\$[A-Za-z0-9+/]{8,64}\$[A-Za-z0-9+/]{20,128})/g,
    severity: 'medium',
    examples: { positive: [`$scrypt$ln=16,r=8,p=1$${fake(B64, 22, 'sc1')}$${fake(B64, 43, 'sc2')}`], negative: ['$scrypt$ln=16,r=8,p=1$'] },
  }),
  rule({
    id: 'mysql-native-password-hash',
    description: 'MySQL mysql_native_password hash',
    keywords: ['identified by password', 'authentication_string', 'mysql_native_password'],
    pattern:
      /(?:IDENTIFIED\s{1,4}(?:WITH\s{1,4}mysql_native_password\s{1,4}AS|BY\s{1,4}PASSWORD)|authentication_string\s{0,4}[=:,]\s{0,4})\s{0,4}['"]?(\*[A-F0-9]{40})/gi,
    severity: 'high',
    examples: {
      positive: [`CREATE USER 'app'@'%' IDENTIFIED BY PASSWORD '*${fake(HEXU, 40, 'my')}';`],
      negative: ["CREATE USER 'app'@'%' IDENTIFIED BY PASSWORD '*ABC';"],
    },
  }),
  rule({
    id: 'postgres-md5-hash',
    description: 'PostgreSQL md5/SCRAM stored password',
    // also PgBouncer userlist.txt: "user" "md5…" / "user" "SCRAM-SHA-256$…"
    keywords: ["password 'md5", "password 'scram-sha-256", 'rolpassword', '" "md5', '" "scram-sha-256'],
    pattern:
      /(?:PASSWORD\s{1,4}'|rolpassword[\s:=,]{1,8}'?|^[ \t]{0,8}"[^"\s]{1,64}"[ \t]{1,8}")(md5[a-f0-9]{32}|SCRAM-SHA-256\$\d{1,6}:[A-Za-z0-9+/=]{16,64}\$[A-Za-z0-9+/=]{40,64}:[A-Za-z0-9+/=]{40,64})/gim,
    severity: 'high',
    examples: {
      positive: [
        `ALTER ROLE app WITH PASSWORD 'md5${fake(HEX, 32, 'pgmd5')}';`,
        `"app" "md5${fake(HEX, 32, 'pgb')}"`,
        `"admin" "SCRAM-SHA-256$4096:${fake(B64, 24, 'scs')}$${fake(B64, 44, 'sck')}:${fake(B64, 44, 'scv')}"`,
      ],
      negative: ["ALTER ROLE app WITH PASSWORD 'md5abc';", '"app" "md5"'],
    },
  }),
  rule({
    id: 'ntlm-hash',
    description: 'NTLM/LM hash dump line (pwdump format)',
    keywords: [':::'],
    pattern: /^[^:\s]{1,64}:\d{1,10}:([a-fA-F0-9]{32}:[a-fA-F0-9]{32}):::/gm,
    severity: 'high',
    examples: {
      positive: [`Administrator:500:${fake(HEX, 32, 'lm')}:${fake(HEX, 32, 'nt')}:::`],
      negative: ['Administrator:500:abc:def:::'],
    },
  }),
  rule({
    // WordPress/phpBB portable hashes: $P$ / $H$ + cost char + 8 salt + 22 hash
    id: 'phpass-hash',
    description: 'phpass portable password hash (WordPress, phpBB, Drupal 7 $P$/$H$)',
    keywords: ['$p$', '$h$'],
    pattern: new RegExp(`(?<![\\w$])(\\$[PH]\\$${C}{31})(?!${C})`, 'g'),
    validate: hashLike,
    examples: {
      positive: [`INSERT INTO wp_users VALUES (1, 'admin', '$P$B${fake(CRYPT, 30, 'php')}');`],
      negative: ['$P$ not a hash', '$P$Babc'],
    },
  }),
];
