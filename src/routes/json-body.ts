import type { FastifyRequest } from 'fastify';
import { AppError, quoteInput } from '../errors.js';

/** True when a Content-Encoding header asks for no decoding: absent, empty or only "identity". */
function isIdentity(encoding: string | undefined): boolean {
  return encoding === undefined || encoding.split(',').every((coding) => /^\s*(identity)?\s*$/i.test(coding));
}

/**
 * The only body parser: JSON, failing with our MALFORMED_JSON error and V8's message (which says
 * where the text went wrong).
 *
 * The service decodes no content coding, so a body sent with any Content-Encoding but identity
 * (gzip, br, deflate, ...) is refused with 415, as RFC 9110 section 8.4.1 says, rather than being
 * parsed as JSON and reported as malformed.
 *
 * A "__proto__" key, or "constructor" holding "prototype", is refused wherever it is nested: merged
 * into an object later by careless code it could alter prototypes. secure-json-parse (Fastify's
 * default) refuses the same keys but cannot say where they are; this names the path.
 */
export function parseJsonBody(request: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void): void {
  const encoding = request.headers['content-encoding'];
  if (!isIdentity(encoding)) {
    done(
      new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${quoteInput(encoding ?? '')} is not supported; send the body uncompressed`),
    );
    return;
  }
  if (body.length === 0) {
    done(new AppError('MALFORMED_JSON', 'request body is empty; expected a JSON object'));
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    done(new AppError('MALFORMED_JSON', `malformed JSON: ${(err as Error).message.slice(0, 160)}`));
    return;
  }
  // The scan only runs when the text could hold such a key (as secure-json-parse does).
  if (body.includes('__proto__') || body.includes('constructor')) {
    const path = findForbiddenKey(value);
    if (path !== undefined) {
      done(new AppError('VALIDATION_ERROR', `JSON key ${JSON.stringify(path.key)} is not allowed here`, path.field));
      return;
    }
  }
  done(null, value);
}

interface Visit {
  readonly value: unknown;
  readonly parent: Visit | undefined;
  readonly key: string | number;
}

/** Depth-first, iterative (bodies may nest 100k levels deep); the path is built only on a hit. */
export function findForbiddenKey(root: unknown): { field: string; key: string } | undefined {
  const stack: Visit[] = [{ value: root, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value } = visit;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], parent: visit, key: i });
      continue;
    }
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      const forbidden =
        key === '__proto__' || (key === 'constructor' && typeof child === 'object' && child !== null && Object.hasOwn(child, 'prototype'));
      if (forbidden) return { field: fieldPath({ value: child, parent: visit, key }), key };
      stack.push({ value: child, parent: visit, key });
    }
  }
  return undefined;
}

/** Path parts kept at each end of a deeper path: 20,000 levels of nesting would otherwise make a 60 KB field. */
const PATH_ENDS = 12;

function fieldPath(visit: Visit): string {
  const parts: (string | number)[] = [];
  for (let v: Visit | undefined = visit; v?.parent; v = v.parent) parts.push(v.key);
  parts.reverse();
  if (parts.length <= 2 * PATH_ENDS) return render(parts, '');
  return render(parts.slice(-PATH_ENDS), `${render(parts.slice(0, PATH_ENDS), '')}…`);
}

/** Append path parts to `path`: indices in brackets, keys (cut to 64 characters) after a dot. */
function render(parts: readonly (string | number)[], path: string): string {
  return parts.reduce<string>((at, part) => {
    if (typeof part === 'number') return `${at}[${part}]`;
    const key = part.slice(0, 64);
    return at ? `${at}.${key}` : key;
  }, path);
}
