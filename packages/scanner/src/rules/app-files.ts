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
];
