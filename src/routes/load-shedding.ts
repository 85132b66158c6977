import underPressure from '@fastify/under-pressure';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ERROR_STATUS } from '../errors.js';

export type ShedReason = 'event_loop_delay' | 'heap_used';

export interface LoadSheddingOptions {
  /** Mean event-loop delay over the last second above which work is shed; 0: off. */
  readonly maxEventLoopDelayMs: number;
  /** Heap bytes in use above which work is shed; 0: off. */
  readonly maxHeapUsedBytes: number;
  readonly retryAfterSeconds: number;
  readonly onShed: (reason: ShedReason) => void;
}

/**
 * Probes and scrapes keep answering under load: an overloaded replica must stay visible to
 * Prometheus and alive to its orchestrator, not look dead and be restarted mid-spike.
 */
const NEVER_SHED: ReadonlySet<string> = new Set([
  '/health',
  '/ready',
  '/metrics',
  '/models',
  // The Open Inference Protocol's probes and metadata (routes/open-inference.ts): only inference is shed.
  '/v2',
  '/v2/',
  '/v2/health/live',
  '/v2/health/ready',
  '/v2/models/:model_name',
  '/v2/models/:model_name/versions/:model_version',
  '/v2/models/:model_name/ready',
  '/v2/models/:model_name/versions/:model_version/ready',
]);

/**
 * Shed work with 503 + Retry-After before the event loop drowns (@fastify/under-pressure samples
 * event-loop delay and heap once a second off the request path; each request only compares two
 * numbers).
 */
const plugin: FastifyPluginAsync<LoadSheddingOptions> = async (app, options) => {
  if (options.maxEventLoopDelayMs === 0 && options.maxHeapUsedBytes === 0) return;
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxHeapUsedBytes: options.maxHeapUsedBytes,
    pressureHandler: (request, reply, type, value) => {
      if (NEVER_SHED.has(request.routeOptions.url ?? '')) return undefined;
      const reason: ShedReason = type === underPressure.TYPE_HEAP_USED_BYTES ? 'heap_used' : 'event_loop_delay';
      options.onShed(reason);
      const measured =
        reason === 'heap_used'
          ? `heap in use ${Math.round(Number(value) / 2 ** 20)} MiB over ${Math.round(options.maxHeapUsedBytes / 2 ** 20)} MiB`
          : `event-loop delay ${Math.round(Number(value))} ms over ${options.maxEventLoopDelayMs} ms`;
      // Counted, not logged: a log line per shed request would add load exactly when there is too much.
      reply.code(ERROR_STATUS.SERVICE_UNAVAILABLE).header('retry-after', String(options.retryAfterSeconds));
      // The plugin sends a returned object (its README); undefined lets the request through. Its
      // typings only allow void, hence the cast.
      const message = `overloaded (${measured}); retry after ${options.retryAfterSeconds} s`;
      // /v2 answers in the Open Inference Protocol's error shape, everything else in the catalogue's.
      const body = request.url.startsWith('/v2/') ? { error: message } : { error: 'SERVICE_UNAVAILABLE', message };
      return body as unknown as undefined;
    },
  });
};

// fastify-plugin: the hook must reach the routes registered beside this plugin, not only inside it.
export const loadShedding = fp(plugin, { name: 'load-shedding' });
