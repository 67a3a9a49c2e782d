// Encrypted offline snapshots for `keyhaven run --snapshot`: AES-256-GCM with a key from
// KEYHAVEN_SNAPSHOT_KEY (32 bytes, base64 or hex) or scrypt over KEYHAVEN_SNAPSHOT_PASSPHRASE;
// written with mode 0600 through a temporary file and an atomic rename.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { SnapshotError } from './reader-errors.js';

export type SnapshotKey = { kind: 'raw'; key: Buffer } | { kind: 'passphrase'; passphrase: string };
const AAD = Buffer.from('keyhaven-snapshot-v1');
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export const snapshotKeyFromEnv = (env: Record<string, string | undefined> = process.env): SnapshotKey => {
  const raw = env.KEYHAVEN_SNAPSHOT_KEY;
  if (raw) {
    const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
    if (key.length !== 32) throw new SnapshotError('KEYHAVEN_SNAPSHOT_KEY must be 32 bytes, base64 or 64 hex characters.');
    return { kind: 'raw', key };
  }
  const passphrase = env.KEYHAVEN_SNAPSHOT_PASSPHRASE;
  if (passphrase) return { kind: 'passphrase', passphrase };
  throw new SnapshotError('A snapshot needs a key: set KEYHAVEN_SNAPSHOT_KEY (32 bytes, base64) or KEYHAVEN_SNAPSHOT_PASSPHRASE.');
};

const deriveKey = (k: SnapshotKey, salt: Buffer) => (k.kind === 'raw' ? k.key : scryptSync(k.passphrase, salt, 32, SCRYPT));

export interface SnapshotData {
  created_at: string;
  addr: string;
  tenant: string;
  values: Record<string, unknown>;
}

export const writeSnapshot = (file: string, data: SnapshotData, key: SnapshotKey) => {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', deriveKey(key, salt), iv);
  c.setAAD(AAD);
  const ct = Buffer.concat([c.update(JSON.stringify(data), 'utf8'), c.final()]);
  const body = JSON.stringify({
    v: 1,
    kdf: key.kind === 'raw' ? 'raw' : 'scrypt',
    salt: salt.toString('base64'),
    iv: iv.toString('base64'),
    tag: c.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  });
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, body, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
};

export const readSnapshot = (file: string, key: SnapshotKey): SnapshotData => {
  let f: { v: number; kdf: string; salt: string; iv: string; tag: string; ct: string };
  try {
    f = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SnapshotError(`The snapshot ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'not JSON'}).`, { cause: e });
  }
  if (f.v !== 1) throw new SnapshotError(`The snapshot ${file} has an unknown format version.`);
  if ((f.kdf === 'raw') !== (key.kind === 'raw'))
    throw new SnapshotError(
      `The snapshot ${file} was written with a ${f.kdf === 'raw' ? 'KEYHAVEN_SNAPSHOT_KEY' : 'passphrase'}; provide the same kind of key.`,
    );
  try {
    const d = createDecipheriv('aes-256-gcm', deriveKey(key, Buffer.from(f.salt, 'base64')), Buffer.from(f.iv, 'base64'));
    d.setAAD(AAD);
    d.setAuthTag(Buffer.from(f.tag, 'base64'));
    return JSON.parse(Buffer.concat([d.update(Buffer.from(f.ct, 'base64')), d.final()]).toString('utf8')) as SnapshotData;
  } catch (e) {
    throw new SnapshotError(`The snapshot ${file} does not open with this key (wrong key or a damaged file).`, { cause: e });
  }
};
