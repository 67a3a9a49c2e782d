// Errors of the cached reader. Messages name the secret and the reason, never a value.

/** Neither the server, the cache (fresh or within maxStale) nor a configured fallback had the secret. */
export class SecretUnavailableError extends Error {
  readonly code = 'SECRET_UNAVAILABLE';
  constructor(
    readonly secretName: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Secret "${secretName}" is unavailable: ${reason}`, options);
    this.name = 'SecretUnavailableError';
  }
}

/** An offline snapshot could not be read: missing key, wrong key or a damaged file. */
export class SnapshotError extends Error {
  readonly code = 'SNAPSHOT_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotError';
  }
}
