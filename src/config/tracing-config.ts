import { z } from 'zod';
import { StartupError } from '../errors.js';
import { flag } from './config-schema.js';
import { parseEnv } from './parse-env.js';
import type { InstrumentationName, TracingOptions } from './tracing-options.js';

/**
 * The OpenTelemetry variables the service reads (names and meanings from the OpenTelemetry
 * specification, "Environment Variable Specification"); defaults differ only where noted.
 * The TRACES_* variables are the service's own (the specification has nothing like them).
 * Read by telemetry/instrumentation.ts, which runs before the app is imported.
 */
export const tracingEnvSchema = z.object({
  OTEL_SDK_DISABLED: flag.default(false).describe('`true`: no tracing at all; no instrumentation is even constructed'),
  OTEL_SERVICE_NAME: z.string().min(1).default('ml-service').describe('`service.name` of every span'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z
    .url()
    .optional()
    .describe('OTLP/gRPC endpoint for spans (falls back to `OTEL_EXPORTER_OTLP_ENDPOINT`)'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().default('http://localhost:4317').describe('OTLP/gRPC endpoint'),
  OTEL_EXPORTER_OTLP_TIMEOUT: z.coerce.number().int().min(1).default(10_000).describe('Export timeout, ms'),
  OTEL_TRACES_SAMPLER: z
    .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
    .default('parentbased_traceidratio')
    .describe('Sampler; parent-based ones let an incoming `traceparent` decide (the SDK default is `parentbased_always_on`)'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.1)
    .describe('Ratio for the traceidratio samplers (1 is a debug setting)'),
  // Default true: inside a mesh, joining the caller's trace is what OpenTelemetry does and what
  // the OTEL_TRACES_SAMPLER=parentbased_* values promise; TRACES_MAX_SAMPLED_PER_SECOND bounds what
  // an untrusted caller can force meanwhile.
  TRACES_TRUST_REMOTE_PARENT: flag
    .default(true)
    .describe(
      "`false`: an incoming `traceparent` is not joined: the request starts a new trace, sampled by the service's own sampler, with a span link to the caller's span (for a service untrusted clients can reach; see Sampling trust)",
    ),
  // Default 2500: above the default 10 % of the most one process serves (~20k req/s, 2,000 traces/s),
  // so it does not bind on traffic sampled at that ratio; it bounds what forced sampling can cost.
  // A flood that saturates the process below that rate needs TRACES_TRUST_REMOTE_PARENT=false or a lower cap.
  TRACES_MAX_SAMPLED_PER_SECOND: z.coerce
    .number()
    .int()
    .min(1)
    .default(2500)
    .describe(
      'Most traces sampled per second, whatever the parent says (token bucket, bursts up to one second of it); a root or remote-parent span beyond it is not sampled and counts in `ml_otel_spans_total{outcome="rate_limited"}`; children follow their parent',
    ),
  OTEL_BSP_MAX_QUEUE_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .default(2048)
    .describe('Spans queued for export; beyond it spans are dropped and counted'),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: z.coerce.number().int().min(1).default(512).describe('Spans per export'),
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(0).default(5000).describe('Longest wait before exporting a partial batch, ms'),
  OTEL_BSP_EXPORT_TIMEOUT: z.coerce.number().int().min(1).default(30_000).describe('Longest wait for one export, ms'),
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: z
    .string()
    .default('fastify')
    .describe(
      'Comma list of `fastify` (request spans by @fastify/otel) and `http` (Node http server/client spans, which cost more: see Benchmarks)',
    ),
});

export type TracingEnv = z.infer<typeof tracingEnvSchema>;

export function loadTracingConfig(env: NodeJS.ProcessEnv = process.env): TracingOptions {
  const e = parseEnv(tracingEnvSchema, env);
  const instrumentations = e.OTEL_NODE_ENABLED_INSTRUMENTATIONS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = instrumentations.filter((i) => i !== 'fastify' && i !== 'http');
  if (unknown.length > 0) {
    throw new StartupError(`invalid environment: OTEL_NODE_ENABLED_INSTRUMENTATIONS: unknown ${unknown.join(', ')} (known: fastify, http)`);
  }
  return {
    disabled: e.OTEL_SDK_DISABLED,
    serviceName: e.OTEL_SERVICE_NAME,
    endpoint: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_ENDPOINT,
    exportTimeoutMs: e.OTEL_EXPORTER_OTLP_TIMEOUT,
    sampler: e.OTEL_TRACES_SAMPLER,
    samplerRatio: e.OTEL_TRACES_SAMPLER_ARG,
    trustRemoteParent: e.TRACES_TRUST_REMOTE_PARENT,
    maxSampledPerSecond: e.TRACES_MAX_SAMPLED_PER_SECOND,
    queue: {
      maxQueueSize: e.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: Math.min(e.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, e.OTEL_BSP_MAX_QUEUE_SIZE),
      scheduledDelayMillis: e.OTEL_BSP_SCHEDULE_DELAY,
      exportTimeoutMillis: e.OTEL_BSP_EXPORT_TIMEOUT,
    },
    instrumentations: instrumentations as InstrumentationName[],
  };
}
