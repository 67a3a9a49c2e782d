// The error catalogue: every error a client or operator can see has a stable code, an HTTP status
// and a default message saying what went wrong and what to do. docs/errors.md lists the same codes
// (errors.test.ts keeps the two in sync). Messages never carry secret values.

export const ERRORS = {
  // request shape
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid; see details for each problem.' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON; send a JSON object with Content-Type: application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body or secret value is larger than the configured limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the request body as application/json.' },
  INVALID_SECRET_NAME: {
    status: 400,
    message: 'Secret names are path-like: segments of letters, digits, ".", "_" or "-" separated by "/", at most 256 characters.',
  },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such endpoint; see /docs for the API.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This endpoint does not accept that method.' },
  // authentication and tenancy
  UNAUTHENTICATED: { status: 401, message: 'A valid token is required: send it as "Authorization: Bearer <token>" or "X-Keyhaven-Token".' },
  TOKEN_EXPIRED: { status: 401, message: 'The token has expired; create a new one or renew it before it expires.' },
  TOKEN_REVOKED: { status: 401, message: 'The token has been revoked; ask an administrator for a new one.' },
  SESSION_EXPIRED: {
    status: 401,
    message: 'The console session has ended (signed out, idle too long, or past its longest lifetime); sign in again.',
  },
  CSRF_CHECK_FAILED: {
    status: 403,
    message:
      "A change made with a console session cookie needs the X-Keyhaven-CSRF header holding the session's CSRF token, from the same origin; reload the console.",
  },
  OIDC_NOT_CONFIGURED: {
    status: 404,
    message: 'Single sign-on is not set up on this server (console.oidc in the config); sign in with a token.',
  },
  OIDC_SIGN_IN_FAILED: {
    status: 401,
    message:
      'Single sign-on did not complete (refused at the provider, expired, or answered in a way that could not be verified); start again from the sign-in page.',
  },
  OIDC_NO_ROLE: {
    status: 403,
    message:
      'The identity provider signed you in, but no console.oidc.roles rule gives you a role here; ask an administrator to add one for your group.',
  },
  TENANT_REQUIRED: { status: 400, message: 'Choose a tenant with the X-Tenant-ID header (or KEYHAVEN_TENANT for the CLI).' },
  TENANT_NOT_FOUND: { status: 404, message: 'No such tenant, or the token has no access to it.' },
  TENANT_EXISTS: { status: 409, message: 'A tenant with this id already exists.' },
  TENANT_NOT_EMPTY: { status: 409, message: 'The tenant still holds secrets; delete or destroy them first.' },
  FORBIDDEN: { status: 403, message: 'The token is not allowed to do this; ask for a token with the needed role.' },
  FORBIDDEN_FACTS_CHANGE: {
    status: 403,
    message:
      "The change of the secret's name, environment or tags is not allowed: the token's role must be allowed to write the secret before and after the change, and the change must not give it an action it is denied now.",
  },
  RATE_LIMITED: { status: 429, message: 'Too many failed attempts from this source; wait and try again.' },
  // secrets
  SECRET_NOT_FOUND: { status: 404, message: 'No such secret in this tenant.' },
  SECRET_EXISTS: { status: 409, message: 'A secret with this name already exists; write a new version with PUT instead.' },
  SECRET_DELETED: { status: 410, message: 'The secret is deleted; restore it first to read or write it.' },
  SECRET_NOT_DELETED: { status: 409, message: 'Only a deleted secret can be destroyed as a whole; delete it first.' },
  VERSION_NOT_FOUND: { status: 404, message: 'No such version or label for this secret.' },
  VERSION_DESTROYED: { status: 410, message: 'This version was destroyed and can no longer be read.' },
  VERSION_LABELLED: { status: 409, message: 'The version carries a staging label (current, pending or previous); move the label first.' },
  FIELD_NOT_FOUND: { status: 404, message: 'The secret value has no such field; fields exist only on JSON object values.' },
  CAS_MISMATCH: { status: 409, message: 'Check-and-set failed: the current version is not the one given; read it again and retry.' },
  CONFLICT: { status: 409, message: 'Another writer changed this resource at the same time; retry the request.' },
  // tokens
  TOKEN_NOT_FOUND: { status: 404, message: 'No such token in this tenant.' },
  ROLE_NOT_ALLOWED: { status: 403, message: 'A token can only grant roles up to its own.' },
  // access control
  POLICY_NOT_FOUND: { status: 404, message: 'No such policy in this tenant.' },
  POLICY_IN_USE: { status: 409, message: 'The policy is used by a role; remove it from the role first.' },
  ROLE_NOT_FOUND: { status: 404, message: 'No such role in this tenant.' },
  ROLE_IN_USE: { status: 409, message: 'The role is granted to tokens; revoke them or change their role first.' },
  // server side
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unavailable; try again shortly.' },
  DATABASE_TOO_NEW: {
    status: 500,
    message: 'The database was migrated by a newer Keyhaven; run that version (or newer), or restore a backup taken before the upgrade.',
  },
  BARRIER_SEALED: { status: 503, message: 'The encryption barrier is not available; check the master key configuration.' },
  DECRYPTION_FAILED: { status: 500, message: 'Stored data could not be decrypted; it may be corrupted or bound to another record.' },
  PROVIDER_CREDENTIAL_REQUIRED: {
    status: 403,
    message:
      "The provider would act with the server's own identity; supply a credential, or an operator allows providers.ambientCredentials.",
  },
  MASTER_KEY_MISSING: {
    status: 500,
    message:
      'The store exists but its master key file does not; restore the key file (or set KEYHAVEN_MASTER_KEY) — a new key cannot open an existing store.',
  },
  DISK_FULL: {
    status: 507,
    message:
      "The database's disk is full, so the change was not stored; reads go on. Free space on the data directory's file system; writes resume by themselves.",
  },
  DATABASE_CORRUPT: {
    status: 500,
    message:
      'The database reports corrupted pages; stop the server and restore the database from a backup; the error names what SQLite found.',
  },
  LISTEN_FAILED: {
    status: 500,
    message: 'The server cannot listen on its address; the message says why (in use, permission, not on this machine).',
  },
  DATABASE_EMPTY: {
    status: 500,
    message: 'The database file exists but is empty; restore it from a backup, or delete it to start a new store.',
  },
  BACKUP_FAILED: {
    status: 500,
    message:
      'The backup could not be taken; the message says why (the database is not SQLite, is held exclusively, or the destination is not writable). Nothing partial is left behind.',
  },
  BACKUP_INVALID: { status: 400, message: 'The file is not a Keyhaven backup, or it is damaged; take a new backup, or use another copy.' },
  RESTORE_TARGET_EXISTS: {
    status: 409,
    message:
      'The data directory already holds a store, or a server is running on it; stop the server, and pass --force to set the existing store aside (it is renamed, never deleted).',
  },
  MASTER_KEY_INVALID: { status: 500, message: 'The master key does not open this store; start with the master key it was created with.' },
  CONFIG_INVALID: { status: 500, message: 'The configuration is invalid; see the listed problems.' },
  AUDIT_CHAIN_DAMAGED: {
    status: 503,
    message:
      'The audit chain is damaged (truncated, rolled back or written outside Keyhaven), so no event is appended to it and the request was not carried out; run `keyhaven audit verify` to see the damage, then restore the audit tables or acknowledge the break with `keyhaven audit seal --reason ...` (docs/audit.md).',
  },
  AUDIT_CHAIN_INTACT: { status: 409, message: 'The audit chain verifies; there is no break to seal.' },
  AUDIT_UNAVAILABLE: {
    status: 503,
    message: 'No audit sink accepted the event, so the request was not carried out; check the audit sinks.',
  },
  AUDIT_VERIFY_BUSY: {
    status: 429,
    message:
      'This server is already verifying an uploaded audit export (one at a time: each may hold up to 256 MiB); try again when it has answered.',
  },
  INTERNAL: { status: 500, message: 'An unexpected error occurred; report the request id to the operator.' },
  // providers
  PROVIDER_UNKNOWN: { status: 400, message: 'No provider of this kind is registered; use one of the kinds listed in the details.' },
  PROVIDER_CONFIG_INVALID: { status: 400, message: 'The provider configuration or credential is invalid; fix each listed problem.' },
  PROVIDER_UNAVAILABLE: {
    status: 503,
    message: 'The external secret store could not be reached; check its address and network, then retry.',
  },
  PROVIDER_AUTH_FAILED: {
    status: 502,
    message: 'The external secret store rejected the credential or denied access; check the provider credential and its permissions.',
  },
  PROVIDER_SECRET_EXISTS: {
    status: 409,
    message: 'The external secret store already has a secret with this name; write a new version instead of creating it.',
  },
  PROVIDER_SECRET_NOT_FOUND: {
    status: 404,
    message: 'The external secret store has no such secret, version or label; check the name and reference.',
  },
  PROVIDER_THROTTLED: {
    status: 503,
    message: 'The external secret store throttled the request after several retries; wait and try again.',
  },
  PROVIDER_PAYLOAD_TOO_LARGE: {
    status: 413,
    message: 'The secret value is larger than the external store accepts; store a smaller value.',
  },
  PROVIDER_NAME_INVALID: {
    status: 400,
    message: 'The secret name is not allowed by the external store; see its naming rule in the details.',
  },
  PROVIDER_NAME_COLLISION: {
    status: 409,
    message: 'Two different secret names map to the same name in the external store; rename one of them.',
  },
  PROVIDER_CAS_MISMATCH: {
    status: 409,
    message: 'Check-and-set failed in the external store: the current version is not the one given; read it again and retry.',
  },
  PROVIDER_CAPABILITY_MISSING: {
    status: 400,
    message: 'The external secret store does not support this operation; see the provider capabilities.',
  },
  PROVIDER_REFERENCE_INVALID: {
    status: 400,
    message: 'The provider reference is not valid; use the form kind://location#field shown in the details.',
  },
  PROVIDER_DISABLED: {
    status: 403,
    message:
      "This provider reaches the server's own process or files and is disabled on this server; an operator enables it in the server config (providers.<kind>.enabled).",
  },
  PROVIDER_PATH_FORBIDDEN: {
    status: 403,
    message:
      "The path is outside the directories the operator allows for this provider (providers.dotenv.directories), or names Keyhaven's own files; use a file inside an allowed directory.",
  },
  PROVIDER_NAME_FORBIDDEN: {
    status: 403,
    message:
      "The variable is not in the operator's allow-list for this provider (providers.env.allow); KEYHAVEN_* variables are never served.",
  },
  EGRESS_FORBIDDEN: {
    status: 403,
    message:
      "The destination is an address the server's egress policy forbids (loopback, link-local such as cloud metadata, the unspecified address, or outside the operator's allow-list); an operator allows it with egress.allow or egress.allowLoopback in the server config.",
  },
  PROVIDER_ERROR: {
    status: 502,
    message: 'The external secret store returned an unexpected error; check its status and logs, then retry.',
  },
  KEK_SOURCE_UNAVAILABLE: {
    status: 503,
    message: 'The key management service holding the master key could not be reached; check its address, network and status.',
  },
  KEK_SOURCE_AUTH_FAILED: {
    status: 503,
    message:
      'The key management service holding the master key refused the credential or denied use of the key; check the credential and key permissions.',
  },
  // provider features
  PROVIDER_CONFIG_NOT_FOUND: {
    status: 404,
    message: 'No provider configuration with this id in this tenant; list them with GET /v1/providers.',
  },
  PROVIDER_CONFIG_EXISTS: {
    status: 409,
    message: 'A provider configuration with this id already exists; remove it first or choose another name.',
  },
  PROVIDER_IN_USE: { status: 409, message: 'Sync destinations still use this provider configuration; remove them first.' },
  PROVIDER_NOT_CONFIGURED: {
    status: 404,
    message: 'No configured provider can serve this reference; configure one of its kind, or pass ?provider=<id>.',
  },
  PROVIDER_AMBIGUOUS: { status: 400, message: 'Several configured providers could serve this reference; choose one with ?provider=<id>.' },
  SYNC_DESTINATION_NOT_FOUND: { status: 404, message: 'No sync destination with this id in this tenant.' },
  SYNC_TEMPLATE_INVALID: {
    status: 400,
    message: 'The key-name template is invalid; use {{name}} with optional filters such as |replace:/:- (see docs/providers.md).',
  },
  MASTER_KEY_SOURCE_INVALID: { status: 400, message: 'The master key source configuration is invalid; fix each listed problem.' },
  // rotation
  ROTATOR_UNKNOWN: { status: 400, message: 'No rotator of this kind is registered; use one of the kinds listed in the details.' },
  ROTATOR_CONFIG_INVALID: { status: 400, message: 'The rotator configuration or admin credential is invalid; fix each listed problem.' },
  ROTATION_TARGET_UNREACHABLE: {
    status: 503,
    message: 'The rotation target could not be reached in time; check its host, port and network, then retry.',
  },
  ROTATION_SET_FAILED: {
    status: 502,
    message:
      'The rotation target refused the new credential; check that the user exists and the admin credential may change it. The current credential is unchanged.',
  },
  ROTATION_TEST_FAILED: {
    status: 502,
    message: 'The new credential did not work on the rotation target; the rotation will be rolled back and the current credential kept.',
  },
  ROTATION_ROLLBACK_FAILED: {
    status: 502,
    message: 'Rolling back a rotation failed on the target; set the password of the named user to the current value by hand.',
  },
  ROTATION_REVOKE_FAILED: {
    status: 502,
    message: 'Revoking the credential failed on the target; disable the named user or change its password by hand at once.',
  },
  PASSWORD_POLICY_IMPOSSIBLE: {
    status: 400,
    message: 'No password can satisfy this policy; lower the minimum counts, allow more characters or raise the length.',
  },
  GENERATOR_UNKNOWN: { status: 400, message: 'No value generator of this kind is registered; use one of the kinds listed in the details.' },
  GENERATOR_OPTIONS_INVALID: { status: 400, message: 'The value generator options are invalid; fix each listed problem.' },
  // rotation engine
  ROTATION_NOT_REGISTERED: {
    status: 404,
    message: 'The secret is not registered for rotation; register it with POST /secrets/register first.',
  },
  ROTATION_IN_PROGRESS: {
    status: 409,
    message: 'A rotation of this secret is already running; wait for it to finish (see the rotation history).',
  },
  ROTATION_SCHEDULE_INVALID: {
    status: 400,
    message: 'The rotation schedule is invalid (interval, cron expression, time zone or window); fix each listed problem.',
  },
  ROTATION_FAILED: {
    status: 502,
    message:
      'The rotation did not complete; the current value is unchanged unless the message names a manual step. See the rotation history.',
  },
  ROTATION_CONFIRMATION_REQUIRED: {
    status: 400,
    message: 'A bulk emergency rotation needs "confirm": true; run it with "dry_run": true first to see what would rotate.',
  },
  ROTATION_RATE_LIMITED: {
    status: 429,
    message:
      'The rotation target already had its share of rotations this minute (rotation.maxRotationsPerTargetPerMinute); nothing was started, the secret stays due and a later run rotates it.',
  },
  ROTATION_NO_PREVIOUS_VERSION: { status: 409, message: 'The secret has no previous version to roll back to.' },
  PROVIDER_ROTATOR_UNAVAILABLE: {
    status: 400,
    message:
      'Provider-backed rotation needs the "provider" rotator, which is not installed on this server; use another rotator or omit provider_name.',
  },
  // machine identities (logins)
  AUTH_LOGIN_FAILED: {
    status: 401,
    message:
      "The login was refused: the role does not exist, or the credential (role_id and secret_id, service-account token or JWT) is not accepted by it. Check the role name and the role's bindings.",
  },
  AUTH_CREDENTIAL_EXPIRED: {
    status: 401,
    message: 'The credential has expired (a secret_id past its TTL, or a JWT past its exp); issue a new one.',
  },
  AUTH_CREDENTIAL_USED: {
    status: 401,
    message: 'The secret_id has been used as many times as it allows (secret_id_num_uses); issue a new one.',
  },
  AUTH_JWT_INVALID: {
    status: 401,
    message:
      'The JWT is not valid: it is malformed, its signature does not verify against the configured keys, or its issuer or validity period is wrong.',
  },
  AUTH_SOURCE_NOT_ALLOWED: {
    status: 403,
    message: 'The request comes from an address outside the CIDRs the credential or token is bound to.',
  },
  AUTH_METHOD_NOT_CONFIGURED: {
    status: 400,
    message:
      'This login method is not configured for the tenant; an administrator configures it first (keyhaven auth kubernetes config / keyhaven auth jwt config).',
  },
  AUTH_ROLE_NOT_FOUND: { status: 404, message: 'No such login role in this tenant.' },
  AUTH_TOKEN_REVIEW_FAILED: {
    status: 502,
    message:
      'The Kubernetes TokenReview API could not be reached or gave no answer; check kubernetes_host, the CA certificate and the reviewer token.',
  },
  AUTH_KEYS_UNAVAILABLE: {
    status: 502,
    message: 'The JWKS URL of the JWT login could not be fetched or held no usable key; check jwks_url.',
  },
  // notifications
  NOTIFICATION_CHANNEL_UNKNOWN: { status: 400, message: 'No notification channel of this kind; use webhook, slack or nats.' },
  NOTIFICATION_CONFIG_INVALID: {
    status: 400,
    message: "The subscription's channel settings or filters are invalid; fix each listed problem.",
  },
  NOTIFICATION_SUBSCRIPTION_NOT_FOUND: {
    status: 404,
    message: 'No notification subscription with this id in this tenant; list them with GET /v1/notifications/subscriptions.',
  },
  NOTIFICATION_SUBSCRIPTION_EXISTS: {
    status: 409,
    message: 'A notification subscription with this id already exists; update it (PATCH) or choose another id.',
  },
  NOTIFICATION_DELIVERY_NOT_FOUND: {
    status: 404,
    message: 'No dead-lettered delivery with this id in this tenant; list them with GET /v1/notifications/dead-letters.',
  },
  NOTIFICATION_TEST_FAILED: {
    status: 502,
    message: 'The test notification could not be delivered; the message says what the channel answered.',
  },
  // delivery
  KEY_ROTATION_IN_PROGRESS: {
    status: 409,
    message: 'A keyring rotation is already re-wrapping data keys; wait for it to finish (GET /admin/secrets/key-rotation/status).',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class KeyhavenError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;
  constructor(code: ErrorCode, message?: string, details?: unknown, options?: { cause?: unknown }) {
    super(message ?? ERRORS[code].message, options);
    this.name = 'KeyhavenError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }
}

export const isKeyhavenError = (e: unknown): e is KeyhavenError => e instanceof KeyhavenError;

/** Shorthand used across features: `throw fail('SECRET_NOT_FOUND')`. */
export const fail = (code: ErrorCode, message?: string, details?: unknown): KeyhavenError => new KeyhavenError(code, message, details);
