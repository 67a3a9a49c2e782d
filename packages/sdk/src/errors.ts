// Error types of the SDK. Messages come from the server's catalogue and never carry secret values.

export class KeyhavenApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly requestId?: string;
  readonly details?: unknown;
  constructor(init: { code: string; status: number; message: string; requestId?: string; details?: unknown }) {
    super(init.message);
    this.name = 'KeyhavenApiError';
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.details = init.details;
  }
}

/** The server could not be reached (connection refused, DNS, TLS, timeout). */
export class KeyhavenUnavailableError extends Error {
  readonly code = 'SERVER_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyhavenUnavailableError';
  }
}
