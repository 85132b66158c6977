import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_STATUS, type ErrorCode } from '../errors.js';
import type { PredictionTelemetry } from '../telemetry/prediction-telemetry.js';

interface ClientError {
  readonly statusCode: number;
  readonly body: { error: ErrorCode; message: string; field?: string };
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

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

/** Map any error to the response a client gets; unknown errors become a generic 500. */
export function toClientError(error: FastifyError | AppError | Error, bodyLimit: number): ClientError {
  if (error instanceof AppError) {
    const body: ClientError['body'] = { error: error.code, message: error.message };
    if (error.field !== undefined) body.field = error.field;
    return { statusCode: error.statusCode, body };
  }
  const validation = (error as FastifyError).validation as AjvError[] | undefined;
  if (validation?.[0]) {
    const { field, message } = describeValidation(validation[0]);
    return { statusCode: 400, body: { error: 'VALIDATION_ERROR', message, field } };
  }
  switch ((error as FastifyError).code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return { statusCode: 415, body: { error: 'UNSUPPORTED_MEDIA_TYPE', message: 'Content-Type must be application/json' } };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        statusCode: 413,
        body: { error: 'PAYLOAD_TOO_LARGE', message: `request body exceeds the limit of ${bodyLimit} bytes (BODY_LIMIT)` },
      };
    default:
      break;
  }
  const status = (error as FastifyError).statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Other Fastify client errors (e.g. FST_ERR_CTP_INVALID_CONTENT_LENGTH): keep their status.
    return { statusCode: status, body: { error: status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', message: error.message.slice(0, 200) } };
  }
  return { statusCode: 500, body: { error: 'INTERNAL_ERROR', message: 'internal error; see the service log for this request id' } };
}

export interface ErrorResponder {
  /** Answer `error` through the one mapping; 4xx are counted by reason, unexpected 5xx logged with their stack. */
  send(request: FastifyRequest, reply: FastifyReply, error: FastifyError | Error, logMessage?: string): FastifyReply;
  /** For app.setErrorHandler: everything Fastify itself raises (body parsing, limits, bugs). */
  readonly handler: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply;
}

export function createErrorResponder(bodyLimit: number, telemetry: Pick<PredictionTelemetry, 'rejected'>): ErrorResponder {
  const send: ErrorResponder['send'] = (request, reply, error, logMessage = 'request failed') => {
    const { statusCode, body } = toClientError(error as FastifyError, bodyLimit);
    // An expected 503 (AppError, e.g. no drift report yet) is a state, not a bug: no stack in the log.
    if (statusCode >= 500 && !(error instanceof AppError)) request.log.error({ err: error }, logMessage);
    else if (statusCode >= 500) request.log.info({ error: body.error }, body.message);
    else telemetry.rejected(body.error.toLowerCase());
    return reply.code(statusCode).send(body);
  };
  return { send, handler: (error, request, reply) => send(request, reply, error) };
}

/** The closed set of rejection reasons: every 4xx error code, lower-cased. */
export const REJECTION_REASONS: readonly string[] = Object.entries(ERROR_STATUS)
  .filter(([, status]) => status < 500)
  .map(([code]) => code.toLowerCase());
