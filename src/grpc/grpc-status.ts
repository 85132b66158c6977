import { Metadata, status as Status } from '@grpc/grpc-js';
import { AppError } from '../errors.js';

/** What a handler answers a failed call with. */
export interface RpcFailure {
  readonly code: Status;
  readonly details: string;
  /** `ml-error-code` and, when the error names one, `ml-error-field`: the catalogue's code, as the HTTP body carries it. */
  readonly metadata: Metadata;
  /** The AppError's code, for ml_requests_rejected_total; undefined for the service's own failures. */
  readonly rejected?: AppError['code'];
}

/**
 * The catalogue's HTTP statuses (src/errors.ts) as gRPC codes, the way the specification's HTTP
 * and gRPC APIs pair them and grpc's own HTTP mapping (doc/http-grpc-status-mapping.md) reads in
 * reverse: a malformed or oversized request is the caller's (INVALID_ARGUMENT, never
 * RESOURCE_EXHAUSTED, which gRPC clients treat as retryable back-pressure), an unknown model is
 * NOT_FOUND, an overloaded or draining service UNAVAILABLE (retry elsewhere), a timeout
 * DEADLINE_EXCEEDED. Anything else is INTERNAL with a generic message: details go to the log.
 */
function codeOf(httpStatus: number): Status {
  if (httpStatus === 404) return Status.NOT_FOUND;
  if (httpStatus === 408) return Status.DEADLINE_EXCEEDED;
  if (httpStatus === 503) return Status.UNAVAILABLE;
  if (httpStatus >= 400 && httpStatus < 500) return Status.INVALID_ARGUMENT;
  return Status.INTERNAL;
}

/** `c` as %XX of its UTF-8 bytes (a lone surrogate as U+FFFD's). */
const percentEncoded = (c: string): string =>
  [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

export const INTERNAL_DETAILS = 'internal error';

export function failureOf(error: unknown): RpcFailure {
  const metadata = new Metadata();
  if (!(error instanceof AppError) || error.statusCode === 500) {
    metadata.set('ml-error-code', 'INTERNAL_ERROR');
    return { code: Status.INTERNAL, details: INTERNAL_DETAILS, metadata };
  }
  metadata.set('ml-error-code', error.code);
  // Metadata values are printable ASCII (a field may quote a client's input name): the rest percent-encoded.
  if (error.field !== undefined) metadata.set('ml-error-field', error.field.replace(/[^\x20-\x7e]|%/gu, percentEncoded));
  return { code: codeOf(error.statusCode), details: error.message, metadata, rejected: error.code };
}
