/**
 * The one catalogue of expected failures. Every error body the service sends is
 * `{error, message, field?}` with one of these codes and its status, Fastify's and Node's own
 * errors included (src/routes/error-handler.ts maps them); anything else is a bug and becomes a
 * generic 500 (details go to the log, not the client).
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  MALFORMED_JSON: 400,
  VALIDATION_ERROR: 400,
  UNKNOWN_FEATURE: 400,
  INVALID_FEATURE_VALUE: 400,
  UNKNOWN_CATEGORY: 400,
  EMPTY_BATCH: 400,
  PREDICTION_ID_MALFORMED: 400,
  INVALID_LABEL: 400,
  INVALID_TENSOR: 400,
  NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  BATCH_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PREDICTION_ID_INVALID: 422,
  PREDICTION_ID_EXPIRED: 422,
  PREDICTION_MODEL_NOT_LOADED: 422,
  HEADERS_TOO_LARGE: 431,
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

export interface ErrorBody {
  readonly error: ErrorCode;
  readonly message: string;
  readonly field?: string;
}

/**
 * Upper bound, in bytes of the serialised UTF-8 JSON, of every error body, whatever the input.
 * It holds by construction: `{"error":"","message":"","field":""}` is 36 bytes, the longest code
 * is under 32, and the message and field are cut to their budgets below (36 + 32 + 640 + 256 < 1024).
 */
export const MAX_ERROR_BODY_BYTES = 1024;
const MESSAGE_BUDGET = 640;
const FIELD_BUDGET = 256;
const ELLIPSIS = '…';
const ELLIPSIS_BYTES = 3;

/** Bytes a code point takes inside a JSON string: its escape (\", \n, \u0001, a lone surrogate) or its UTF-8. */
function jsonBytes(codePoint: string): number {
  const c = codePoint.codePointAt(0)!;
  if (c === 0x22 || c === 0x5c) return 2;
  if (c < 0x20) return c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdfff) return 6;
  return c < 0x10000 ? 3 : 4;
}

/** The longest prefix of `text` (whole code points) that fits `budget` bytes, or undefined if all of it fits. */
function prefixWithin(text: string, budget: number): string | undefined {
  let used = 0;
  let end = 0;
  for (const cp of text) {
    used += jsonBytes(cp);
    if (used > budget) return text.slice(0, end);
    end += cp.length;
  }
  return undefined;
}

/** The longest suffix of `text` (whole code points) that fits `budget` bytes. */
function suffixWithin(text: string, budget: number): string {
  // Every code point costs at least one byte per UTF-16 unit, so the answer lies in the last `budget` units.
  const tail = Array.from(text.slice(-budget));
  if (tail.length > 0 && text.length > budget) tail.shift(); // may be half of a surrogate pair
  let used = 0;
  let start = tail.length;
  while (start > 0 && used + jsonBytes(tail[start - 1]!) <= budget) used += jsonBytes(tail[--start]!);
  return tail.slice(start).join('');
}

/** Cut `text` to at most `budget` bytes of JSON string content, keeping its head. */
export function clipHead(text: string, budget: number): string {
  if (prefixWithin(text, budget) === undefined) return text;
  return `${prefixWithin(text, budget - ELLIPSIS_BYTES) ?? ''}${ELLIPSIS}`;
}

/** Cut `text` to at most `budget` bytes of JSON string content, keeping its head and its tail. */
export function clipMiddle(text: string, budget: number): string {
  if (prefixWithin(text, budget) === undefined) return text;
  const room = budget - ELLIPSIS_BYTES;
  const head = prefixWithin(text, Math.ceil(room / 2)) ?? text;
  return `${head}${ELLIPSIS}${suffixWithin(text.slice(head.length), room - Math.ceil(room / 2))}`;
}

/** The one constructor of error bodies: whatever went into the message or field, the body stays within MAX_ERROR_BODY_BYTES. */
export function errorBody(code: ErrorCode, message: string, field?: string): ErrorBody {
  const bounded = clipHead(message, MESSAGE_BUDGET);
  return field === undefined
    ? { error: code, message: bounded }
    : { error: code, message: bounded, field: clipMiddle(field, FIELD_BUDGET) };
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
