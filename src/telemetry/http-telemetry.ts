import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { KNOWN_HTTP_METHODS, type Metrics } from './metrics.js';
import { sampledTraceId } from './spans.js';

// What we accept as a caller's request id: enough for UUIDs, ULIDs and most tracing ids; a
// header that is not this is replaced, so logs never carry a megabyte or a newline from a client.
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Fastify's genReqId: honour a sane incoming x-request-id, else make one. */
export function requestIdOf(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

const METHODS: ReadonlySet<string> = new Set(KNOWN_HTTP_METHODS);

/**
 * Request id echoed on every response, and http_server_request_duration_seconds by method,
 * route template (never the raw URL) and status code, from one onResponse hook. `closing()`: true
 * while the service drains; each response then asks its client to close the connection (the same
 * onSend hook: one hook per response, not two).
 */
export function installHttpTelemetry(app: FastifyInstance, metrics: Metrics | undefined, closing: () => boolean = () => false): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (closing()) reply.header('connection', 'close');
    done(null, payload);
  });
  if (!metrics) return;
  const histogram = metrics.httpDuration;
  app.addHook('onResponse', (request, reply, done) => {
    const method = METHODS.has(request.method) ? request.method : '_OTHER';
    const series = histogram.labels(method, request.routeOptions.url ?? '', String(reply.statusCode));
    const seconds = reply.elapsedTime / 1000;
    const traceId = sampledTraceId();
    if (traceId === undefined) series.observe(seconds);
    else series.observeWithExemplar(seconds, traceId);
    done();
  });
}
