/**
 * The tracing settings, as loadTracingConfig() (tracing-config.ts) returns them from the OTEL_*
 * and TRACES_* variables and telemetry/tracing.ts consumes them. Types only: a module outside the
 * entry points may import this (type-only) without reading the environment.
 */
export type SamplerName =
  'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';

export type InstrumentationName = 'fastify' | 'http';

/** The bounded export queue (OTEL_BSP_*). */
export interface SpanQueueOptions {
  /** Spans waiting for export at most; a span that ends when the queue is full is dropped and counted. */
  readonly maxQueueSize: number;
  /** Spans per export, at most `maxQueueSize`. */
  readonly maxExportBatchSize: number;
  /** Longest wait before exporting a partial batch, ms. */
  readonly scheduledDelayMillis: number;
  /** Longest wait for one export before the next batch may start, ms. */
  readonly exportTimeoutMillis: number;
}

export interface TracingOptions {
  /** true: no tracing at all; no instrumentation is even constructed. */
  readonly disabled: boolean;
  readonly serviceName: string;
  /** OTLP/gRPC endpoint for spans. */
  readonly endpoint: string;
  /** Timeout of one OTLP request, ms. */
  readonly exportTimeoutMs: number;
  readonly sampler: SamplerName;
  /** Ratio for the traceidratio samplers. */
  readonly samplerRatio: number;
  /**
   * true: an incoming `traceparent` is the parent of the request span, and its sampled flag decides
   * under the parent-based samplers. false: the request starts a new trace, decided by the
   * service's own sampler, with a span link to the caller's span.
   */
  readonly trustRemoteParent: boolean;
  /** Traces (root and remote-parent spans) sampled per second at most, whatever the parent says. */
  readonly maxSampledPerSecond: number;
  readonly queue: SpanQueueOptions;
  readonly instrumentations: readonly InstrumentationName[];
}
