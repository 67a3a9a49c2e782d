// Credentials stored by applications in their own files: FTP clients (FileZilla), DB tools (SQL
// Developer connections.xml), .netrc / mail-client rc files, Firefox logins.json, git-credentials,
// Yarn berry npmAuthToken. Values here are credentials by their place in the file, so no entropy floor.
import type { Rule } from '../types.js';
import { A62, B64, fake } from './define.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const pw = 'dpl' + fake(A62, 6, 'apf');
const notTemplate = (v: string) => !/^(?:\$\{?|%\(|\{\{|<[^>]*>?$|\*+$)/.test(v) && !/^(?:password|passwd|secret|x+)$/i.test(v);

export const appFileRules: Rule[] = [
  {
    id: 'filezilla-password',
    description: 'FileZilla saved server password (sitemanager.xml / recentservers.xml; base64, not encrypted)',
    keywords: ['<pass'],
    pattern: /<Pass(?:\s+encoding="base64")?\s*>([^<\r\n]{2,400})<\/Pass>/g,
    severity: 'high',
    confidence: 'high',
    validate: notTemplate,
    examples: {
      positive: [
        `<Server><Host>ftp.acme.io</Host><User>backup</User><Pass encoding="base64">${b64(pw)}</Pass></Server>`,
        `<Pass>${pw}</Pass>`,
      ],
      negative: ['<Pass encoding="base64"></Pass>', '<PassiveMode>MODE_DEFAULT</PassiveMode>'],
    },
  },
  {
    id: 'sqldeveloper-password',
    description: 'Oracle SQL Developer saved connection password (connections.xml/json)',
    keywords: ['addrtype="password"', '"password"'],
    pattern:
      /(?:addrType="password">\s{0,8}<Contents>([^<\r\n]{4,400})<\/Contents>|"info"\s{0,4}:\s{0,4}\{[^{}]{0,2000}?"password"\s{0,4}:\s{0,4}"([^"\r\n]{4,400})")/g,
    severity: 'high',
    confidence: 'high',
    validate: notTemplate,
    examples: {
      positive: [`<StringRefAddr addrType="password"><Contents>${fake(B64, 24, 'sqld')}</Contents></StringRefAddr>`],
      negative: ['<StringRefAddr addrType="password"><Contents></Contents></StringRefAddr>'],
    },
  },
  {
    // machine host login user password secret  (one line or spread over lines, also ~/.authinfo)
    id: 'netrc-password',
    description: '.netrc / .authinfo machine password',
    keywords: ['machine', 'default'],
    window: { before: 64, after: 600 },
    // `default` opens an entry only at the start of a line (not "the default password for …" in prose)
    pattern: /(?:\bmachine\s+\S{1,253}|(?<=^|\n)[ \t]*default)(?:\s+(?:login|account|port)\s+\S{1,253}){0,3}\s+password\s+(\S{1,256})/g,
    severity: 'high',
    confidence: 'high',
    validate: notTemplate,
    examples: {
      positive: [`machine api.acme.io\n  login deploy\n  password ${pw}\n`, `machine ci.acme.io login bot password ${pw}`],
      negative: [
        '# machine example.com login user password <password>',
        'the machine password must be rotated',
        'The default password for the Grafana admin is changed on first login.',
      ],
    },
  },
  {
    // .esmtprc, .msmtprc, .fetchmailrc, .muttrc, .netrc-like rc files: `password value` / `password = value`
    id: 'rc-file-password',
    description: 'Password in a mail/FTP client rc file (.esmtprc, .msmtprc, .fetchmailrc, .muttrc, .authinfo)',
    keywords: [],
    paths: /(?:^|\/)\.?(?:esmtprc|msmtprc|fetchmailrc|muttrc|authinfo|netrc|lftprc|s3cfg|smbcredentials|davfs2\/secrets)$|(?:^|\/)_netrc$/,
    pattern:
      /^[ \t]*(?:set[ \t]+)?(?:[\w]+_)?(?:password|passwd|pass|smtp_pass|imap_pass|secret_key)[ \t]*(?:=[ \t]*|[ \t]+)["']?([^\s"'#]{1,256})["']?|[ \t]password[ \t]+"([^"\s]{1,256})"/gim,
    severity: 'high',
    confidence: 'high',
    validate: notTemplate,
    examples: {
      positive: [
        `identity alerts@acme.io\n  hostname smtp.acme.io:587\n  password ${pw}\n`,
        `set smtp_pass = "${pw}"`,
        `poll mail.acme.io protocol imap user "bob" password "${pw}"`,
      ],
      negative: ['# password goes here', 'password ${SMTP_PASSWORD}'],
      path: '.esmtprc',
    },
  },
  {
    id: 'firefox-logins-json',
    description: 'Firefox saved login (logins.json encryptedUsername/encryptedPassword; decryptable with key4.db)',
    keywords: ['"encryptedpassword"', '"encryptedusername"'],
    pattern: /"encrypted(?:Password|Username)"\s{0,4}:\s{0,4}"(M[A-Za-z0-9+/]{30,2000}={0,2})"/g,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [
        `{"hostname":"https://acme.io","encryptedPassword":"MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECB${fake(B64, 24, 'ffx')}"}`,
      ],
      negative: ['{"encryptedPassword": ""}'],
    },
  },
  {
    // ~/.git-credentials: one URL per line with user:token@host; any password length counts.
    id: 'git-credentials-entry',
    description: 'git credential-store entry (.git-credentials)',
    keywords: [],
    paths: /(?:^|\/)\.?git-credentials$|(?:^|\/)credentials\.store$/,
    pattern: /^\s*https?:\/\/[^\s:@/]{1,256}:([^\s@]{1,512})@[\w.-]{1,253}/gm,
    severity: 'critical',
    confidence: 'high',
    validate: notTemplate,
    examples: {
      positive: [`https://deploy:${pw}@git.acme.io`, `https://bot:a1@github.com`],
      negative: ['https://deploy@git.acme.io'],
      path: '.git-credentials',
    },
  },
  {
    id: 'yarnrc-npm-auth-token',
    description: 'Yarn (berry) npmAuthToken / npmAuthIdent in .yarnrc.yml',
    keywords: ['npmauthtoken', 'npmauthident'],
    pattern: /\bnpmAuth(?:Token|Ident)\s{0,4}:\s{0,4}["']?([^\s"'#]{4,512})/gi,
    severity: 'high',
    confidence: 'high',
    validate: notTemplate,
    examples: { positive: [`npmScopes:\n  acme:\n    npmAuthToken: ${fake(A62, 12, 'yrn')}`], negative: ['npmAuthToken: "${NPM_TOKEN}"'] },
  },
  {
    // Postfix sasl_passwd: `[smtp.host]:587 user@host:password`
    id: 'postfix-sasl-password',
    description: 'Postfix SMTP relay password (sasl_passwd)',
    keywords: [],
    paths: /(?:^|\/)sasl_passwd$/,
    pattern: /^[ \t]*\S{1,253}[ \t]+[^\s:]{1,128}:(\S{1,256})[ \t]*$/gm,
    severity: 'high',
    confidence: 'high',
    validate: notTemplate,
    examples: {
      positive: [`[smtp.acme.io]:587 alerts@acme.io:${pw}`],
      negative: ['# [smtp.acme.io]:587 user:password', '[smtp.acme.io]:587 alerts@acme.io:${SMTP_PASSWORD}'],
      path: 'etc/postfix/sasl_passwd',
    },
  },
  {
    // rsyncd secrets file: `user:password` per line
    id: 'rsyncd-secrets',
    description: 'rsync daemon secrets file (user:password)',
    keywords: [],
    paths: /(?:^|\/)rsyncd?\.(?:secrets|scrt|passwd)$/,
    pattern: /^[ \t]*[\w.@-]{1,64}:(\S{1,256})[ \t]*$/gm,
    severity: 'high',
    confidence: 'high',
    validate: notTemplate,
    examples: { positive: [`backup:${pw}`], negative: ['# backup:password', 'backup:password'], path: 'etc/rsyncd.secrets' },
  },
  {
    // userPassword:: <base64 of the plaintext or of a {SCHEME} hash>; plain `userPassword: x` too
    id: 'ldif-user-password',
    description: 'userPassword in an LDIF file (base64 or plain)',
    keywords: ['userpassword:'],
    paths: /\.ldif$/i,
    pattern: /^userPassword::?[ \t]{0,4}(\S{4,512})[ \t]*$/gim,
    severity: 'high',
    confidence: 'high',
    validate: (v, ctx) => {
      if (!notTemplate(v)) return false;
      if (!/^userPassword::/i.test(ctx.line.trim())) return true;
      const d = Buffer.from(v, 'base64').toString('latin1');
      return /^[\x20-\x7e]{4,}$/.test(d) && !/^(?:password|secret|changeme)$/i.test(d);
    },
    examples: {
      positive: [`userPassword:: ${b64('Ld4p' + pw)}`, `userPassword: ${pw}`],
      negative: [`userPassword:: ${b64('changeme')}`, 'userPassword: {{ ldap_password }}'],
      path: 'users.ldif',
    },
  },
  {
    // HAR exports and Postman collections: {"name": "Authorization", "value": "Bearer …"}, {"key": "value", "value": "…"} under "apikey"
    id: 'har-postman-credential',
    description: 'Credential header or auth value saved in a HAR export or Postman collection',
    keywords: ['"authorization"', '"cookie"', '"x-api-key"', '"x-auth-token"', '"private-token"', '"apikey"', '"bearer"'],
    window: { before: 600, after: 600 },
    pattern:
      /"(?:name|key)"\s{0,4}:\s{0,4}"(?:authorization|proxy-authorization|cookie|x-api-key|x-auth-token|private-token|api-key)"\s{0,4},\s{0,4}"value"\s{0,4}:\s{0,4}"(?:(?:bearer|basic|token)\s{1,4})?([^"{}\s][^"{}]{15,2000})"|"key"\s{0,4}:\s{0,4}"(?:value|token|password)"\s{0,4},\s{0,4}"value"\s{0,4}:\s{0,4}"([^"{}\s]{8,2000})"/gi,
    entropy: 3,
    severity: 'high',
    confidence: 'medium',
    validate: (v, ctx) =>
      notTemplate(v) && (!/^"key"/i.test(ctx.line.trim()) || /"(?:apikey|bearer|basic)"\s{0,4}:\s{0,4}\[/i.test(ctx.window)),
    examples: {
      positive: [
        `{"name":"Authorization","value":"Bearer ${fake(A62, 40, 'har')}"}`,
        `{"name":"Cookie","value":"session=${fake(A62, 32, 'harc')}"}`,
        `"auth": {"type": "apikey", "apikey": [\n  { "key": "value", "value": "${fake(A62, 40, 'pm')}", "type": "string" }\n]}`,
      ],
      negative: [
        '{"name":"Authorization","value":"Bearer {{token}}"}',
        '{"name":"Accept","value":"application/json"}',
        `"variable": [\n  { "key": "value", "value": "${fake(A62, 40, 'pmv')}" }\n]`,
      ],
    },
  },
  {
    // ~/.subversion/auth/svn.simple/<hash>: `K 8\npassword\nV <len>\n<password>`
    id: 'svn-simple-password',
    description: 'Subversion cached plaintext password (auth/svn.simple)',
    keywords: [],
    paths: /(?:^|\/)svn\.simple\/[0-9a-f]{32}$/,
    pattern: /^password\r?\nV \d{1,4}\r?\n([^\r\n]{1,256})$/gm,
    severity: 'high',
    confidence: 'high',
    validate: notTemplate,
    examples: {
      positive: [`K 8\npasstype\nV 6\nsimple\nK 8\npassword\nV 10\n${pw}x\nK 8\nusername\nV 3\nbob\nEND\n`],
      negative: ['K 8\npasstype\nV 8\nkeychain\nK 8\nusername\nV 3\nbob\nEND\n'],
      path: '.subversion/auth/svn.simple/5671adf2865e267db74f09ba6f872c28',
    },
  },
];
