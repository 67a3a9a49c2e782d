// Request and response schemas of the secret routes (zod; they also generate the OpenAPI document).
import { z } from 'zod';
import { CRITICALITIES, LABELS, SECRET_TYPES } from './secret-types.js';

const text = (max: number) => z.string().max(max);
const tag = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^,\s]+$/, 'tags hold no commas or spaces');

export const metadataFields = {
  type: z.enum(SECRET_TYPES).optional(),
  description: text(1024).nullable().optional(),
  tags: z.array(tag).max(64).optional(),
  service: text(128).nullable().optional(),
  environment: text(64).nullable().optional(),
  criticality: z.enum(CRITICALITIES).optional(),
  owner: text(256).nullable().optional(),
  expires_at: z.string().datetime({ offset: true }).nullable().optional(),
  metadata: z
    .record(text(256), text(4096))
    .refine((m) => Object.keys(m).length <= 64, 'at most 64 metadata entries')
    .optional(),
  max_versions: z.number().int().min(1).max(1000).optional(),
};

export const secretValue = z
  .union([z.string(), z.record(z.unknown())])
  .describe('A string, or a JSON object (fields readable as name#field).');

export const createSecretBody = z.object({ name: z.string().min(1).max(256), value: secretValue, ...metadataFields }).strict();
export const writeVersionBody = z
  .object({
    value: secretValue,
    cas: z.number().int().min(0).optional().describe('Check-and-set: 0 = must not exist; n = latest version must be n.'),
    label: z.enum(['current', 'pending']).optional(),
    ...metadataFields,
  })
  .strict();
export const updateMetadataBody = z.object(metadataFields).strict();
export const destroyBody = z.object({ versions: z.array(z.number().int().min(1)).min(1).max(1000).optional() }).strict();

export const readQuery = z
  .object({
    version: z.coerce.number().int().min(1).optional(),
    label: z.enum(LABELS).optional(),
    field: z.string().min(1).max(256).optional(),
  })
  .strict();

const csv = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));
export const listQuery = z
  .object({
    prefix: z.string().max(256).optional(),
    type: z.enum(SECRET_TYPES).optional(),
    tag: csv.optional(),
    service: z.string().max(128).optional(),
    environment: z.string().max(64).optional(),
    criticality: z.enum(CRITICALITIES).optional(),
    include_deleted: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(256).optional(),
  })
  .strict();

export const matchBody = z
  .object({
    sha256: z
      .array(z.string().regex(/^[0-9a-f]{64}$/))
      .min(1)
      .max(10_000),
  })
  .strict();
