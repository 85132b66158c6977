import type { FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError } from '../errors.js';

/**
 * The only body parser: JSON through secure-json-parse (as Fastify's own), but failing with our
 * MALFORMED_JSON error and V8's message, which says where the text went wrong.
 * A "__proto__" key, or "constructor" with "prototype", is rejected: merged into an object
 * later it could alter every object in the process.
 */
export function parseJsonBody(_request: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void): void {
  if (body.length === 0) {
    done(new AppError('MALFORMED_JSON', 'request body is empty; expected a JSON object'));
    return;
  }
  try {
    done(null, secureJson.parse(body, null, { protoAction: 'error', constructorAction: 'error' }));
  } catch (err) {
    const message = (err as Error).message;
    done(
      new AppError(
        'MALFORMED_JSON',
        /prototype/i.test(message)
          ? 'JSON keys "__proto__" and "constructor.prototype" are not allowed'
          : `malformed JSON: ${message.slice(0, 160)}`,
      ),
    );
  }
}
