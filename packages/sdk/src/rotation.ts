// The rotation API of the SDK: registration, schedules, manual / emergency / bulk rotation, rollback,
// due lists and history (the seed 000 endpoints under /v1/rotation/*).
type Request = <T>(
  method: string,
  path: string,
  o?: { query?: Record<string, string | number | boolean | undefined>; body?: unknown },
) => Promise<T>;

export interface RotationRun {
  run_id: string;
  secret_name: string;
  status: 'success' | 'failed' | 'partial' | 'rolled_back' | 'in_progress';
  step: string;
  method: 'automatic' | 'manual' | 'emergency' | 'rollback';
  previous_version: number | null;
  new_version: number | null;
  /** The new current version (same as new_version), for callers that only need the number. */
  version: number;
  next_retry_at: string | null;
  duration_ms: number | null;
  error?: { code: string; message: string };
}
export interface RotationSchedule {
  secret_name: string;
  secret_type: string;
  provider_name: string | null;
  rotator: string;
  rotation_interval_days: number | null;
  cron: string | null;
  timezone: string;
  window: unknown;
  auto_rotation_enabled: boolean;
  criticality: string;
  next_rotation_date: string | null;
  last_rotation_date: string | null;
  last_status: string | null;
  failure_count: number;
  next_retry_at: string | null;
  [k: string]: unknown;
}
export interface RotationHistoryItem {
  id: string;
  secret_name: string;
  rotation_date: string;
  rotation_status: string;
  step: string;
  rotation_method: string;
  previous_version: number | null;
  new_version: number | null;
  duration_seconds: number | null;
  attempt: number;
  actor: string;
  error_code: string | null;
  error_message: string | null;
  next_retry_at: string | null;
  reason: string | null;
}
export interface RegisterOptions {
  provider_name?: string;
  secret_type?: string;
  description?: string;
  rotator?: string;
  rotator_config?: Record<string, unknown>;
  admin_credential_secret?: string;
  generator?: { kind: string; options?: Record<string, unknown> };
  tags?: string[];
  service?: string;
  rotation_interval_days?: number;
  cron?: string;
  timezone?: string;
  window?: Record<string, unknown> | null;
  auto_rotation_enabled?: boolean;
  criticality?: 'low' | 'medium' | 'high' | 'critical';
  rotate_before_expiry_days?: number | null;
}
export type ScheduleOptions = Pick<
  RegisterOptions,
  'rotation_interval_days' | 'cron' | 'timezone' | 'window' | 'auto_rotation_enabled' | 'criticality' | 'rotate_before_expiry_days'
>;
/** Criteria combine (all must hold); `all: true` alone takes every one. Registered secrets only unless `include_unregistered`. */
export interface Selector {
  tag?: string;
  service?: string;
  provider?: string;
  type?: string;
  prefix?: string;
  criticality?: string;
  all?: true;
  include_unregistered?: boolean;
}
export interface BulkResult {
  dry_run: boolean;
  count: number;
  secrets?: string[];
  items?: Array<{ name: string; registered: boolean; rotator: string | null }>;
  unregistered_left_out?: number;
  succeeded?: number;
  failed?: number;
  results?: Array<Partial<RotationRun> & { secret_name: string }>;
}
export interface RotateDueResult {
  dry_run: boolean;
  count?: number;
  secrets?: string[];
  claimed?: number;
  succeeded?: number;
  failed?: number;
  skipped?: number;
  recovered?: number;
  /** Not started: the target reached its per-minute limit (ROTATION_RATE_LIMITED). */ deferred?: Array<{
    secret_name: string;
    code: string;
    message: string;
  }>;
  still_due?: string[];
  errors?: Array<{ secret_name: string; code: string; message: string }>;
  max?: number;
  /** Due secrets left for the next call (the call took at most `max`). */ remaining?: number;
  results?: Array<{ secret_name: string; status: string; new_version: number | null; error?: { code: string; message: string } }>;
}

const withVersion = <T extends { new_version: number | null }>(r: T) => ({ ...r, version: r.new_version ?? 0 });

export const rotationApi = (request: Request) => ({
  register: (name: string, o: RegisterOptions = {}) =>
    request<RotationSchedule & { secret_created: boolean }>('POST', '/v1/rotation/register', { body: { secret_name: name, ...o } }),
  rotate: async (name: string, o: { reason?: string; method?: 'manual' | 'automatic' } = {}) =>
    withVersion(
      await request<RotationRun>('POST', '/v1/rotation/rotate', {
        body: { secret_name: name, rotation_method: o.method ?? 'manual', reason: o.reason },
      }),
    ),
  emergencyRotate: async (name: string, o: { newValue?: string | Record<string, unknown>; reason?: string } = {}) =>
    withVersion(
      await request<RotationRun>('POST', '/v1/rotation/emergency-rotate', {
        body: { secret_name: name, new_value: o.newValue, reason: o.reason },
      }),
    ),
  emergencyRotateBulk: (selector: Selector, o: { dryRun?: boolean; confirm?: boolean; reason?: string } = {}) =>
    request<BulkResult>('POST', '/v1/rotation/emergency-rotate', {
      body: { selector, dry_run: o.dryRun, confirm: o.confirm, reason: o.reason },
    }),
  schedule: (name: string, o: ScheduleOptions) =>
    request<RotationSchedule>('PUT', '/v1/rotation/schedule', { body: { secret_name: name, ...o } }),
  schedules: async () => (await request<{ items: RotationSchedule[] }>('GET', '/v1/rotation/schedules')).items,
  due: (o: { criticality?: string } = {}) =>
    request<{ as_of: string; count: number; items: RotationSchedule[] }>('GET', '/v1/rotation/due', { query: o }),
  history: async (o: { secret_name?: string; status?: string; method?: string; limit?: number } = {}) =>
    (await request<{ items: RotationHistoryItem[] }>('GET', '/v1/rotation/history', { query: o })).items,
  rotateDue: (o: { dryRun?: boolean; criticality?: string; max?: number } = {}) =>
    request<RotateDueResult>('POST', '/v1/rotation/rotate-due', { body: { dry_run: o.dryRun, criticality: o.criticality, max: o.max } }),
  rollback: async (name: string, o: { reason?: string } = {}) =>
    withVersion(
      await request<RotationRun & { restored_from_version: number }>('POST', '/v1/rotation/rollback', {
        body: { secret_name: name, ...o },
      }),
    ),
});
export type RotationApi = ReturnType<typeof rotationApi>;
