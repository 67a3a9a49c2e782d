// @keyhaven/sdk: the typed client for Keyhaven servers. No server code.
export { createClient, type KeyhavenClient, type ClientOptions } from './client.js';
export { KeyhavenApiError, KeyhavenUnavailableError } from './errors.js';
export type * from './types.js';
