// Private key material: PEM (RSA, EC, DSA, PKCS#8, encrypted), OpenSSH, PGP, PuTTY, SSH2, PKCS#12
// (PEM and base64 DER), OpenVPN static keys, WireGuard keys. PEM bodies inside JSON strings (with
// literal "\n") are recognised too.
import type { Rule } from '../types.js';
import { B64, fake } from './define.js';

const body = (seed: string, lines = 6) => Array.from({ length: lines }, (_, i) => fake(B64, 64, seed + i)).join('\n');
const pem = (label: string, seed: string, extra = '') => `-----BEGIN ${label}-----\n${extra}${body(seed)}\n-----END ${label}-----`;

// The body (group 1) is the secret. Lines may end in real newlines or escaped "\n".
const pemRule = (id: string, label: string, description: string, labelRe = label): Rule => ({
  id,
  description,
  keywords: [`begin ${label.toLowerCase()}`],
  pattern: new RegExp(
    `-----BEGIN ${labelRe}-----(?:\\\\r|\\\\n|\\s){1,4}((?:[A-Za-z0-9-]{1,40}: [^\\n\\\\]{1,200}(?:\\\\r|\\\\n|\\s){1,4}){0,4}(?:[A-Za-z0-9+/=]{16,80}(?:\\\\r|\\\\n|\\s){1,4}){1,200}[A-Za-z0-9+/=]{0,80})(?:\\\\r|\\\\n|\\s){0,4}-----END ${labelRe}-----`,
    'g',
  ),
  severity: 'critical',
  confidence: 'high',
  reportAt: 'match',
  window: { before: 64, after: 20000 },
  examples: {
    positive: [pem(label, id), JSON.stringify({ private_key: pem(label, id + 'j') })],
    negative: [`-----BEGIN ${label}-----\n-----END ${label}-----`, `-----BEGIN ${label}-----\n...\n-----END ${label}-----`],
  },
});

