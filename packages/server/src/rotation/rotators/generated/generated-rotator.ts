// The "generated" rotator: the value lives only in Keyhaven (API keys, signing secrets that clients
// read from here), so rotating means storing a fresh value; set/test/rollback/revoke do nothing.
import { z } from 'zod';
import type { RotatorDefinition } from '../../rotator-types.js';

export const generatedConfigSchema = z
  .object({
    /** For object values: the field that receives the generated value; other fields are kept. */
    field: z.string().min(1).max(128).optional(),
  })
  .strict();
export type GeneratedConfig = z.infer<typeof generatedConfigSchema>;

export const generatedRotator: RotatorDefinition<GeneratedConfig> = {
  kind: 'generated',
  displayName: 'Generated value',
  description:
    'Replaces the stored value with a freshly generated one; no external system is changed. With "field", only that field of an object value changes.',
  configSchema: generatedConfigSchema,
  capabilities: { strategies: ['single'], rollback: true, revoke: false, needsAdminCredential: false, valueOnly: true },
  create: ({ config }) => ({
    prepare(current, generated) {
      if (!config.field) return generated;
      const base = current !== null && typeof current === 'object' ? current : {};
      return { ...base, [config.field]: generated };
    },
    set: async () => undefined,
    test: async () => undefined,
    rollback: async () => undefined,
    revoke: async () => undefined,
    close: async () => undefined,
  }),
};
