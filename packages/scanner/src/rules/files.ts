// File rules: credential files recognised as a whole (usually binary, so no text rule can look inside):
// PKCS#12/PFX and Java keystores, Kerberos keytabs, browser login databases, encrypted DB-tool
// credential stores. A finding points at line 1 of the file; its hash is the hash of the file.
import type { Confidence, Severity } from '../types.js';

export interface FileRule {
  id: string;
  description: string;
  severity: Severity;
  confidence: Confidence;
  /** Decide from the path and the first bytes (the whole buffer is passed). */
  match(buf: Buffer, path: string): boolean;
  examples: { positive: Array<{ path: string; bytes: Buffer }>; negative: Array<{ path: string; bytes: Buffer }> };
}

const base = (p: string) => p.replace(/\\/g, '/').split('/').pop() ?? p;
const PKCS7_DATA = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]);
const isDerSequence = (b: Buffer) => b.length > 16 && b[0] === 0x30 && (b[1] === 0x80 || (b[1] >= 0x81 && b[1] <= 0x84));
/** PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (pkcs7-data) ... } */
const isPkcs12 = (b: Buffer) => {
  if (!isDerSequence(b)) return false;
  const head = b.subarray(0, 48);
  const v = head.indexOf(Buffer.from([0x02, 0x01, 0x03]));
  return v > 0 && v <= 6 && head.indexOf(PKCS7_DATA) > v;
};
/** Keytab v2: 0x0502, then entries: int32 size, int16 components, counted realm (printable). */
const isKeytab = (b: Buffer, path: string) => {
  if (b.length < 16 || b[0] !== 0x05 || (b[1] !== 0x02 && b[1] !== 0x01)) return false;
  const size = b.readInt32BE(2);
  const comps = b.readUInt16BE(6);
  const realmLen = b.readUInt16BE(8);
  const realm = b.subarray(10, 10 + realmLen).toString('latin1');
  const plausible =
    size > 0 && size < 65536 && comps >= 1 && comps <= 8 && realmLen >= 1 && realmLen <= 255 && /^[\x21-\x7e]+$/.test(realm);
  return plausible || (/\.keytab$/i.test(path) && size > 0);
};

const pfx = Buffer.concat([
  Buffer.from([0x30, 0x82, 0x0a, 0x01, 0x02, 0x01, 0x03, 0x30, 0x82, 0x09, 0xc7]),
  PKCS7_DATA,
  Buffer.alloc(40, 1),
]);
const keytab = Buffer.concat([
  Buffer.from([0x05, 0x02, 0, 0, 0, 0x3c, 0, 1, 0, 8]),
  Buffer.from('ACME.COM'),
  Buffer.from([0, 4]),
  Buffer.from('HTTP'),
  Buffer.alloc(30, 9),
]);
const sqlite = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(84, 0)]);

export const fileRules: readonly FileRule[] = Object.freeze([
  {
    id: 'pkcs12-file',
    description: 'PKCS#12 / PFX keystore file (private key and certificates)',
    severity: 'high',
    confidence: 'high',
    match: (b) => isPkcs12(b),
    examples: {
      positive: [
        { path: 'certs/client.p12', bytes: pfx },
        { path: 'deploy/signing.pfx.bak', bytes: pfx },
      ],
      negative: [
        { path: 'certs/ca.der', bytes: Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) },
      ],
    },
  },
  {
    id: 'java-keystore-file',
    description: 'Java keystore (JKS/JCEKS), may hold private keys',
    severity: 'medium',
    confidence: 'medium',
    match: (b) =>
      b.length > 12 &&
      ((b[0] === 0xfe && b[1] === 0xed && b[2] === 0xfe && b[3] === 0xed) ||
        (b[0] === 0xce && b[1] === 0xce && b[2] === 0xce && b[3] === 0xce)),
    examples: {
      positive: [{ path: 'keystore.jks', bytes: Buffer.concat([Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]), Buffer.alloc(40, 3)]) }],
      negative: [{ path: 'a.bin', bytes: Buffer.alloc(40, 0xfe) }],
    },
  },
  {
    id: 'kerberos-keytab-file',
    description: 'Kerberos keytab (long-term keys of a principal)',
    severity: 'critical',
    confidence: 'high',
    match: isKeytab,
    examples: {
      positive: [
        { path: 'etc/http.keytab', bytes: keytab },
        { path: 'krb5.kt', bytes: keytab },
      ],
      negative: [{ path: 'img.bin', bytes: Buffer.concat([Buffer.from([0x05, 0x02, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(30, 0)]) }],
    },
  },
  {
    id: 'browser-login-store',
    description: 'Browser saved-password database (Chrome Login Data, Firefox key3/key4.db, signons.sqlite)',
    severity: 'high',
    confidence: 'medium',
    match: (b, p) =>
      /^(?:Login Data(?: For Account)?|key[34]\.db|signons\.sqlite)$/.test(base(p)) &&
      b.subarray(0, 16).toString('latin1') === 'SQLite format 3\0',
    examples: {
      positive: [
        { path: 'Chrome/Default/Login Data', bytes: sqlite },
        { path: 'profile/key4.db', bytes: sqlite },
      ],
      negative: [{ path: 'Chrome/Default/History', bytes: sqlite }],
    },
  },
  {
    id: 'dbeaver-credentials-file',
    description: 'DBeaver saved connection credentials (credentials-config.json, encrypted with a well-known key)',
    severity: 'high',
    confidence: 'high',
    match: (b, p) => base(p) === 'credentials-config.json' && b.length >= 16 && b.subarray(0, 64).some((x) => x < 9 || x > 126),
    examples: {
      positive: [
        {
          path: '.local/share/DBeaverData/workspace6/General/.dbeaver/credentials-config.json',
          bytes: Buffer.from([0x8a, 0x13, 0xfe, 0x02, 0x44, 0x91, 0x00, 0x7c, 0x19, 0xee, 0x55, 0x66, 0x01, 0x02, 0x03, 0x04, 0x05]),
        },
      ],
      negative: [{ path: 'credentials-config.json', bytes: Buffer.from('{"note": "not encrypted, scanned as text"}') }],
    },
  },
]);
