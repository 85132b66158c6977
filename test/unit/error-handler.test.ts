import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { errorCodes, type ConnectionError, type FastifyError, type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_STATUS, MAX_ERROR_BODY_BYTES, type ErrorCode } from '../../src/errors.js';
import { createErrorResponder, rejectionReasonOf, REJECTION_REASONS, toClientError } from '../../src/routes/error-handler.js';

const LONG = 'x'.repeat(10_000);
const codes = Object.keys(ERROR_STATUS) as ErrorCode[];
type ErrorConstructor = new (...args: unknown[]) => FastifyError;
const fastifyErrors = Object.entries(errorCodes as unknown as Record<string, ErrorConstructor>);

describe('toClientError', () => {
  it("maps every one of Fastify 5's errors to a catalogue code with the catalogue's status, in a bounded body", () => {
    expect(fastifyErrors.length).toBeGreaterThan(80);
    for (const [name, FastifyErrorClass] of fastifyErrors) {
      const error = new FastifyErrorClass(LONG, LONG, LONG);
      const { statusCode, body } = toClientError(error, 1024, `/${LONG}`);
      expect(statusCode, name).toBe(ERROR_STATUS[body.error]);
      expect(Buffer.byteLength(JSON.stringify(body)), name).toBeLessThanOrEqual(MAX_ERROR_BODY_BYTES);
      expect(body.message, name).not.toContain('x'.repeat(201));
      // Fastify's client statuses are kept (each has its catalogue code); everything else is a generic 500.
      const fastifyStatus = error.statusCode ?? 500;
      expect(statusCode, name).toBe(fastifyStatus < 500 || fastifyStatus === 503 ? fastifyStatus : 500);
      if (statusCode === 500) expect(body.message, name).toBe('internal error; see the service log for this request id');
    }
  });

  it('names the catalogue code of each client-reachable Fastify error', () => {
    const expected: Record<string, ErrorCode> = {
      FST_ERR_BAD_URL: 'BAD_REQUEST',
      FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
      FST_ERR_NOT_FOUND: 'NOT_FOUND',
      FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
      FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
      FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
      FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
      FST_ERR_HANDLER_TIMEOUT: 'SERVICE_UNAVAILABLE',
      FST_ERR_ASYNC_CONSTRAINT: 'INTERNAL_ERROR',
    };
    const byName = new Map(fastifyErrors);
    for (const [name, code] of Object.entries(expected)) {
      const FastifyErrorClass = byName.get(name)!;
      expect(toClientError(new FastifyErrorClass(`/drift/${LONG}`), 1024, `/drift/${LONG}`).body.error, name).toBe(code);
    }
    // The router's errors quote the URL, cut.
    const { body } = toClientError(new (byName.get('FST_ERR_MAX_PARAM_LENGTH')!)(`/drift/${LONG}`), 1024, `/drift/${LONG}`);
    expect(body.message).toBe(`a path parameter of "/drift/${'x'.repeat(57)}…" is longer than the router accepts`);
  });

  it('an AppError keeps its code, status and field; an error from a stream with a 400 is BAD_REQUEST', () => {
    expect(toClientError(new AppError('EMPTY_BATCH', 'instances is empty', 'instances'), 1024)).toEqual({
      statusCode: 400,
      body: { error: 'EMPTY_BATCH', message: 'instances is empty', field: 'instances' },
    });
    const aborted = Object.assign(new Error('aborted'), { statusCode: 400 });
    expect(toClientError(aborted, 1024)).toEqual({ statusCode: 400, body: { error: 'BAD_REQUEST', message: 'aborted' } });
    expect(toClientError(Object.assign(new Error('teapot'), { statusCode: 418 }), 1024).statusCode).toBe(400);
    expect(toClientError(new TypeError('x is undefined'), 1024)).toEqual({
      statusCode: 500,
      body: { error: 'INTERNAL_ERROR', message: 'internal error; see the service log for this request id' },
    });
  });
});

describe('REJECTION_REASONS', () => {
  it('is derived from the catalogue: exactly one lower-cased reason per 4xx code', () => {
    expect([...REJECTION_REASONS].sort()).toEqual(
      codes
        .filter((c) => ERROR_STATUS[c] < 500)
        .map((c) => c.toLowerCase())
        .sort(),
    );
    for (const code of codes) expect(REJECTION_REASONS.includes(rejectionReasonOf(code)), code).toBe(ERROR_STATUS[code] < 500);
  });
});

describe('clientErrorHandler (errors of Node HTTP parser)', () => {
  /** Hand the server side of a real connection to the handler with `error`; return what the client reads. */
  async function answer(error: Partial<ConnectionError>, reasons: string[]): Promise<string> {
    const responder = createErrorResponder(1024, { rejected: (reason) => reasons.push(reason) });
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      const [socket] = (await once(server, 'connection')) as [Socket];
      const log = { debug() {} };
      responder.clientErrorHandler.call(
        { log } as unknown as FastifyInstance,
        Object.assign(new Error('client error'), error) as ConnectionError,
        socket,
      );
      const chunks: Buffer[] = [];
      client.on('data', (c: Buffer) => chunks.push(c));
      await once(client, 'close');
      return Buffer.concat(chunks).toString('utf8');
    } finally {
      server.close();
    }
  }

  it('a request that did not arrive in time -> 408 REQUEST_TIMEOUT in the documented shape, counted, connection closed', async () => {
    const reasons: string[] = [];
    const response = await answer({ code: 'ERR_HTTP_REQUEST_TIMEOUT' }, reasons);
    expect(response).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(response).toMatch(/\r\nConnection: close\r\n/);
    expect(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4))).toEqual({
      error: 'REQUEST_TIMEOUT',
      message: 'the request did not arrive in time',
    });
    expect(reasons).toEqual(['request_timeout']);
  });

  it("a malformed request -> 400 BAD_REQUEST naming llhttp's reason, cut", async () => {
    const reasons: string[] = [];
    const response = await answer(
      { code: 'HPE_INVALID_HEADER_TOKEN', reason: `Invalid header value char${LONG}` } as Partial<ConnectionError>,
      reasons,
    );
    expect(response).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { error: string; message: string };
    expect(body.error).toBe('BAD_REQUEST');
    expect(body.message).toMatch(/^malformed HTTP request: Invalid header value charx+ \(HPE_INVALID_HEADER_TOKEN\)$/);
    expect(body.message.length).toBeLessThan(160);
    expect(reasons).toEqual(['bad_request']);
  });

  it('a reset connection is left alone: nothing written, nothing counted', () => {
    const reasons: string[] = [];
    const responder = createErrorResponder(1024, { rejected: (reason) => reasons.push(reason) });
    const writes: unknown[] = [];
    const socket = {
      destroyed: false,
      writable: true,
      end: (...args: unknown[]) => writes.push(args),
      destroy: () => writes.push('destroy'),
    };
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) as ConnectionError;
    responder.clientErrorHandler.call({ log: { debug() {} } } as unknown as FastifyInstance, reset, socket as unknown as Socket);
    expect(writes).toEqual([]);
    expect(reasons).toEqual([]);
  });
});
