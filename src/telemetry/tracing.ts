import { hostname } from 'node:os';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import {
  CompositePropagator,
  ExportResultCode,
  setGlobalErrorHandler,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { pino } from 'pino';
import type { TracingOptions } from '../config/index.js';
import { AccountedSpanProcessor } from './accounted-span-processor.js';
import { CappedSampler } from './capped-sampler.js';
import { loggerOptions } from './logger.js';
import { createRateLimitedWarner, type RateLimitedWarner } from './rate-limited-log.js';
import { SERVICE } from './service-info.js';
import { UntrustedParentLinker, UntrustedParentPropagator } from './untrusted-parent.js';

/** Counts of sampled spans by fate, read by the metrics at scrape time. */
export interface SpanStats {
  /** Spans the collector accepted. */
  readonly exported: number;
  /** Spans in an export that failed or timed out. */
  readonly failed: number;
  /** Spans that ended while the export queue was full. */
  readonly dropped: number;
  /** Traces the sampler would have sampled and the per-second cap refused (counted at their root span). */
  readonly rateLimited: number;
  /** Spans waiting for export. */
  queueSize(): number;
}

export interface Tracing {
  readonly options: TracingOptions;
  readonly stats: SpanStats;
  readonly warnings: RateLimitedWarner;
  /**
   * Send one empty export so the gRPC client and the OTLP serializer load now, not inside the
   * first request that gets sampled (that stalls the event loop for ~100 ms). Resolves true when
   * the collector answered, false on failure or after `timeoutMs`.
   */
  warmUp(timeoutMs: number): Promise<boolean>;
  /** Export what is queued and stop. */
  shutdown(): Promise<void>;
}

/** Routes whose requests get no span: scrapes and probes would drown the real traffic. */
export const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/metrics', '/health', '/ready']);
const pathOf = (url: string) => {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
};

let current: Tracing | undefined;

/** The tracing started by instrumentation.ts in this process, if any. */
export function currentTracing(): Tracing | undefined {
  return current;
}

function createConfiguredSampler(options: TracingOptions): Sampler {
  const ratio = new TraceIdRatioBasedSampler(options.samplerRatio);
  switch (options.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
  }
}

/**
 * Start tracing by hand (not NodeSDK: set up like this it starts 7-14 % slower, +7 MB, with the same
 * cost per request; `npm run bench -- --only nodesdk`).
 * Returns undefined, having constructed nothing, when OTEL_SDK_DISABLED=true: instrumentations
 * patch modules in their constructors, so even a disabled one costs throughput.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing | undefined> {
  if (options.disabled) return undefined;

  // Diagnostics of the SDK and failed exports go to the JSON log, each kind at most once a minute.
  // Exports run in the async context of whichever request ended a batch: no trace ids here.
  const log = pino(loggerOptions({ level: 'warn', service: SERVICE, traceContext: false }));
  const warnings = createRateLimitedWarner({ warn: (fields, message) => log.warn(fields, message) }, 60_000);
  const kindOf = (message: string) => message.replace(/\d+/g, 'N').slice(0, 80);
  diag.setLogger(
    {
      error: (message) => warnings.warn(`otel: ${kindOf(message)}`, `OpenTelemetry: ${message}`),
      warn: (message) => warnings.warn(`otel: ${kindOf(message)}`, `OpenTelemetry: ${message}`),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  setGlobalErrorHandler((error) => {
    const e = error as { code?: unknown; message?: string };
    const message = typeof error === 'string' ? error : (e.message ?? String(error));
    warnings.warn(`otel export: ${String(e.code ?? kindOf(message))}`, `span export failed: ${message.split('\n')[0]}`, {
      endpoint: options.endpoint,
      ...(e.code !== undefined && { code: e.code }),
    });
  });

  const sampler = new CappedSampler({ delegate: createConfiguredSampler(options), maxPerSecond: options.maxSampledPerSecond });
  const exporter = new OTLPTraceExporter({ url: options.endpoint, timeoutMillis: options.exportTimeoutMs });
  const processor = new AccountedSpanProcessor({ exporter, queue: options.queue });
  const stats: SpanStats = {
    get exported() {
      return processor.exported;
    },
    get failed() {
      return processor.failed;
    },
    get dropped() {
      return processor.dropped;
    },
    get rateLimited() {
      return sampler.rateLimited;
    },
    queueSize: () => processor.queued,
  };

  const resource = detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({
      'service.name': options.serviceName,
      'service.version': SERVICE.version,
      'service.instance.id': `${hostname()}-${process.pid}`,
    }),
  );
  const provider = new NodeTracerProvider({
    resource,
    sampler,
    spanProcessors: options.trustRemoteParent ? [processor] : [new UntrustedParentLinker(), processor],
  });
  // The SDK's default propagators (W3C trace context + baggage); for untrusted callers, wrapped so
  // that their span context becomes a link instead of the parent. AsyncLocalStorage context manager.
  const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
  provider.register({ propagator: options.trustRemoteParent ? propagator : new UntrustedParentPropagator(propagator) });

  const instrumentations: Instrumentation[] = [];
  if (options.instrumentations.includes('http')) {
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
    instrumentations.push(
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(pathOf(request.url ?? '')) }),
    );
  }
  if (options.instrumentations.includes('fastify')) {
    const { FastifyOtelInstrumentation } = await import('@fastify/otel');
    instrumentations.push(
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // Hook spans roughly double the cost of tracing (docs/performance.md); the handler has our own
        // `predict` span, so the request span is enough from this plugin.
        instrumentHooks: false,
        instrumentHandler: false,
        // Client errors are answered, not thrown (see routes/); exceptions of real failures are
        // recorded on our own spans.
        recordExceptions: false,
        ignorePaths: ({ url }: { url: string }) => UNTRACED_PATHS.has(pathOf(url)),
        // Semantic-convention span name: "{method} {route}"; an unsampled request's span is never
        // exported, so it is not worth a string.
        requestHook: (span, request) => {
          if (span.isRecording()) span.updateName(`${request.method} ${request.routeOptions.url ?? ''}`.trim());
        },
      }),
    );
  }
  registerInstrumentations({ tracerProvider: provider, instrumentations });

  const tracing: Tracing = {
    options,
    stats,
    warnings,
    warmUp: (timeoutMs) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
        exporter.export([], (result) => {
          clearTimeout(timer);
          resolve(result.code === ExportResultCode.SUCCESS);
        });
      }),
    shutdown: () => provider.shutdown(),
  };
  current = tracing;
  return tracing;
}
