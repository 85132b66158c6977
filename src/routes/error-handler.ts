import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_STATUS, errorBody, quoteInput, type ErrorBody, type ErrorCode } from '../errors.js';
import type { PredictionTelemetry } from '../telemetry/prediction-telemetry.js';

interface ClientError {
  readonly statusCode: number;
  readonly body: ErrorBody;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** The value of the `reason` label of ml_requests_rejected_total for a 4xx code. */
export function rejectionReasonOf(code: ErrorCode): string {
  return code.toLowerCase();
}

/**
 * The closed set of rejection reasons, derived from the catalogue here and nowhere else: one per
 * 4xx code. Their series are created at startup from this list and `send` counts only through
 * `rejectionReasonOf`, so a new code adds exactly one series, at startup, never one per request.
 */
export const REJECTION_REASONS: readonly string[] = (Object.keys(ERROR_STATUS) as ErrorCode[])
  .filter((code) => ERROR_STATUS[code] < 500)
  .map(rejectionReasonOf);

/** "/instances/3/amount" -> "instances[3].amount" */
function fieldOf(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function describeValidation(error: AjvError): { message: string; field: string } {
  const at = fieldOf(error.instancePath);
  switch (error.keyword) {
    case 'required': {
      const field = [at, String(error.params['missingProperty'])].filter(Boolean).join('.');
      return { field, message: `${field} is required` };
    }
    case 'additionalProperties': {
      const extra = String(error.params['additionalProperty']).slice(0, 64);
      const field = [at, extra].filter(Boolean).join('.');
      return { field, message: `unknown field ${JSON.stringify(extra)}${at ? ` in ${at}` : ''}` };
    }
    case 'type':
      return at
        ? { field: at, message: `${at} must be ${article(String(error.params['type']))}` }
        : { field: '(body)', message: 'request body must be a JSON object' };
    default:
      return { field: at || '(body)', message: `${at || 'request body'} ${error.message ?? 'is invalid'}` };
  }
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

const clientError = (code: ErrorCode, message: string, field?: string): ClientError => ({
  statusCode: ERROR_STATUS[code],
  body: errorBody(code, message, field),
});

/** The catalogue code for a status Fastify or Node chose when no mapping below names the error. */
function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 404:
      return 'NOT_FOUND';
    case 408:
      return 'REQUEST_TIMEOUT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 414:
      return 'URI_TOO_LONG';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 431:
      return 'HEADERS_TOO_LARGE';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return status >= 400 && status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR';
  }
}

/**
 * Map any error to the response a client gets: always a catalogue code with its own status and a
 * body within MAX_ERROR_BODY_BYTES. `url` is the request's, for the router's errors (whose
 * Fastify messages echo the whole path). Unknown errors become a generic 500.
 */
export function toClientError(error: FastifyError | AppError | Error, bodyLimit: number, url = ''): ClientError {
  if (error instanceof AppError) return clientError(error.code, error.message, error.field);
  const validation = (error as FastifyError).validation as AjvError[] | undefined;
  if (validation?.[0]) {
    const { field, message } = describeValidation(validation[0]);
    return clientError('VALIDATION_ERROR', message, field);
  }
  // The client-reachable codes of Fastify 5 (node_modules/fastify/lib/errors.js); the others are
  // raised while registering routes and plugins, before the server listens.
  switch ((error as FastifyError).code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return clientError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return clientError('PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${bodyLimit} bytes (BODY_LIMIT)`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return clientError('BAD_REQUEST', 'request body size did not match Content-Length');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return clientError('MALFORMED_JSON', 'request body is empty; expected a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return clientError('MALFORMED_JSON', 'malformed JSON');
    case 'FST_ERR_BAD_URL':
      return clientError('BAD_REQUEST', `URL ${quoteInput(url)} has a percent-encoding that is not UTF-8`);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return clientError('URI_TOO_LONG', `a path parameter of ${quoteInput(url)} is longer than the router accepts`);
    case 'FST_ERR_NOT_FOUND':
      return clientError('NOT_FOUND', `no route for ${quoteInput(url)}`);
    case 'FST_ERR_HANDLER_TIMEOUT':
      return clientError('SERVICE_UNAVAILABLE', 'the request timed out in the service');
    default:
      break;
  }
  const code = codeForStatus((error as FastifyError).statusCode ?? 500);
  if (ERROR_STATUS[code] < 500) return clientError(code, error.message.slice(0, 200));
  if (code === 'SERVICE_UNAVAILABLE') return clientError(code, 'service unavailable; retry later');
  return clientError('INTERNAL_ERROR', 'internal error; see the service log for this request id');
}

/** A request-level failure Node's HTTP parser reports before Fastify sees a request. */
function connectionErrorOf(error: ConnectionError): ClientError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return clientError('REQUEST_TIMEOUT', 'the request did not arrive in time');
    case 'HPE_HEADER_OVERFLOW':
      return clientError('HEADERS_TOO_LARGE', `the request line and headers exceed ${maxHeaderSize} bytes`);
    default: {
      // llhttp's reason, e.g. "Invalid header value char" (HPE_INVALID_HEADER_TOKEN).
      const reason = (error as ConnectionError & { reason?: unknown }).reason;
      const detail = typeof reason === 'string' ? `${reason.slice(0, 80)} ` : '';
      return clientError('BAD_REQUEST', `malformed HTTP request: ${detail}(${String(error.code).slice(0, 40)})`);
    }
  }
}

