// Generator family for symmetric keys: encryption_key (raw key bytes, base64), jwt_secret (HMAC key
// for HS256/384/512, base64url) and webhook_secret (signing secret, "whsec_" + base64 by default).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineGenerator } from './generator-types.js';

export const encryptionKeyGenerator = defineGenerator({
  kind: 'encryption_key',
  description: 'A symmetric encryption key (16, 24, 32 or 64 bytes, e.g. AES-256 = 32) encoded as base64.',
  optionsSchema: z.object({ bytes: z.union([z.literal(16), z.literal(24), z.literal(32), z.literal(64)]).default(32) }).strict(),
  generate: async (o) => randomBytes(o.bytes).toString('base64'),
});

export const jwtSecretGenerator = defineGenerator({
  kind: 'jwt_secret',
  description: 'An HMAC secret for signing JWTs (HS256 needs at least 32 bytes); base64url encoded.',
  optionsSchema: z.object({ bytes: z.number().int().min(32).max(512).default(64) }).strict(),
  generate: async (o) => randomBytes(o.bytes).toString('base64url'),
});

export const webhookSecretGenerator = defineGenerator({
  kind: 'webhook_secret',
  description: 'A webhook signing secret: a prefix (default "whsec_") followed by random bytes in base64.',
  optionsSchema: z
    .object({
      prefix: z
        .string()
        .max(32)
        .regex(/^[A-Za-z0-9_.-]*$/, 'prefix may hold only letters, digits, ".", "_" and "-"')
        .default('whsec_'),
      bytes: z.number().int().min(16).max(256).default(32),
    })
    .strict(),
  generate: async (o) => o.prefix + randomBytes(o.bytes).toString('base64'),
});
