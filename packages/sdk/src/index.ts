// @keyhaven/sdk: the typed client for Keyhaven servers. No server code.
export { createClient, loginClient, type KeyhavenClient, type ClientOptions, type LoggedInClient } from './client.js';
export type * from './auth-api.js';
export { KeyhavenApiError, KeyhavenUnavailableError } from './errors.js';
export type * from './types.js';
// delivery: cached reader, fallback, change events, offline snapshots, env-name rule
export { createSecretsReader, type SecretsReader, type ReaderOptions, type ReadResult, type ReadSource } from './reader.js';
export { readerSettingsFromEnv, lookupFallback, readFileVar, type FallbackOptions } from './fallback.js';
export { subscribeSecretEvents, parseSse, type SecretEvent, type Subscription } from './events.js';
export { writeSnapshot, readSnapshot, snapshotKeyFromEnv, type SnapshotKey, type SnapshotData } from './snapshot.js';
export { envVarName, sanitizeEnvName, expandValue } from './env-names.js';
export { SecretUnavailableError, SnapshotError } from './reader-errors.js';
// provider features: configurations, references, sync, import, master-key rewrap
export type * from './providers-api.js';
export type * from './notifications-api.js';
export type * from './audit-api.js';
export type { Selector as RotationSelector, BulkResult } from './rotation.js';