/** Strip what source code wraps around PEM lines: quotes, concatenation, escaped newlines, commas. */
const pemBody = (s: string) => s.replace(/\\[rn]|["'`+,&.;\s\\]|\bn?\+/g, '');
const PEM_LABELS = 'RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED |ANY |';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const concatenated = (seed: string) => {
  const lines = Array.from({ length: 6 }, (_, i) => fake(B64, 64, seed + i));
  return `String key = "-----BEGIN PRIVATE KEY-----\\n" +\n${lines.map((l) => `    "${l}\\n" +`).join('\n')}\n    "-----END PRIVATE KEY-----";`;
};

export const privateKeyRules: Rule[] = [
  pemRule('private-key-rsa', 'RSA PRIVATE KEY', 'RSA private key (PEM, PKCS#1)'),
  pemRule('private-key-ec', 'EC PRIVATE KEY', 'EC private key (PEM)'),
  pemRule('private-key-dsa', 'DSA PRIVATE KEY', 'DSA private key (PEM)'),
  pemRule('private-key-pkcs8', 'PRIVATE KEY', 'Private key (PEM, PKCS#8)'),
  pemRule('private-key-encrypted', 'ENCRYPTED PRIVATE KEY', 'Encrypted private key (PEM, PKCS#8)'),
  pemRule('private-key-openssh', 'OPENSSH PRIVATE KEY', 'OpenSSH private key'),
  pemRule('private-key-pgp', 'PGP PRIVATE KEY BLOCK', 'PGP/GPG private key block'),
  pemRule('private-key-pkcs12-pem', 'PKCS12', 'PKCS#12 bundle in PEM armour'),
  pemRule('private-key-ssh2-encrypted', 'SSH2 ENCRYPTED PRIVATE KEY', 'SSH2 (ssh.com) encrypted private key'),
  pemRule('openvpn-static-key', 'OpenVPN Static key V1', 'OpenVPN static key'),
  {
    // Any other PEM private key, and keys written as string literals in source code: lines split
    // over "..." + "..." concatenations, joined with "\n", in arrays, or with other label spellings.
    id: 'private-key-pem',
    description: 'Private key (PEM), also split across string literals in source code',
    keywords: ['private key-----', 'private key block-----'],
    generic: true,
    reportAt: 'match',
    window: { before: 128, after: 30000 },
    pattern: new RegExp(
      `-----BEGIN (?:${PEM_LABELS})?[A-Z0-9 ]{0,20}PRIVATE KEY(?: BLOCK)?-----([\\s\\S]{60,25000}?)-----END [A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----`,
      'g',
    ),
    severity: 'critical',
    confidence: 'high',
    validate: (v) => {
      const body = pemBody(v.replace(/^[A-Za-z-]+: [^\n\\]*$/gm, ''));
      return body.length >= 60 && /^[A-Za-z0-9+/=]+$/.test(body) && new Set(body).size > 20;
    },
    examples: {
      positive: [
        concatenated('pc'),
        `k = ["-----BEGIN RSA PRIVATE KEY-----",\n${Array.from({ length: 5 }, (_, i) => `"${fake(B64, 64, 'arr' + i)}",`).join('\n')}\n"-----END RSA PRIVATE KEY-----"]`,
      ],
      negative: [
        '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----',
        `"-----BEGIN PRIVATE KEY-----" + key + "-----END PRIVATE KEY-----"`,
        '-----BEGIN PRIVATE KEY-----\n<paste your key here, it is a long base64 text that goes on and on>\n-----END PRIVATE KEY-----',
      ],
    },
  },
  {
    // Kubernetes secrets, Helm values and CI variables often hold the PEM file base64-encoded once more:
    // "-----BEGIN" always encodes to LS0tLS1CRUdJTi at the start of the value.
    id: 'private-key-base64-pem',
    description: 'Base64-encoded PEM private key',
    keywords: ['ls0tls1crudjti'],
    window: { before: 16, after: 30000 },
    pattern: /(?<![A-Za-z0-9+/])(LS0tLS1CRUdJTi[A-Za-z0-9+/]{60,25000}={0,2})(?![A-Za-z0-9+/=])/g,
    severity: 'critical',
    confidence: 'high',
    validate: (v) =>
      /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/.test(Buffer.from(v.slice(0, 120), 'base64').toString('latin1')),
    examples: {
      positive: [`tls.key: ${b64(pem('RSA PRIVATE KEY', 'b64pem'))}`, `"privateKey": "${b64(pem('EC PRIVATE KEY', 'b64ec'))}"`],
      negative: [`cert: ${b64(pem('CERTIFICATE', 'b64crt'))}`, `x: LS0tLS1CRUdJTiBQ`],
    },
  },
  {
    id: 'private-key-putty',
    description: 'PuTTY private key file (.ppk)',
    keywords: ['putty-user-key-file-'],
    reportAt: 'match',
    pattern:
      /PuTTY-User-Key-File-[23]: [\w-]{3,40}\r?\n(?:[^\n]{0,200}\r?\n){1,60}?Private-Lines: \d{1,3}\r?\n((?:[A-Za-z0-9+/=]{4,80}\r?\n){1,100})/g,
    severity: 'critical',
    confidence: 'high',
    window: { before: 16, after: 8000 },
    examples: {
      positive: [
        `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n${body('pp1', 2)}\nPrivate-Lines: 1\n${fake(B64, 44, 'ppk')}\nPrivate-MAC: ${fake(B64, 40, 'mac')}\n`,
      ],
      negative: ['PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n'],
    },
  },
  {
    id: 'pkcs12-base64',
    description: 'PKCS#12 / PFX keystore embedded as base64',
    keywords: ['agedmii'],
    pattern: /(?<![A-Za-z0-9+/])(MII[A-Za-z0-9+/]{2}AgEDMII[A-Za-z0-9+/=\r\n]{100,20000})/g,
    window: { before: 16, after: 20000 },
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [`keystore: MIIK${fake(B64, 1, 'p')}AgEDMII${fake(B64, 200, 'p12')}`],
      negative: [`keystore: MIIK${fake(B64, 1, 'p')}AgEDMII${fake(B64, 20, 'p12')}`],
    },
  },
  {
    id: 'wireguard-private-key',
    description: 'WireGuard interface private key',
    keywords: ['privatekey'],
    pattern: /^\s{0,8}PrivateKey\s{0,4}=\s{0,4}([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)/gm,
    severity: 'critical',
    confidence: 'high',
    examples: { positive: [`[Interface]\nPrivateKey = ${fake(B64, 42, 'wg')}A=`], negative: ['PrivateKey = <your key>'] },
  },
  {
    // {"kty":"EC","crv":"P-256","x":"…","y":"…","d":"…"}: "d" (and RSA "p", "q", "dp", "dq", "qi") is the private part
    id: 'jwk-private-key',
    description: 'Private JSON Web Key (JWK with a "d" member)',
    keywords: ['"kty"'],
    window: { before: 4000, after: 4000 },
    pattern: /"d"\s{0,4}:\s{0,4}"([A-Za-z0-9_-]{32,2000})"/g,
    entropy: 3.5,
    severity: 'critical',
    confidence: 'high',
    validate: (_v, ctx) => /"kty"\s{0,4}:\s{0,4}"(?:EC|RSA|OKP)"/.test(ctx.window),
    examples: {
      positive: [
        `{"kty":"EC","crv":"P-256","x":"${fake(B64, 43, 'jx').replace(/[+/]/g, '_')}","d":"${fake(B64, 43, 'jd').replace(/[+/]/g, '-')}"}`,
      ],
      negative: [
        `{"kty":"EC","crv":"P-256","x":"${fake(B64, 43, 'jx2').replace(/[+/]/g, '_')}","y":"${fake(B64, 43, 'jy2').replace(/[+/]/g, '_')}"}`,
        `{"d":"${fake(B64, 43, 'jd3').replace(/[+/]/g, '-')}","type":"dimension"}`,
      ],
    },
  },
  {
    // a private key as bare base64 DER (no PEM armour): PKCS#8 RSA, PKCS#1 RSA, SEC1 EC, PKCS#8 EC P-256, Ed25519
    id: 'private-key-base64-der',
    description: 'Private key as bare base64 DER (PKCS#8 / PKCS#1 / SEC1 without BEGIN/END lines)',
    keywords: ['ibadanbgkqhkig9w0baqefaas', 'ibaakcaqea', 'ibaakcagea', 'mhccaqeei', 'mc4caqawbqydk2vwbciei', 'bggqhkjopqmbbw'],
    pattern:
      /(?<![A-Za-z0-9+/])((?:MII[A-Za-z0-9+/]{3}IBADANBgkqhkiG9w0BAQEFAAS|MII[A-Za-z0-9+/]{3}IBAAKC(?:AQ|Ag)EA|MHcCAQEEI|MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg|MC4CAQAwBQYDK2VwBCIEI)[A-Za-z0-9+/]{40,12000}={0,2})(?![A-Za-z0-9+/=])/g,
    severity: 'critical',
    confidence: 'high',
    window: { before: 256, after: 12000 },
    // inside a PEM block the PEM rules report it (at the BEGIN line)
    validate: (v, ctx) => {
      const i = ctx.window.indexOf(v);
      return i < 0 || !/-----BEGIN [A-Z0-9 ]{0,40}-----(?:\\r|\\n|\s){0,4}$/.test(ctx.window.slice(Math.max(0, i - 120), i));
    },
    examples: {
      positive: [
        `private_key = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ${fake(B64, 200, 'der')}"`,
        `KEY=MIIEpAIBAAKCAQEA${fake(B64, 300, 'der1')}`,
      ],
      negative: [
        `public_key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${fake(B64, 200, 'spki')}"`,
        `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ${fake(B64, 40, 'der2')}\n-----END PRIVATE KEY-----`,
      ],
    },
  },
];
