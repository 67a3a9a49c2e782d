// Encoders for OpenSSH key formats from raw key material (node has no OpenSSH export): the public
// key line ("ssh-ed25519 AAAA… comment") and the unencrypted "openssh-key-v1" private key (PROTOCOL.key).
import { randomBytes } from 'node:crypto';

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** SSH "string": uint32 length + bytes. */
export const sshString = (v: Buffer | string): Buffer => {
  const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  return Buffer.concat([u32(b.length), b]);
};

/** SSH "mpint": positive big-endian integer, minimal, with a 0x00 prefix when the top bit is set. */
export const sshMpint = (unsignedBigEndian: Buffer): Buffer => {
  let i = 0;
  while (i < unsignedBigEndian.length && unsignedBigEndian[i] === 0) i++;
  let b = unsignedBigEndian.subarray(i);
  if (b.length > 0 && (b[0] & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return sshString(b);
};

export type SshKeyMaterial =
  | { type: 'ed25519'; publicKey: Buffer; seed: Buffer }
  | { type: 'rsa'; n: Buffer; e: Buffer; d: Buffer; p: Buffer; q: Buffer; iqmp: Buffer };

const keyTypeName = (k: SshKeyMaterial) => (k.type === 'ed25519' ? 'ssh-ed25519' : 'ssh-rsa');

export const publicKeyBlob = (k: SshKeyMaterial): Buffer =>
  k.type === 'ed25519'
    ? Buffer.concat([sshString('ssh-ed25519'), sshString(k.publicKey)])
    : Buffer.concat([sshString('ssh-rsa'), sshMpint(k.e), sshMpint(k.n)]);

export const publicKeyLine = (k: SshKeyMaterial, comment: string): string =>
  `${keyTypeName(k)} ${publicKeyBlob(k).toString('base64')}${comment ? ` ${comment}` : ''}`;

const privateFields = (k: SshKeyMaterial): Buffer =>
  k.type === 'ed25519'
    ? Buffer.concat([sshString(k.publicKey), sshString(Buffer.concat([k.seed, k.publicKey]))])
    : Buffer.concat([sshMpint(k.n), sshMpint(k.e), sshMpint(k.d), sshMpint(k.iqmp), sshMpint(k.p), sshMpint(k.q)]);

/** The unencrypted OpenSSH private key file ("-----BEGIN OPENSSH PRIVATE KEY-----"). */
export const privateKeyPem = (k: SshKeyMaterial, comment: string): string => {
  const check = randomBytes(4);
  let priv = Buffer.concat([check, check, sshString(keyTypeName(k)), privateFields(k), sshString(comment)]);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(Buffer.alloc(0)),
    u32(1),
    sshString(publicKeyBlob(k)),
    sshString(priv),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
};
