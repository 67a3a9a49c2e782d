// Private key material: PEM (RSA, EC, DSA, PKCS#8, encrypted), OpenSSH, PGP, PuTTY, SSH2, PKCS#12
// (PEM and base64 DER), OpenVPN static keys, WireGuard keys. PEM bodies inside JSON strings (with
// literal "\n") are recognised too.
import type { Rule } from '../types.js';
import { B64, fake } from './define.js';

const body = (seed: string, lines = 6) =>
  Array.from({ length: lines }, (_, i) => fake(B64, 64, seed + i)).join('\n');
const pem = (label: string, seed: string, extra = '') =>
  `-----BEGIN ${label}-----\n${extra}${body(seed)}\n-----END ${label}-----`;

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
  window: { before: 64, after: 20000 },
  examples: {
    positive: [pem(label, id), JSON.stringify({ private_key: pem(label, id + 'j') })],
    negative: [`-----BEGIN ${label}-----\n-----END ${label}-----`, `-----BEGIN ${label}-----\n...\n-----END ${label}-----`],
  },
});

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
    id: 'private-key-putty',
    description: 'PuTTY private key file (.ppk)',
    keywords: ['putty-user-key-file-'],
    pattern: /PuTTY-User-Key-File-[23]: [\w-]{3,40}\r?\n(?:[^\n]{0,200}\r?\n){1,60}?Private-Lines: \d{1,3}\r?\n((?:[A-Za-z0-9+/=]{4,80}\r?\n){1,100})/g,
    severity: 'critical',
    confidence: 'high',
    window: { before: 16, after: 8000 },
    examples: {
      positive: [`PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n${body('pp1', 2)}\nPrivate-Lines: 1\n${fake(B64, 44, 'ppk')}\nPrivate-MAC: ${fake(B64, 40, 'mac')}\n`],
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
    examples: { positive: [`keystore: MIIK${fake(B64, 1, 'p')}AgEDMII${fake(B64, 200, 'p12')}`], negative: [`keystore: MIIK${fake(B64, 1, 'p')}AgEDMII${fake(B64, 20, 'p12')}`] },
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
];
