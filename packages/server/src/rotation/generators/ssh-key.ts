// SSH key pair generator: Ed25519 (default) or RSA from node:crypto, returned as
// { private_key (OpenSSH format), public_key ("ssh-… AAAA… comment") }.
import { generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { z } from 'zod';
import { defineGenerator } from './generator-types.js';
import { privateKeyPem, publicKeyLine, type SshKeyMaterial } from './openssh-format.js';

const b64u = (s: string | undefined): Buffer => {
  if (!s) throw new Error('ssh_key: the key export is missing a component');
  return Buffer.from(s, 'base64url');
};

// The async form keeps a slow RSA key generation off the event loop.
const genPair = promisify(generateKeyPair) as (
  type: 'ed25519' | 'rsa',
  options?: { modulusLength: number; publicExponent: number },
) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;

export const sshKeyMaterial = async (algorithm: 'ed25519' | 'rsa', rsaBits: number): Promise<SshKeyMaterial> => {
  if (algorithm === 'ed25519') {
    const { privateKey } = await genPair('ed25519');
    const jwk = privateKey.export({ format: 'jwk' }) as JsonWebKey;
    return { type: 'ed25519', publicKey: b64u(jwk.x), seed: b64u(jwk.d) };
  }
  const { privateKey } = await genPair('rsa', { modulusLength: rsaBits, publicExponent: 65537 });
  const jwk = privateKey.export({ format: 'jwk' }) as JsonWebKey;
  return { type: 'rsa', n: b64u(jwk.n), e: b64u(jwk.e), d: b64u(jwk.d), p: b64u(jwk.p), q: b64u(jwk.q), iqmp: b64u(jwk.qi) };
};

export const sshKeyGenerator = defineGenerator({
  kind: 'ssh_key',
  description: 'An SSH key pair (Ed25519, or RSA 2048/3072/4096) in OpenSSH formats: { private_key, public_key }.',
  optionsSchema: z
    .object({
      algorithm: z.enum(['ed25519', 'rsa']).default('ed25519'),
      rsa_bits: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(3072),
      comment: z
        .string()
        .max(256)
        .regex(/^[^\r\n]*$/, 'comment must be a single line')
        .default('keyhaven'),
    })
    .strict(),
  generate: async (o) => {
    const key = await sshKeyMaterial(o.algorithm, o.rsa_bits);
    return { private_key: privateKeyPem(key, o.comment), public_key: publicKeyLine(key, o.comment) };
  },
});
