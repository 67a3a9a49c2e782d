// The documented responses of the rotation routes (OpenAPI; documentation only, see http/openapi).
// The unversioned twins (/secrets/rotate, ...) share these, with `.unversioned` operationIds.
import {
  arr,
  bool,
  constant,
  created,
  dateTime,
  int,
  nullable,
  num,
  obj,
  ok,
  oneOf,
  openObject,
  ref,
  str,
  type FeatureDocs,
  type JsonSchema,
} from '../../lib/json-schema.js';

const CRITICALITY = oneOf('low', 'medium', 'high', 'critical');
const scheduleFields = {
  secret_name: str,
  secret_type: str,
  provider_name: nullable(str),
  rotator: str,
  rotator_config: openObject,
  admin_credential_secret: nullable(str),
  generator: nullable(obj({ kind: str, options: openObject }, { optional: ['options'] })),
  rotation_interval_days: nullable(int),
  cron: nullable(str),
  timezone: str,
  window: nullable(openObject),
  auto_rotation_enabled: bool,
  criticality: CRITICALITY,
  rotate_before_expiry_days: nullable(int),
  description: nullable(str),
  next_rotation_date: nullable(dateTime),
  last_rotation_date: nullable(dateTime),
  last_status: nullable(str),
  failure_count: int,
  next_retry_at: nullable(dateTime),
  created_at: dateTime,
  updated_at: dateTime,
};
const rotateResult = {
  run_id: str,
  secret_name: str,
  status: str,
  step: str,
  method: str,
  previous_version: nullable(int),
  new_version: nullable(int),
  next_retry_at: nullable(dateTime),
  duration_ms: num,
};

/** What one run over the due secrets did (or, dry, would do). */
const rotateDueResult: JsonSchema = {
  oneOf: [
    obj({ dry_run: constant(true), count: int, secrets: arr(str) }),
    obj({
      dry_run: constant(false),
      claimed: int,
      succeeded: int,
      failed: int,
      skipped: int,
      recovered: int,
      deferred: arr(obj({ secret_name: str, code: str, message: str })),
      still_due: arr(str),
      errors: arr(obj({ secret_name: str, code: str, message: str })),
      max: int,
      remaining: int,
      results: arr(
        obj(
          { secret_name: str, status: str, new_version: nullable(int), error: obj({ code: str, message: str }) },
          { optional: ['new_version', 'error'] },
        ),
      ),
    }),
  ],
};

export const rotationDocs: FeatureDocs = {
  schemas: {
    RotationSchedule: obj(scheduleFields),
    RotateResult: obj(rotateResult),
    RotationRun: obj({
      id: str,
      secret_name: str,
      rotation_date: dateTime,
      rotation_status: str,
      step: str,
      rotation_method: str,
      previous_version: nullable(int),
      new_version: nullable(int),
      duration_seconds: nullable(num),
      attempt: int,
      actor: nullable(str),
      reason: nullable(str),
      rotator: str,
      error_code: nullable(str),
      error_message: nullable(str),
      next_retry_at: nullable(dateTime),
      finished_at: nullable(dateTime),
    }),
    RotationFailure: obj({ secret_name: str, status: constant('failed'), error: obj({ code: str, message: str }) }),
    EmergencyDryRun: obj({
      dry_run: constant(true),
      count: int,
      secrets: arr(str),
      items: arr(obj({ name: str, registered: bool, rotator: nullable(str) })),
      unregistered_left_out: int,
    }),
    EmergencyBulkResult: obj({
      dry_run: constant(false),
      count: int,
      succeeded: int,
      failed: int,
      results: arr({ anyOf: [ref('RotateResult'), ref('RotationFailure')] }),
    }),
  },
  operations: {
    'POST /v1/rotation/register': {
      operationId: 'rotation.register',
      responses: created(
        'The schedule; secret_created says whether a generated first value was written',
        obj({ ...scheduleFields, secret_created: bool, registered: constant(true) }),
      ),
    },
    'PUT /v1/rotation/schedule': {
      operationId: 'rotation.schedule',
      responses: ok('The schedule after the change', ref('RotationSchedule')),
    },
    'POST /v1/rotation/rotate': {
      operationId: 'rotation.rotate',
      responses: ok('The run (failed runs answer an error)', ref('RotateResult')),
    },
    'POST /v1/rotation/emergency-rotate': {
      operationId: 'rotation.emergencyRotate',
      responses: ok('One secret: the run; a selection: its dry run, or the result of each', {
        oneOf: [ref('RotateResult'), ref('EmergencyDryRun'), ref('EmergencyBulkResult')],
      }),
    },
    'POST /v1/rotation/rollback': {
      operationId: 'rotation.rollback',
      responses: ok('The run that restored the previous value', obj({ ...rotateResult, restored_from_version: nullable(int) })),
    },
    'POST /v1/rotation/rotate-due': {
      operationId: 'rotation.rotateDue',
      responses: ok('The due secrets (dry run) or what rotating them did', rotateDueResult),
    },
    'POST /internal/scheduled-rotation': {
      operationId: 'rotation.scheduled',
      responses: ok("What the run over the due secrets did, under the caller's schedule name", {
        oneOf: (rotateDueResult.oneOf as JsonSchema[]).map((o) => ({
          ...o,
          properties: { schedule_name: nullable(str), ...(o.properties as object) },
          required: ['schedule_name', ...(o.required as string[])],
        })),
      }),
    },
    'GET /v1/rotation/schedules': {
      operationId: 'rotation.schedules',
      responses: ok('Every schedule', obj({ items: arr(ref('RotationSchedule')) })),
    },
    'GET /v1/rotation/due': {
      operationId: 'rotation.due',
      responses: ok('Secrets due now', obj({ as_of: dateTime, count: int, items: arr(ref('RotationSchedule')) })),
    },
    'GET /v1/rotation/history': {
      operationId: 'rotation.history',
      responses: ok('Runs, newest first', obj({ items: arr(ref('RotationRun')) })),
    },
  },
};
