// Tests for the SSH key generator: OpenSSH public/private formats, and (with ssh-keygen on the
// machine) that OpenSSH itself loads the private key and derives the same public key.
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateValue } from './registry.js';

const sshKeygen = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    return (e as { status?: number }).status !== undefined && (e as { code?: string }).code !== 'ENOENT';
  }
})();
if (!sshKeygen && process.env.CI === 'true') throw new Error('ssh-keygen is required under CI (apt-get install openssh-client)');

const keyPair = async (options: unknown) => (await generateValue('ssh_key', options)) as Record<string, string>;

const withKeyFile = <T>(privateKey: string, fn: (path: string) => T): T => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-ssh-'));
  try {
    const path = join(dir, 'id');
    writeFileSync(path, privateKey, { mode: 0o600 });
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('ssh_key generator formats', () => {
  it('ed25519: OpenSSH private key block and an ssh-ed25519 public line with the comment', async () => {
    const k = await keyPair({ comment: 'deploy@keyhaven' });
    expect(k.private_key).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n([A-Za-z0-9+/=]{1,70}\n)+-----END OPENSSH PRIVATE KEY-----\n$/);
    expect(k.public_key).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ deploy@keyhaven$/);
    const body = Buffer.from(k.private_key.split('\n').slice(1, -2).join(''), 'base64');
    expect(body.subarray(0, 15).toString('latin1')).toBe('openssh-key-v1\0');
  });

  it('rsa: ssh-rsa public line whose modulus matches the requested size', async () => {
    const k = await keyPair({ algorithm: 'rsa', rsa_bits: 2048 });
    expect(k.public_key).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ keyhaven$/);
    // Parse the SSH blob (string type, mpint e, mpint n) and load the numbers into node as a JWK.
    const blob = Buffer.from(k.public_key.split(' ')[1], 'base64');
    const read = (off: number) => {
      const n = blob.readUInt32BE(off);
      return [blob.subarray(off + 4, off + 4 + n), off + 4 + n] as const;
    };
    const [type, o1] = read(0);
    const [e, o2] = read(o1);
    const [n] = read(o2);
    expect(type.toString()).toBe('ssh-rsa');
    const pub = createPublicKey({
      key: { kty: 'RSA', n: (n[0] === 0 ? n.subarray(1) : n).toString('base64url'), e: e.toString('base64url') },
      format: 'jwk',
    });
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('two draws give different keys', async () => {
    const [a, b] = await Promise.all([keyPair({}), keyPair({})]);
    expect(a.public_key).not.toBe(b.public_key);
    expect(a.private_key).not.toBe(b.private_key);
  });
});

describe.skipIf(!sshKeygen)('ssh_key generator against ssh-keygen (needs ssh-keygen; skipped when it is not installed)', () => {
  for (const options of [{ algorithm: 'ed25519' }, { algorithm: 'rsa', rsa_bits: 2048 }, { algorithm: 'rsa', rsa_bits: 3072 }]) {
    it(`ssh-keygen loads the ${options.algorithm} private key and derives the same public key`, async () => {
      const k = await keyPair({ ...options, comment: 'kh-test' });
      withKeyFile(k.private_key, (path) => {
        const derived = execFileSync('ssh-keygen', ['-y', '-f', path], { encoding: 'utf8' }).trim();
        expect(derived.split(' ').slice(0, 2).join(' ')).toBe(k.public_key.split(' ').slice(0, 2).join(' '));
        const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', path], { encoding: 'utf8' });
        expect(fingerprint).toContain('kh-test');
        if (options.algorithm === 'rsa') expect(fingerprint.startsWith(String(options.rsa_bits))).toBe(true);
      });
    });
  }
});