export interface ErrorResponder {
  /** Answer `error` through the one mapping; 4xx are counted by reason, unexpected 5xx logged with their stack. */
  send(request: FastifyRequest, reply: FastifyReply, error: FastifyError | Error, logMessage?: string): FastifyReply;
  /**
   * The same mapping, status, counting and logging, answered in the Open Inference Protocol's
   * error shape `{"error": "<message>"}` (its REST specification: every failed request's body is
   * exactly that object), for the /v2 routes.
   */
  sendOpenInference(request: FastifyRequest, reply: FastifyReply, error: FastifyError | Error, logMessage?: string): FastifyReply;
  /** For app.setErrorHandler: everything Fastify itself raises (body parsing, limits, bugs). */
  readonly handler: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply;
  /** For app.setNotFoundHandler. */
  readonly notFound: (request: FastifyRequest, reply: FastifyReply) => FastifyReply;
  /** For Fastify's `frameworkErrors` option: the router's errors (bad percent-encoding, a parameter too long). */
  readonly frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;
  /**
   * For Fastify's `clientErrorHandler` option: what Node's HTTP parser refuses (a malformed request
   * line or header, headers too large, headers too slow) is answered in the same shape, on the raw
   * socket as Fastify's default handler does, then the connection is closed.
   */
  readonly clientErrorHandler: (this: FastifyInstance, error: ConnectionError, socket: Socket) => void;
}

/** The NOT_FOUND of a request no route matches, its URL cut at 128 characters (for every not-found handler). */
export function noRouteError(request: FastifyRequest): AppError {
  const url = request.url.length > 128 ? `${request.url.slice(0, 128)}…` : request.url;
  return new AppError('NOT_FOUND', `no route ${request.method} ${url}`);
}

export function createErrorResponder(bodyLimit: number, telemetry: Pick<PredictionTelemetry, 'rejected'>): ErrorResponder {
  const respond = (
    request: FastifyRequest,
    reply: FastifyReply,
    error: FastifyError | Error,
    logMessage: string,
    shape: (body: ErrorBody) => object,
  ): FastifyReply => {
    const { statusCode, body } = toClientError(error as FastifyError, bodyLimit, request.url);
    // An expected 503 (AppError, e.g. no drift report yet) is a state, not a bug: no stack in the log.
    if (statusCode >= 500 && !(error instanceof AppError)) request.log.error({ err: error }, logMessage);
    else if (statusCode >= 500) request.log.info({ error: body.error }, body.message);
    else {
      telemetry.rejected(rejectionReasonOf(body.error));
      // Every refused request is logged, whatever LOG_SUCCESS_SAMPLE_RATIO: the client's mistake
      // and where it was (the message quotes at most a bounded part of the input). Not a request
      // whose connection is already gone (a client that went away, or one cut at shutdown): no
      // answer reaches anyone, and it is counted above all the same.
      if (!reply.raw.destroyed)
        request.log.info(
          { status_code: statusCode, error: body.error, ...(body.field !== undefined && { field: body.field }), message: body.message },
          'request_rejected',
        );
    }
    return reply.code(statusCode).send(shape(body));
  };
  const send: ErrorResponder['send'] = (request, reply, error, logMessage = 'request failed') =>
    respond(request, reply, error, logMessage, (body) => body);
  return {
    send,
    sendOpenInference: (request, reply, error, logMessage = 'request failed') =>
      respond(request, reply, error, logMessage, (body) => ({ error: body.message })),
    handler: (error, request, reply) => send(request, reply, error),
    notFound: (request, reply) => send(request, reply, noRouteError(request)),
    frameworkErrors: (error, request, reply) => {
      send(request, reply, error);
    },
    clientErrorHandler(error, socket) {
      // Nothing can be answered on a reset or destroyed connection (Fastify's default handler does the same).
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const { statusCode, body } = connectionErrorOf(error);
      telemetry.rejected(rejectionReasonOf(body.error));
      this.log.debug({ err: error }, 'malformed HTTP request');
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      const json = JSON.stringify(body);
      socket.end(
        `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
        () => socket.destroy(),
      );
    },
  };
}
