/**
 * The one catalogue of expected failures. Every 4xx the service sends is one of these codes;
 * anything else is a bug and becomes a generic 500 (details go to the log, not the client).
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  MALFORMED_JSON: 400,
  VALIDATION_ERROR: 400,
  UNKNOWN_FEATURE: 400,
  INVALID_FEATURE_VALUE: 400,
  UNKNOWN_CATEGORY: 400,
  EMPTY_BATCH: 400,
  NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  BATCH_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Longest piece of client input we echo back in an error message. */
const MAX_ECHO = 64;

/** Quote a client-supplied string for an error message without reflecting megabytes of it. */
export function quoteInput(value: string): string {
  const cut = value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value;
  return JSON.stringify(cut);
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  /** Dotted path of the offending request field, e.g. "features.amount" or "instances[3].age". */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = ERROR_STATUS[code];
    this.field = field;
  }
}

/**
 * A problem that must stop the process before it serves anything: bad configuration, a missing or
 * corrupt model file. The message is one line that names the variable or file (and line:column).
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}
