import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter } from '@opentelemetry/api';
import type { HistogramSeries } from './metric-primitives.js';
import { GRPC_STATUS_NAMES, type Metrics } from './metrics.js';
import { SERVICE } from './service-info.js';
import { sampledTraceId } from './spans.js';

/**
 * What the propagator reads an incoming call's headers from: gRPC metadata, structurally (telemetry
 * does not import the gRPC library). Values are strings, or Buffers for `-bin` keys.
 */
export interface RpcHeaders {
  get(key: string): readonly (string | Buffer)[];
  getMap(): Record<string, string | Buffer>;
}

const headerGetter: TextMapGetter<RpcHeaders> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key).filter((v): v is string => typeof v === 'string');
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
  },
};

/** One RPC being served: end it exactly once, with the gRPC status it was answered with. */
export interface RpcCall {
  /** The call's context (its server span active when traced): run the handler in it. */
  readonly context: Context;
  readonly span: Span | undefined;
  /** Record the outcome: the duration series of (method, status), the span's status and end. */
  end(statusCode: number, error?: { readonly message: string; readonly name?: string }): void;
}

export interface RpcTelemetry {
  /**
   * An RPC of `method` ("inference.GRPCInferenceService/ModelInfer") starts. `traced` false (the
   * probes, like /health and /ready over HTTP) starts no span: they would drown the real traffic.
   */
  begin(method: string, headers: RpcHeaders, traced: boolean): RpcCall;
}

const tracer = trace.getTracer(SERVICE.name, SERVICE.version);
const STATUS_COUNT = GRPC_STATUS_NAMES.length;

/**
 * Server spans and RED metrics of RPCs, following the OpenTelemetry RPC semantic conventions:
 * span "{rpc.method}" of kind SERVER, child of the caller's span when its `traceparent` metadata is
 * trusted (the globally registered propagator decides, exactly as for HTTP: with
 * TRACES_TRUST_REMOTE_PARENT=false the caller's span becomes a link); `rpc.system.name` = grpc,
 * `rpc.method`, `rpc.status_code` (the status name); a status other than OK fails the span only
 * when it is the server's fault (the gRPC conventions: UNKNOWN, DEADLINE_EXCEEDED,
 * UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS). Metrics: rpc_server_call_duration_seconds by
 * method and status name, both closed sets; `methods` is every method served, bound at startup.
 */
export function createRpcTelemetry(metrics: Metrics | undefined, methods: readonly string[]): RpcTelemetry {
  // Every (method, status) series bound on first use; the label values come from these closed sets only.
  const series = new Map<string, (HistogramSeries | undefined)[]>();
  for (const method of methods) {
    const byStatus = new Array<HistogramSeries | undefined>(STATUS_COUNT);
    if (metrics) byStatus[0] = metrics.rpcDuration.labels(method, 'OK');
    series.set(method, byStatus);
  }
  const observe = (method: string, statusCode: number, seconds: number) => {
    if (!metrics) return;
    const byStatus = series.get(method);
    if (byStatus === undefined) return;
    const code = Number.isInteger(statusCode) && statusCode >= 0 && statusCode < STATUS_COUNT ? statusCode : 2; // UNKNOWN
    const target = (byStatus[code] ??= metrics.rpcDuration.labels(method, GRPC_STATUS_NAMES[code]!));
    const traceId = sampledTraceId();
    if (traceId === undefined) target.observe(seconds);
    else target.observeWithExemplar(seconds, traceId);
  };

  return {
    begin(method, headers, traced) {
      const started = performance.now();
      let ctx = context.active();
      let span: Span | undefined;
      if (traced) {
        const parent = propagation.extract(ctx, headers, headerGetter);
        span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'rpc.system.name': 'grpc', 'rpc.method': method } }, parent);
        ctx = trace.setSpan(parent, span);
      }
      let ended = false;
      return {
        context: ctx,
        span,
        end(statusCode, error) {
          if (ended) return;
          ended = true;
          // Observed inside the call's context: a sampled call's trace id becomes the exemplar.
          context.with(ctx, () => observe(method, statusCode, (performance.now() - started) / 1000));
          if (!span) return;
          const name = GRPC_STATUS_NAMES[statusCode] ?? 'UNKNOWN';
          span.setAttribute('rpc.status_code', name);
          if (error && SERVER_FAULTS.has(name)) {
            span.setAttribute('error.type', name);
            span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
          }
          span.end();
        },
      };
    },
  };
}

/** gRPC statuses that are the server's fault (OpenTelemetry's gRPC conventions for server spans). */
const SERVER_FAULTS: ReadonlySet<string> = new Set([
  'UNKNOWN',
  'DEADLINE_EXCEEDED',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
]);
