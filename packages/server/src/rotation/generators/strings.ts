// Generator family for text secrets made of an alphabet or of random bytes: api_key, token, hex,
// base64, base64url, uuid.
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineGenerator } from './generator-types.js';
import { BASE62, randomString } from './random.js';

const bytes = (def: number) => z.number().int().min(8).max(4096).default(def);

export const apiKeyGenerator = defineGenerator({
  kind: 'api_key',
  description: 'An API key: an optional prefix (e.g. "kh_live_") followed by random base62 characters.',
  optionsSchema: z
    .object({
      prefix: z
        .string()
        .max(32)
        .regex(/^[A-Za-z0-9_.-]*$/, 'prefix may hold only letters, digits, ".", "_" and "-"')
        .default(''),
      length: z.number().int().min(16).max(256).default(40),
    })
    .strict(),
  generate: async ({ prefix, length }) => prefix + randomString(BASE62, length),
});

export const tokenGenerator = defineGenerator({
  kind: 'token',
  description: 'An opaque bearer token: random bytes encoded as base64url (default) or hex.',
  optionsSchema: z.object({ bytes: bytes(32), encoding: z.enum(['base64url', 'hex']).default('base64url') }).strict(),
  generate: async (o) => randomBytes(o.bytes).toString(o.encoding),
});

export const hexGenerator = defineGenerator({
  kind: 'hex',
  description: 'Random bytes as lowercase hex (two characters per byte).',
  optionsSchema: z.object({ bytes: bytes(32) }).strict(),
  generate: async (o) => randomBytes(o.bytes).toString('hex'),
});

export const base64Generator = defineGenerator({
  kind: 'base64',
  description: 'Random bytes as standard padded base64.',
  optionsSchema: z.object({ bytes: bytes(32) }).strict(),
  generate: async (o) => randomBytes(o.bytes).toString('base64'),
});

export const base64urlGenerator = defineGenerator({
  kind: 'base64url',
  description: 'Random bytes as unpadded URL-safe base64.',
  optionsSchema: z.object({ bytes: bytes(32) }).strict(),
  generate: async (o) => randomBytes(o.bytes).toString('base64url'),
});

export const uuidGenerator = defineGenerator({
  kind: 'uuid',
  description: 'A random (version 4) UUID.',
  optionsSchema: z.object({}).strict(),
  generate: async () => randomUUID(),
});
