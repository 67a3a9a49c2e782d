// Request shapes of the rotation endpoints (snake_case bodies as in seed 000), validated with zod.
import { z } from 'zod';
import { CRITICALITIES, SECRET_TYPES } from '../secrets/secret-types.js';
import { WEEKDAYS } from '../../rotation/engine/schedule.js';

const secretName = z.string().min(1).max(256);
const hour = z.number().int().min(0).max(24);

export const windowSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).optional(),
    business_days: z.boolean().optional(),
    hours: z.object({ start: hour, end: hour }).strict().optional(),
    timezone: z.string().min(1).max(64).optional(),
  })
  .strict();

const scheduleFields = {
  rotation_interval_days: z.number().int().min(1).max(3650).optional(),
  cron: z.string().min(1).max(128).optional(),
  timezone: z.string().min(1).max(64).optional(),
  window: windowSchema.nullish(),
  auto_rotation_enabled: z.boolean().optional(),
  criticality: z.enum(CRITICALITIES).optional(),
  rotate_before_expiry_days: z.number().int().min(0).max(3650).nullish(),
};

export const registerBody = z
  .object({
    secret_name: secretName,
    provider_name: z.string().min(1).max(64).optional(),
    secret_type: z.enum(SECRET_TYPES).optional(),
    description: z.string().max(1000).optional(),
    rotator: z.string().min(1).max(64).optional(),
    rotator_config: z.record(z.unknown()).optional(),
    admin_credential_secret: secretName.optional(),
    generator: z
      .object({ kind: z.string().min(1).max(64), options: z.record(z.unknown()).optional() })
      .strict()
      .optional(),
    tags: z.array(z.string().min(1).max(64)).max(64).optional(),
    service: z.string().min(1).max(128).optional(),
    ...scheduleFields,
  })
  .strict();
export type RegisterInput = z.infer<typeof registerBody>;

export const scheduleBody = z.object({ secret_name: secretName, ...scheduleFields }).strict();
export type ScheduleInput = z.infer<typeof scheduleBody>;

export const rotateBody = z
  .object({
    secret_name: secretName,
    rotation_method: z.enum(['manual', 'automatic']).default('manual'),
    reason: z.string().max(500).optional(),
  })
  .strict();

/** Which secrets a bulk (emergency) rotation takes. Criteria combine (all must hold); `all: true`
 *  alone takes every one. Only secrets registered for rotation are taken unless
 *  `include_unregistered` says so: an unregistered secret (an imported DATABASE_URL, a value a
 *  provider sync wrote) would be overwritten with a generated value its users never asked for. */
export const selectorSchema = z
  .object({
    tag: z.string().min(1).max(64).optional(),
    service: z.string().min(1).max(128).optional(),
    provider: z.string().min(1).max(64).optional(),
    type: z.enum(SECRET_TYPES).optional(),
    prefix: z.string().min(1).max(256).optional(),
    criticality: z.enum(CRITICALITIES).optional(),
    all: z.literal(true).optional(),
    include_unregistered: z.boolean().optional(),
  })
  .strict()
  .refine((s) => s.all === true || [s.tag, s.service, s.provider, s.type, s.prefix, s.criticality].some((x) => x !== undefined), {
    message: 'give at least one of tag, service, provider, type, prefix, criticality, or all: true',
  })
  .refine((s) => !(s.provider && s.include_unregistered), {
    message: 'provider selects registered secrets only; include_unregistered does not apply',
  });
export type Selector = z.infer<typeof selectorSchema>;

export const emergencyBody = z
  .object({
    secret_name: secretName.optional(),
    new_value: z.union([z.string().min(1), z.record(z.unknown())]).optional(),
    reason: z.string().max(500).optional(),
    selector: selectorSchema.optional(),
    dry_run: z.boolean().optional(),
    confirm: z.boolean().optional(),
  })
  .strict()
  .refine((b) => (b.secret_name === undefined) !== (b.selector === undefined), { message: 'give either secret_name or selector' })
  .refine((b) => !(b.selector && b.new_value !== undefined), { message: 'new_value applies to one secret only, not to a selector' });

export const historyQuery = z.object({
  secret_name: secretName.optional(),
  status: z.enum(['success', 'failed', 'partial', 'rolled_back', 'in_progress']).optional(),
  method: z.enum(['automatic', 'manual', 'emergency', 'rollback']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Due secrets one call takes at most (default rotation.maxPerCall, 100); the reply's `remaining` says how many are left. */
const maxPerCall = z.number().int().min(1).max(10_000).optional();
export const rotateDueBody = z
  .object({ dry_run: z.boolean().optional(), criticality: z.enum(CRITICALITIES).optional(), max: maxPerCall })
  .strict();
export const rollbackBody = z.object({ secret_name: secretName, reason: z.string().max(500).optional() }).strict();
export const scheduledBody = z
  .object({
    schedule_name: z.string().max(128).optional(),
    criticality: z.enum(CRITICALITIES).optional(),
    all_tenants: z.boolean().optional(),
    max: maxPerCall,
  })
  .strict();
export const dueQuery = z.object({ criticality: z.enum(CRITICALITIES).optional() });
